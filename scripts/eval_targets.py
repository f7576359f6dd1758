#!/usr/bin/env python3
"""Checks the evaluation's JSON against the relevance targets: MRR@10 per kind,
P@10 for `short`, and above every anchor on every kind. Exit 1 on a miss."""
import json, sys

TARGETS = {'title': 0.98, 'fragment': 0.95, 'short': 0.95, 'id': 1.00, 'code': 0.99,
           'crosslingual': 0.80, 'ALL': 0.95}
SHORT_P10 = 0.90

table = json.load(open(sys.argv[1]))
ours = next(v for k, v in table.items() if k.startswith('project '))
anchors = {k: v for k, v in table.items() if not k.startswith('project ')}
misses = []
for kind, target in TARGETS.items():
    mrr = ours[kind][0]
    if mrr + 1e-9 < target:
        misses.append('%s MRR %.3f < target %.2f' % (kind, mrr, target))
    for name, a in anchors.items():
        if kind in a and a[kind][0] > mrr + 1e-9:
            misses.append('%s MRR %.3f below anchor %s (%.3f)' % (kind, mrr, name, a[kind][0]))
if ours['short'][1] + 1e-9 < SHORT_P10:
    misses.append('short P@10 %.3f < %.2f' % (ours['short'][1], SHORT_P10))
for m in misses:
    print('MISSED:', m)
print('targets: %s' % ('all met' if not misses else '%d missed' % len(misses)))
sys.exit(1 if misses else 0)
