"""Summarises an Autobahn client report (index.json) by case group and fails unless every
case is OK, NON-STRICT or INFORMATIONAL (both its behaviour and its close behaviour).

usage: autobahn_report.py index.json [EXCLUDED_GLOB...]
"""

import collections
import json
import sys

PASSING = {"OK", "NON-STRICT", "INFORMATIONAL"}
GROUPS = {
    "1": "Framing (text)", "2": "Pings/Pongs", "3": "Reserved bits", "4": "Opcodes",
    "5": "Fragmentation", "6": "UTF-8 handling", "7": "Close handling",
    "9": "Limits/performance (text)", "10": "Miscellaneous",
}


def key(case):
    return [int(part) for part in case.split(".")]


def main():
    index = json.load(open(sys.argv[1]))
    excluded = sys.argv[2:]
    (agent, cases), = index.items()
    table = collections.defaultdict(collections.Counter)
    failures = []
    for case in sorted(cases, key=key):
        result = cases[case]
        behaviour, close = result["behavior"], result.get("behaviorClose", "OK")
        group = case.split(".")[0]
        table[group][behaviour] += 1
        if behaviour not in PASSING or close not in PASSING:
            failures.append(f"{case}: {behaviour} (close: {close})")
    print(f"Autobahn client cases for agent {agent!r}:")
    print("| group | cases | OK | NON-STRICT | INFORMATIONAL | failed |")
    print("|---|---|---|---|---|---|")
    totals = collections.Counter()
    for group in sorted(table, key=int):
        counts = table[group]
        n = sum(counts.values())
        failed = n - sum(counts[b] for b in PASSING)
        totals.update(counts)
        print(f"| {group}. {GROUPS.get(group, '')} | {n} | {counts['OK']} | {counts['NON-STRICT']} | {counts['INFORMATIONAL']} | {failed} |")
    n = sum(totals.values())
    print(f"| all | {n} | {totals['OK']} | {totals['NON-STRICT']} | {totals['INFORMATIONAL']} | {len(failures)} |")
    print("excluded: " + " ".join(excluded))
    if failures:
        print("FAILED cases:\n  " + "\n  ".join(failures))
        sys.exit(1)
    if n == 0:
        sys.exit("the report holds no cases")
    print(f"autobahn: {n} passed, 0 failed")


main()
