#!/usr/bin/env python3
"""Checks the JSON written by scripts/eval.py against the relevance targets.

usage: scripts/eval_targets.py EVAL_JSON

Reference kinds: MRR@10 per kind, P@10 for `short`, and above every anchor on
every kind. New kinds (queries as people type them): helpsearch's MRR@10 above
the lucene anchor's on every kind, and ALL-new at least 0.85. Prints each
missed target; exit 1 when one is missed.
"""
import json, sys

TARGETS = {'title': 0.98, 'fragment': 0.95, 'short': 0.95, 'id': 1.00, 'code': 0.99,
           'crosslingual': 0.80, 'ALL': 0.95}
SHORT_P10 = 0.90
NEW_KINDS = ['reworded', 'script', 'typo', 'question', 'code-pasted']
ALL_NEW = 0.85
LUCENE = 'lucene-cjk-bigram'
EPS = 1e-9

def reference_misses(ours, anchors):
    out = []
    for kind, target in TARGETS.items():
        mrr = ours[kind][0]
        if mrr + EPS < target:
            out.append('%s MRR %.3f < target %.2f' % (kind, mrr, target))
        for name, a in anchors.items():
            if kind in a and a[kind][0] > mrr + EPS:
                out.append('%s MRR %.3f below anchor %s (%.3f)' % (kind, mrr, name, a[kind][0]))
    if ours['short'][1] + EPS < SHORT_P10:
        out.append('short P@10 %.3f < %.2f' % (ours['short'][1], SHORT_P10))
    return out

def new_misses(ours, lucene):
    out = []
    if lucene is None:
        print('note: no %s figures: the new kinds are not compared with it' % LUCENE)
    for kind in NEW_KINDS:
        if kind in ours and lucene and kind in lucene and not ours[kind][0] > lucene[kind][0] + EPS:
            out.append('%s MRR %.3f not above %s (%.3f)' % (kind, ours[kind][0], LUCENE, lucene[kind][0]))
    if 'ALL-new' in ours and ours['ALL-new'][0] + EPS < ALL_NEW:
        out.append('ALL-new MRR %.3f < target %.2f' % (ours['ALL-new'][0], ALL_NEW))
    return out

def main():
    report = json.load(open(sys.argv[1]))
    if not report.get('project'):
        sys.exit('eval_targets: %s has no helpsearch figures (run eval.py with --http)' % sys.argv[1])
    table = report['engines']
    ours = table[report['project']]
    anchors = {k: v for k, v in table.items() if k != report['project']}
    misses = reference_misses(ours, anchors) if 'ALL' in ours else []
    misses += new_misses(ours, table.get(LUCENE))
    for m in misses:
        print('MISSED:', m)
    print('targets: %s' % ('all met' if not misses else '%d missed' % len(misses)))
    sys.exit(1 if misses else 0)

if __name__ == '__main__':
    main()
