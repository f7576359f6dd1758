#!/usr/bin/python3
"""Relevance of helpsearch and the reference anchors on the reference query kinds
and on the project's development queries (scripts/devset.py), side by side.

usage: /usr/bin/python3 scripts/eval.py [CORPUS_ROOT] --http URL [--engines xapian,sqlite,lucene]
           [--locales a,b] [--n 100] [--dev-n 60] [--kinds reworded,...] [--no-reference]
           [--per-locale] [--json FILE] [--misses FILE]

The corpus is loaded once; the reference queries are those of
$SHARED/eval/run.py (queries.make, --n per kind and locale), the development
queries those of devset.make (--dev-n). Each anchor engine indexes the corpus
once and answers both sets. Prints a markdown table of the reference kinds and
one of the new kinds: MRR@10 / P@10 (P@10 normalized by min(10, relevant)),
scored as run.py does. In the new table `code-pasted` is devset's `code` kind,
kept apart from the reference `code`.
"""
import argparse, collections, concurrent.futures, json, os, sys, time

import devset  # puts $SHARED/eval on sys.path
import corpus, engines, queries  # noqa: E402  (the reference evaluation's modules)

REFERENCE = ['title', 'fragment', 'short', 'id', 'code', 'crosslingual']
NEW = ['reworded', 'script', 'typo', 'question', 'code-pasted']
NEW_LABEL = {'code': 'code-pasted'}     # devset kind -> its column in the new table
ANCHORS = {'xapian': engines.XapianNgram, 'sqlite': engines.SqliteTrigram, 'lucene': engines.LuceneCjk}

# ---------------------------------------------------------------- queries

def reference_queries(docs, locales, n):
    """the reference set, exactly as run.py builds it"""
    qs = [q for loc in locales for q in queries.make(docs, loc, n=n)]
    for q in qs:
        q.update(set='reference', label=q['kind'])
    return qs

def new_queries(docs, root, locales, n, kinds):
    qs = devset.make(docs, root, locales, n=n, kinds=kinds)
    for q in qs:
        q.update(set='new', label=NEW_LABEL.get(q['kind'], q['kind']))
    return qs

# ---------------------------------------------------------------- engines

def make_engines(names, urls):
    """anchors by short name, then one Http engine per URL (named helpsearch)"""
    es = [ANCHORS[n]() for n in names]
    for u in urls:
        e = engines.Http(u)
        e.name = 'helpsearch' if len(urls) == 1 else 'helpsearch ' + u
        e.project = True
        es.append(e)
    return es

def answers(e, qs):
    """e's ranked keys for every query: one batch when the engine has one, one
    by one for the other anchors, four at a time for the daemon (it answers in
    parallel)."""
    if hasattr(e, 'batch'):
        return e.batch(qs)
    if not getattr(e, 'project', False):  # in-process anchors: this thread only (sqlite)
        return [e.search(q['locale'], q['q']) for q in qs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda q: e.search(q['locale'], q['q']), qs))

def run(e, docs, qs):
    t0 = time.time()
    e.index(docs)
    t1 = time.time()
    res = answers(e, qs)
    print('%-22s index %5.1fs, %d queries %5.1fs' % (e.name, t1 - t0, len(qs), time.time() - t1),
          file=sys.stderr)
    return res

# ---------------------------------------------------------------- figures

def score(ranked, rel):
    """(reciprocal rank of the first relevant key in the top 10, P@10 over min(10, |rel|))"""
    rel = set(rel)
    rr = next((1.0 / (i + 1) for i, k in enumerate(ranked[:10]) if k in rel), 0.0)
    return rr, len(set(ranked[:10]) & rel) / min(10, len(rel))

def figures(qs, res):
    """{label, label@locale, ALL (reference), ALL-new: [MRR@10, P@10, queries]}"""
    agg = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for q, r in zip(qs, res):
        rr, p = score(r, q['rel'])
        total = 'ALL' if q['set'] == 'reference' else 'ALL-new'
        for key in (q['label'], q['label'] + '@' + q['locale'], total):
            g = agg[key]
            g[0] += rr; g[1] += p; g[2] += 1
    return {k: [v[0] / v[2], v[1] / v[2], v[2]] for k, v in sorted(agg.items())}

