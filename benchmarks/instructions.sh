#!/usr/bin/env bash
# Are instruction counts repeatable on a busy machine? Counts `spawn -p tasks=10000` on
# asyncio, uvloop and trio under callgrind twice, while a CPU hog runs beside both sweeps,
# then compares the two. Writes benchmarks/results/instructions-{1,2}.{jsonl,txt} and
# instructions-agreement.txt. Run from the repository root with concbench installed and
# valgrind on PATH.
set -euo pipefail
out=benchmarks/results
mkdir -p "$out"
rm -f "$out"/instructions-*.jsonl "$out"/instructions-*.env.jsonl "$out"/instructions-*.traces.jsonl
# the interpreter itself, not a wrapper (a pyenv shim) whose pid would outlive a kill
python=$(python3 -c 'import sys; print(sys.executable)')
"$python" -c "while True: pass" &
hog=$!
trap 'kill "$hog"' EXIT
for sweep in 1 2; do
  concbench run spawn -p tasks=10000 -b asyncio -b uvloop -b trio --measure instructions \
    --repeat 3 --warmup 1 --out "$out/instructions-$sweep.jsonl" | tee "$out/instructions-$sweep.txt"
done
rm -f "$out"/instructions-*.traces.jsonl  # full traces: megabytes, and nothing to do with counts
python3 - "$out/instructions-1.jsonl" "$out/instructions-2.jsonl" <<'EOF' | tee "$out/instructions-agreement.txt"
import json, statistics, sys

def medians(path):
    counts = {}
    for line in open(path):
        record = json.loads(line)
        if record["status"] == "ok":
            counts.setdefault(record["backend"], []).append(record["instructions"])
    return {backend: (statistics.median(c), min(c), max(c)) for backend, c in counts.items()}

first, second = medians(sys.argv[1]), medians(sys.argv[2])
print("backend  sweep 1 (median, per task)  sweep 2 (median, per task)  change  range within sweeps")
for backend, (one, low1, high1) in first.items():
    two, low2, high2 = second[backend]
    within = max((high1 - low1) / low1, (high2 - low2) / low2)
    print(f"{backend:8} {one:>14,.0f} {one / 10000:>9,.0f}   {two:>14,.0f} {two / 10000:>9,.0f}"
          f"   {100 * (two - one) / one:+.3f}%   {100 * within:.3f}%")
EOF
