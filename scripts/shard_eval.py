#!/usr/bin/env python3
"""The same searches over one database and over a stub of remote shards
(xapian-tcpsrv): the share of reference queries (../shared/eval, as
scripts/eval.py loads them) with identical top-10 keys, and the latency (one
connection) and throughput (8 connections) of each searchd.
usage: shard_eval.py CORPUS --single URL --shards URL [--n N] [--json OUT]"""
import argparse, concurrent.futures, json, sys, time, urllib.parse, urllib.request

import devset  # noqa: F401  (puts $SHARED/eval on sys.path)
import corpus, queries  # noqa: E402


def search(base, q):
    url = '%s/v1/search?%s' % (base, urllib.parse.urlencode(dict(q=q['q'], locale=q['locale'], limit=10)))
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            status, body = r.status, json.load(r)
    except urllib.error.HTTPError as e:
        status, body = e.code, {}
    ms = (time.perf_counter() - t) * 1000
    return status, [h['key'] for h in body.get('hits', [])], ms


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def measure(base, qs):
    """top keys and latencies one by one, then q/s at 8 connections"""
    one = [search(base, q) for q in qs]
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        many = list(pool.map(lambda q: search(base, q), qs))
    qps = len(qs) / (time.perf_counter() - t)
    errors = sum(1 for r in one + many if r[0] != 200)
    lat = [r[2] for r in one]
    return dict(keys=[r[1] for r in one], p50=pct(lat, 50), p99=pct(lat, 99), qps=qps, errors=errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('root')
    ap.add_argument('--single', required=True)
    ap.add_argument('--shards', required=True)
    ap.add_argument('--n', type=int, default=100, help='reference queries per kind and locale')
    ap.add_argument('--json')
    a = ap.parse_args()
    docs = corpus.load(a.root)
    locales = sorted({d['locale'] for d in docs})
    qs = [q for loc in locales for q in queries.make(docs, loc, n=a.n)]
    single, sharded = measure(a.single, qs), measure(a.shards, qs)
    same = sum(1 for x, y in zip(single['keys'], sharded['keys']) if x == y)
    share = 100.0 * same / len(qs)
    print('%d reference queries: identical top 10 over the shards for %d (%.2f%%)' % (len(qs), same, share))
    print('%-28s %10s %10s %12s %7s' % ('', 'p50 ms', 'p99 ms', 'q/s (8 conn)', 'errors'))
    for name, m in (('one database', single), ('stub of 3 remote shards', sharded)):
        print('%-28s %10.2f %10.2f %12.0f %7d' % (name, m['p50'], m['p99'], m['qps'], m['errors']))
    diffs = [dict(q=q['q'], locale=q['locale'], single=x, shards=y)
             for q, x, y in zip(qs, single['keys'], sharded['keys']) if x != y]
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(dict(queries=len(qs), identical=same, share=share, single={k: v for k, v in single.items() if k != 'keys'},
                           shards={k: v for k, v in sharded.items() if k != 'keys'}, differences=diffs), f, ensure_ascii=False, indent=1)
    for d in diffs[:5]:
        print('  differs: %s %r\n    one:    %s\n    shards: %s' % (d['locale'], d['q'], ' '.join(d['single']), ' '.join(d['shards'])))
    return 0 if share >= 99 and single['errors'] == 0 and sharded['errors'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