def print_table(title, table, cols, rows=None):
    """one markdown table: a row per engine (or per rows' (label, engine, suffix)), a column per kind"""
    rows = rows or [(name, name, '') for name in table]
    print('\n%s\n' % title)
    print('| engine | ' + ' | '.join('%s MRR / P' % c for c in cols) + ' |')
    print('|---' * (len(cols) + 1) + '|')
    for label, name, suffix in rows:
        t = table[name]
        cells = ['%.3f / %.3f' % tuple(t[c + suffix][:2]) if c + suffix in t else '-' for c in cols]
        print('| %s | ' % label + ' | '.join(cells) + ' |')

def print_per_locale(table, locales):
    rows = [('%s @%s' % (name, loc), name, '@' + loc) for loc in locales for name in table]
    print_table('New kinds per locale', table, NEW, rows)

# ---------------------------------------------------------------- misses

def misses(qs, res, docs):
    """the development queries whose first relevant article is not first,
    missed ones (no relevant article in the top 10) first"""
    title = {d['key']: d['title'] for d in docs}
    out = []
    for q, r in zip(qs, res):
        if q['set'] != 'new' or (r and r[0] in q['rel']):
            continue
        rank = next((i + 1 for i, k in enumerate(r[:10]) if k in q['rel']), None)
        out.append(dict(kind=q['label'], locale=q['locale'], q=q['q'], rank=rank,
                        rel=q['rel'], rel_title=title.get(q['rel'][0], ''),
                        top3=[[k, title.get(k, '')] for k in r[:3]]))
    out.sort(key=lambda m: (m['rank'] is not None, m['kind'], m['locale']))
    return out

# ---------------------------------------------------------------- main

def options():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('root', nargs='?', default=os.path.join(devset.SHARED, 'corpus', 'sxs'))
    ap.add_argument('--engines', default='xapian,sqlite,lucene', help="anchors: xapian,sqlite,lucene ('' for none)")
    ap.add_argument('--http', action='append', default=[], help='a running helpsearchd, e.g. http://127.0.0.1:8080')
    ap.add_argument('--locales', default='', help='comma-separated, default all')
    ap.add_argument('--n', type=int, default=100, help='reference queries per kind and locale')
    ap.add_argument('--dev-n', type=int, default=60, help='new queries per kind and locale')
    ap.add_argument('--kinds', default=','.join(devset.KINDS), help='new kinds to run (devset names)')
    ap.add_argument('--no-reference', action='store_true', help='skip the reference queries')
    ap.add_argument('--per-locale', action='store_true', help='print the new kinds per locale too')
    ap.add_argument('--json', help='write every figure (per kind and kind@locale) to this file')
    ap.add_argument('--misses', help="write helpsearch's failed development queries to this file")
    a = ap.parse_args()
    a.engines = [e for e in a.engines.split(',') if e]
    a.kinds = [k for k in a.kinds.split(',') if k]
    unknown = set(a.engines) - set(ANCHORS) | set(a.kinds) - set(devset.KINDS)
    if unknown:
        ap.error('unknown engine or kind: ' + ','.join(sorted(unknown)))
    return a

def main():
    a = options()
    t0 = time.time()
    docs = corpus.load(a.root)
    locales = a.locales.split(',') if a.locales else sorted({d['locale'] for d in docs})
    ref = [] if a.no_reference else reference_queries(docs, locales, a.n)
    new = new_queries(docs, a.root, locales, a.dev_n, a.kinds)
    qs = ref + new
    print('%d articles, %d reference + %d new queries over %s (%.1fs)'
          % (len(docs), len(ref), len(new), ','.join(locales), time.time() - t0), file=sys.stderr)
    devset.print_counts(new)
    table, project = {}, None
    for e in make_engines(a.engines, a.http):
        res = run(e, docs, qs)
        table[e.name] = figures(qs, res)
        if getattr(e, 'project', False) and project is None:
            project = e.name
            if a.misses:
                with open(a.misses, 'w', encoding='utf-8') as f:
                    json.dump(misses(qs, res, docs), f, ensure_ascii=False, indent=1)
    if ref:
        print_table('Reference kinds (MRR@10 / P@10)', table, REFERENCE + ['ALL'])
    print_table('New kinds, queries as people type them (MRR@10 / P@10)', table, NEW + ['ALL-new'])
    if a.per_locale:
        print_per_locale(table, locales)
    print('\n%.0f s in all' % (time.time() - t0), file=sys.stderr)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(dict(project=project, queries=dict(reference=len(ref), new=len(new)),
                           engines=table), f, indent=1)

if __name__ == '__main__':
    main()
