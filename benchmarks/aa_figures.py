"""The figures of an A/A pair of stores (the same sweep twice, the same code).

Every verdict of `concbench diff` between them is a false positive. Prints, per row, the
change with its interval, the p-value, the verdict, whether the first sweep's 95% interval
of the median and its 95% rerun interval contain the second sweep's median, the
processes' spread and the smallest change diff could call on the row; then, for several
noise thresholds, the number of verdicts. docs/reproducibility.md explains the figures.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from concbench.framework.analysis.drift import between_stores
from concbench.framework.analysis.stats import DEFAULT_NOISE
from concbench.framework.reports.diff import Verdict, diff_records
from concbench.framework.store.resultstore import read_records
from concbench.framework.store.sweeps import read_sweeps

NOISES = (0.0, 0.05, 0.10, 0.15, 0.20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    first, second = read_records(args.first), read_records(args.second)
    inside = rerun_inside = 0
    changes = []
    for row in diff_records(first, second, 0.05, DEFAULT_NOISE):
        if not (row.base and row.new and row.base.wall and row.new.wall and row.comparison):
            continue
        wall, comparison = row.base.wall, row.comparison
        changes.append(abs(comparison.change))
        contains = wall.ci_low <= row.new.wall.median <= wall.ci_high
        inside += contains
        in_rerun = wall.rerun_low <= row.new.wall.median <= wall.rerun_high
        rerun_inside += in_rerun
        print(
            f"{row.workload:34} {row.label:8} change {comparison.change:+7.1%} "
            f"[{comparison.ci_low:+7.1%}, {comparison.ci_high:+7.1%}] p={comparison.p_value:.3f} "
            f"{row.verdict.value:22} in CI={'yes' if contains else 'no '} "
            f"in rerun={'yes' if in_rerun else 'no '} "
            f"spread {wall.process_spread:5.1%} / {row.new.wall.process_spread:5.1%} "
            f"detectable {max(wall.detectable, row.new.wall.detectable):6.1%}"
        )
    print(
        f"\n{len(changes)} rows; the second sweep's median lies in the first sweep's 95% rerun "
        f"interval in {rerun_inside} (in its 95% interval of the median: {inside}); "
        f"|change| median {statistics.median(changes):.1%}, max {max(changes):.1%}"
    )
    canary = between_stores(read_sweeps(args.first), read_sweeps(args.second))
    if canary:
        print(canary)
    called = (Verdict.SLOWER, Verdict.FASTER)
    for noise in NOISES:
        verdicts = [r for r in diff_records(first, second, 0.05, noise) if r.verdict in called]
        names = ", ".join(f"{r.label} on {r.workload}" for r in verdicts)
        print(f"noise {noise:4.0%}: {len(verdicts)} verdict(s){': ' + names if names else ''}")


if __name__ == "__main__":
    main()
