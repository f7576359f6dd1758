#!/usr/bin/env python3
"""Latency of a running searchd: /v1/search and /v1/suggest, one request at a
time over a kept-alive connection, with queries drawn from the reference
evaluation's generator (titles, fragments, short CJK strings, IDs, codes) and
title prefixes for suggest.

usage: scripts/bench.py URL [--corpus ../shared/corpus/sxs] [--n 40] [--pid PID]
Skips (exit 0) when ../shared is absent."""
import argparse, http.client, json, os, sys, time, urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument('url')
ap.add_argument('--corpus', default=os.path.join(here, '..', '..', 'shared', 'corpus', 'sxs'))
ap.add_argument('--eval', default=os.path.join(here, '..', '..', 'shared', 'eval'))
ap.add_argument('--n', type=int, default=40, help='queries per kind and locale')
ap.add_argument('--pid', type=int, help="searchd's pid, to report its memory")
a = ap.parse_args()
if not os.path.isdir(a.corpus) or not os.path.isdir(a.eval):
    print('bench: skipped: %s or %s is missing' % (a.corpus, a.eval))
    sys.exit(0)
sys.path.insert(0, a.eval)
import corpus, queries  # noqa: E402

docs = corpus.load(a.corpus)
locales = sorted({d['locale'] for d in docs})
qs = [q for loc in locales for q in queries.make(docs, loc, n=a.n)]
prefixes = []
for q in qs:
    if q['kind'] == 'title':
        t = q['q']
        prefixes.append((q['locale'], t[:max(2, len(t) // 3)]))

u = urllib.parse.urlparse(a.url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def run(path_params):
    client, server = [], []
    for path, params in path_params:
        t0 = time.perf_counter()
        conn.request('GET', path + '?' + urllib.parse.urlencode(params))
        r = conn.getresponse()
        body = r.read()
        client.append((time.perf_counter() - t0) * 1000)
        if r.status == 200:
            server.append(json.loads(body).get('took_ms', 0))
    return client, server


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def report(name, client, server):
    print('%-8s n=%-5d client p50 %.2f ms  p99 %.2f ms  max %.2f ms | server p50 %.2f ms  p99 %.2f ms' % (
        name, len(client), pct(client, 50), pct(client, 99), max(client), pct(server, 50), pct(server, 99)))


run([('/v1/search', dict(q=q['q'], locale=q['locale'])) for q in qs[:50]])  # warm up
report('search', *run([('/v1/search', dict(q=q['q'], locale=q['locale'])) for q in qs]))
report('suggest', *run([('/v1/suggest', dict(q=p, locale=loc)) for loc, p in prefixes]))
if a.pid:
    with open('/proc/%d/status' % a.pid) as f:
        for line in f:
            if line.startswith(('VmRSS', 'VmHWM')):
                print('searchd', line.strip())
