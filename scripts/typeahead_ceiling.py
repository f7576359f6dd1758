#!/usr/bin/python3
"""What text alone allows on ../shared/eval/typeahead.py's title prefixes.

usage: /usr/bin/python3 scripts/typeahead_ceiling.py [CORPUS_ROOT]

For the same articles and prefixes as typeahead.py (n = 60 per locale, seed
7), counts the distinct titles of the locale that each prefix begins, and the
MRR@8 of a ranking that places the article at random among them: the figure
any engine reaches on these prefixes with nothing but the text to tell those
titles apart.
"""
import collections, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get('SHARED') or os.path.join(HERE, '..', '..', 'shared')
sys.path.insert(0, os.path.join(SHARED, 'eval'))
import corpus, typeahead  # noqa: E402  (the reference evaluation's modules)

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SHARED, 'corpus', 'sxs')
    docs = corpus.load(root)
    by = collections.defaultdict(list)
    for d in docs:
        if d['title'] and len(d['title']) >= 4:
            by[d['locale']].append(d)
    for f in (0.3, 0.5, 0.7):
        total, n, shared = 0.0, 0, 0
        for loc in sorted(by):
            titles = {corpus.norm(d['title']) for d in docs if d['locale'] == loc and d['title']}
            count = collections.Counter(corpus.norm(d['title']) for d in by[loc])
            pool = sorted([d for d in by[loc] if count[corpus.norm(d['title'])] == 1], key=lambda d: d['key'])
            random.Random(7).shuffle(pool)
            for d in pool[:60]:
                q = corpus.norm(typeahead.prefix(d['title'], loc, f))
                k = max(1, sum(1 for t in titles if t.startswith(q)))
                total += sum(1.0 / i for i in range(1, min(k, 8) + 1)) / k
                n += 1
                shared += k > 1
        print('prefix %d%%: %d of %d begin two or more titles; at random among them MRR@8 %.3f'
              % (f * 100, shared, n, total / n))

if __name__ == '__main__':
    main()
