#!/usr/bin/env python3
"""scripts/bench's driver: speed, side by side with references in the same run.

  1. full index build of CORPUS by helpsearch-index and by omindex (Debian
     xapian-omega, CJK n-grams), three times each, alternating: the median
     wall, CPU, peak RSS, index size; the no-op re-run
  2. the raw Xapian matcher (bench/raw_matcher.cpp: one thread, QueryParser +
     FLAG_CJK_NGRAM, top 10 with document data) on omindex's index, and
     helpsearch's own engine in-process on one thread (bench/engine_bench.cpp)
  3. helpsearchd under wrk at 1, 8, 32 and 64 connections over the reference
     query mix (what the search box sends: q and locale), then /v1/suggest on
     title prefixes at 8 connections; searchd's RSS after the run
  4. PROFILE=1: searchd again under gperftools, top functions

usage: scripts/bench.py --build BUILD [--corpus DIR] [--eval DIR] [--seconds 10] [--json OUT] [--index-only]
                       [--index-rounds 3]
Skips (exit 0) when the corpus or the evaluation is absent. searchd has no
response cache: every figure is the engine's."""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(here, '..', '..', 'shared')
ap = argparse.ArgumentParser()
ap.add_argument('--build', required=True)
ap.add_argument('--corpus', default=os.path.join(shared, 'corpus', 'sxs'))
ap.add_argument('--eval', default=os.path.join(shared, 'eval'))
ap.add_argument('--seconds', type=float, default=10)
ap.add_argument('--json')
ap.add_argument('--work', help='scratch folder (default: a new temporary one)')
ap.add_argument('--reuse', action='store_true', help="keep the indexes of an earlier run's --work folder")
ap.add_argument('--index-only', action='store_true', help='only the index builds and the no-op re-run')
ap.add_argument('--index-rounds', type=int, default=3, help='alternating builds of each indexer (medians reported)')
ap.add_argument('--profile', action='store_true', default=os.environ.get('PROFILE') == '1')
a = ap.parse_args()
if not os.path.isdir(a.corpus) or not os.path.isdir(a.eval):
    print('bench: skipped: %s or %s is missing' % (a.corpus, a.eval))
    sys.exit(0)
sys.path.insert(0, a.eval)
import corpus, queries  # noqa: E402

bin_dir = os.path.join(a.build, 'bin')
work = a.work or tempfile.mkdtemp(prefix='helpsearch-bench-')
os.makedirs(work, exist_ok=True)
results = {'machine': {}, 'index': {}, 'raw_matcher': {}, 'engine': {}, 'search': {}, 'suggest': {}}


def machine():
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
    mem = next((int(l.split()[1]) for l in open('/proc/meminfo') if l.startswith('MemTotal')), 0)
    return {'cpu': cpu, 'cores': os.cpu_count(), 'memory_gb': round(mem / 1024 / 1024)}


