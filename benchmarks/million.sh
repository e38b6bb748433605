#!/usr/bin/env bash
# One million tasks on asyncio and uvloop: do fanout and spawn complete, how much memory
# does the worker need, and what share of the time is the harness's own? Writes
# benchmarks/results/million-*.{jsonl,txt}. Run from the repository root with concbench
# installed (e.g. in .nox/compare or a venv with `pip install -e .[all]`).
set -euo pipefail
out=benchmarks/results
mkdir -p "$out"
rm -f "$out"/million-*.jsonl "$out"/million-*.traces.jsonl "$out"/million-*.env.jsonl
for scenario in fanout spawn; do
  concbench run "$scenario" -p tasks=1000000 -b asyncio -b uvloop --repeat 3 --warmup 1 \
    --timeout 600 --out "$out/million-$scenario.jsonl" | tee "$out/million-$scenario.txt"
done
python benchmarks/harness_cost.py --tasks 1000000 --seconds 0.1 --rounds 3 \
  --backend asyncio --backend uvloop --json "$out/million-hand.json" | tee "$out/million-hand.txt"
python benchmarks/harness_cost.py --scenario spawn --tasks 1000000 --rounds 3 \
  --backend asyncio --backend uvloop --json "$out/million-hand-spawn.json" \
  | tee "$out/million-hand-spawn.txt"