def mix():
    """The reference query mix, as search paths and raw query lines; suggest paths on title prefixes."""
    docs = corpus.load(a.corpus)
    locales = sorted({d['locale'] for d in docs})
    qs = [q for loc in locales for q in queries.make(docs, loc)]
    search = ['/v1/search?' + urllib.parse.urlencode({'q': q['q'], 'locale': q['locale']}) for q in qs]
    suggest = ['/v1/suggest?' + urllib.parse.urlencode({'q': q['q'][:max(2, len(q['q']) // 3)], 'locale': q['locale']})
               for q in qs if q['kind'] == 'title']
    write('search.txt', search)
    write('suggest.txt', suggest)
    write('queries.txt', [q['q'].replace('\n', ' ') for q in qs])
    write('queries.tsv', [q['locale'] + '\t' + q['q'].replace('\n', ' ') for q in qs])
    return len(search), len(suggest)


def write(name, lines):
    with open(os.path.join(work, name), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time: wall s, CPU s, peak RSS MB."""
    out = os.path.join(work, 'time.txt')
    r = subprocess.run(['/usr/bin/time', '-f', '%e %U %S %M', '-o', out] + cmd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit('bench: %s failed: %s' % (cmd[0], r.stderr[-2000:]))
    wall, user, sys_, rss = open(out).read().split()[-4:]
    run = {'wall_s': float(wall), 'cpu_s': round(float(user) + float(sys_), 2), 'peak_rss_mb': int(rss) // 1024}
    # helpsearch-index's summary names its phases: "(reading 1.0 s, writing 9.0 s, merging 0.8 s)".
    phases = re.findall(r'(reading|writing|merging) ([0-9.]+) s', r.stdout)
    if phases:
        run['phases_s'] = {name: float(v) for name, v in phases}
    return run


def size_mb(path):
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    return round(total / 1024 / 1024, 1)


def median_run(runs):
    """The run of median wall time (its CPU and RSS with it)."""
    return sorted(runs, key=lambda r: r['wall_s'])[len(runs) // 2]


def index():
    """Both builds a.index_rounds times, alternating, so that the machine's
    drift (on these machines a build's CPU time varies by a fifth from one
    minute to the next) falls on both alike; the median of each and the
    ratio of the medians, with every round's ratio beside it."""
    hs, om = os.path.join(work, 'helpsearch'), os.path.join(work, 'omindex')
    env = dict(os.environ, XAPIAN_CJK_NGRAM='1')
    ours, theirs = [], []
    for _ in range(max(1, a.index_rounds)):
        shutil.rmtree(hs, ignore_errors=True)
        shutil.rmtree(om, ignore_errors=True)
        ours.append(timed([os.path.join(bin_dir, 'helpsearch-index'), '--db', hs, '--rebuild', a.corpus]))
        theirs.append(timed(['omindex', '--db', om, '--url', '/', '--mime-type=md:text/plain', a.corpus], env))
    r = {'helpsearch': median_run(ours), 'omindex': median_run(theirs)}
    r['helpsearch']['size_mb'] = size_mb(hs)
    r['omindex']['size_mb'] = size_mb(om)
    r['noop_rerun'] = timed([os.path.join(bin_dir, 'helpsearch-index'), '--db', hs, a.corpus])
    r['rate_vs_omindex'] = round(r['omindex']['wall_s'] / r['helpsearch']['wall_s'], 2)
    r['rounds'] = [{'helpsearch_wall_s': h['wall_s'], 'omindex_wall_s': o['wall_s'],
                    'rate_vs_omindex': round(o['wall_s'] / h['wall_s'], 2)} for h, o in zip(ours, theirs)]
    return r


def raw_matcher():
    out = subprocess.run([os.path.join(bin_dir, 'helpsearch-raw-matcher'), os.path.join(work, 'omindex'),
                          os.path.join(work, 'queries.txt'), str(a.seconds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def engine():
    """searchd's engine in-process on one thread (bench/engine_bench.cpp): the HTTP layer's share shows beside it."""
    out = subprocess.run([os.path.join(bin_dir, 'helpsearch-engine-bench'), os.path.join(work, 'helpsearch'),
                          os.path.join(work, 'queries.tsv'), str(a.seconds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Searchd:
    def __init__(self, env=None):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.p = subprocess.Popen([os.path.join(bin_dir, 'helpsearchd'), '--db', os.path.join(work, 'helpsearch'),
                                   '--listen', '127.0.0.1:%d' % self.port, '--quiet'], env=env,
                                  stderr=open(os.path.join(work, 'searchd.log'), 'w'))
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + '/healthz', timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit('bench: helpsearchd did not start; see %s/searchd.log' % work)

    def rss_mb(self):
        status = open('/proc/%d/status' % self.p.pid).read()
        return int(re.search(r'VmRSS:\s+(\d+)', status).group(1)) // 1024

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=30)


def ms(value):
    n, unit = re.match(r'([\d.]+)(us|ms|s)', value).groups()
    return round(float(n) * {'us': 0.001, 'ms': 1, 's': 1000}[unit], 2)


def wrk(url, paths, conns, seconds):
    out = subprocess.run(['wrk', '-t', str(min(2, conns)), '-c', str(conns), '-d', '%ds' % seconds, '--latency',
                          '-s', os.path.join(here, 'bench_walk.lua'), url, '--', os.path.join(work, paths)],
                         capture_output=True, text=True, check=True).stdout
    lat = dict(re.findall(r'^\s+(50|99)%\s+(\S+)$', out, re.M))
    socket_errors = sum(int(n) for n in re.findall(r'(?:connect|read|write|timeout) (\d+)', out))
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    return {'qps': float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1)), 'p50_ms': ms(lat['50']),
            'p99_ms': ms(lat['99']), 'errors': socket_errors + (int(non2xx.group(1)) if non2xx else 0)}


def serve():
    d = Searchd()
    try:
        wrk(d.url, 'search.txt', 8, 3)  # warm the page cache and the daemon
        raw = results['raw_matcher']['qps']
        for conns in (1, 8, 32, 64):
            r = wrk(d.url, 'search.txt', conns, a.seconds)
            r['vs_raw_matcher'] = round(r['qps'] / raw, 2)
            results['search'][str(conns)] = r
            print('  search, %2d connections: %s' % (conns, r), flush=True)
        results['suggest']['8'] = wrk(d.url, 'suggest.txt', 8, a.seconds)
        results['searchd_rss_mb'] = d.rss_mb()
    finally:
        d.stop()


def profile():
    lib = next((p for p in ('/usr/lib/x86_64-linux-gnu/libprofiler.so.0', '/usr/lib/libprofiler.so.0')
                if os.path.exists(p)), None)
    if not lib:
        print('bench: PROFILE=1 needs libgoogle-perftools4')
        return
    prof = os.path.join(work, 'searchd.prof')
    d = Searchd(dict(os.environ, LD_PRELOAD=lib, CPUPROFILE=prof, CPUPROFILE_FREQUENCY='1000'))
    try:
        wrk(d.url, 'search.txt', 8, a.seconds)
    finally:
        d.stop()
    out = subprocess.run(['google-pprof', '--text', '--nodecount=30', os.path.join(bin_dir, 'helpsearchd'), prof],
                         capture_output=True, text=True).stdout
    print('\nsearchd CPU profile (8 connections, %gs; flat, cumulative):\n%s' % (a.seconds, out))
    out = subprocess.run(['google-pprof', '--text', '--cum', '--nodecount=30', os.path.join(bin_dir, 'helpsearchd'),
                          prof], capture_output=True, text=True).stdout
    print(out)


def table():
    m, ix, raw = results['machine'], results['index'], results['raw_matcher']
    print('\nhelpsearch bench on %s (%d cores, %d GB); corpus %s, %d queries, %d title prefixes' % (
        m['cpu'], m['cores'], m['memory_gb'], a.corpus, results['queries'], results['prefixes']))
    print('\n| measure | helpsearch | reference | ratio |\n|---|---|---|---|')
    h, o = ix['helpsearch'], ix['omindex']
    rates = sorted(x['rate_vs_omindex'] for x in ix['rounds'])
    print('| full index build, wall (median of %d alternating) | %.1f s (CPU %.1f s) | omindex %.1f s (CPU %.1f s) '
          '| %.2f× omindex rate (rounds %s) |' % (
              len(rates), h['wall_s'], h['cpu_s'], o['wall_s'], o['cpu_s'], ix['rate_vs_omindex'],
              ', '.join('%.2f×' % x for x in rates)))
    if 'phases_s' in h:
        print('| … of which (that run) | %s | | |' % ', '.join('%s %.1f s' % kv for kv in h['phases_s'].items()))
    print('| index build peak RSS | %d MB | omindex %d MB | |' % (h['peak_rss_mb'], o['peak_rss_mb']))
    print('| index size | %.1f MB | omindex %.1f MB | %.2f |' % (h['size_mb'], o['size_mb'], h['size_mb'] / o['size_mb']))
    print('| no-op re-run | %.2f s | | |' % ix['noop_rerun']['wall_s'])
    if a.index_only:
        return
    for conns, r in results['search'].items():
        print('| /v1/search, %s conn | %.0f q/s, p50 %.2f ms, p99 %.2f ms, %d errors | raw matcher %.0f q/s | %.2f× |' % (
            conns, r['qps'], r['p50_ms'], r['p99_ms'], r['errors'], raw['qps'], r['vs_raw_matcher']))
    e = results['engine']
    print('| engine in-process, 1 thread (no HTTP) | %.0f q/s | raw matcher %.0f q/s | %.2f× |' % (
        e['qps'], raw['qps'], e['qps'] / raw['qps']))
    s = results['suggest']['8']
    print('| /v1/suggest, 8 conn | %.0f q/s, p50 %.2f ms, p99 %.2f ms, %d errors | | |' % (
        s['qps'], s['p50_ms'], s['p99_ms'], s['errors']))
    print('| searchd RSS after the run | %d MB | | |' % results['searchd_rss_mb'])


results['machine'] = machine()
results['queries'], results['prefixes'] = mix()
print('bench: index builds of %s (helpsearch-index, then omindex)' % a.corpus, flush=True)
if a.reuse and os.path.exists(os.path.join(work, 'bench.json')):
    results['index'] = json.load(open(os.path.join(work, 'bench.json')))['index']
else:
    results['index'] = index()
if not a.index_only:
    print('bench: raw matcher, %gs' % a.seconds, flush=True)
    results['raw_matcher'] = raw_matcher()
    print('bench: helpsearch engine in-process, %gs' % a.seconds, flush=True)
    results['engine'] = engine()
    print('bench: helpsearchd under wrk', flush=True)
    serve()
table()
for out in [a.json, os.path.join(work, 'bench.json')]:
    if out:
        with open(out, 'w') as f:
            json.dump(results, f, indent=1)
if a.profile and not a.index_only:
    profile()
if not a.work:
    shutil.rmtree(work, ignore_errors=True)
