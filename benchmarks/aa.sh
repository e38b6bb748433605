#!/usr/bin/env bash
# A/A: the 20 rows (cpu, fanout, requests, spawn, timers on asyncio, uvloop, trio
# and threads) swept twice with the default settings, then the figures that size the
# diff's noise threshold and check the interval of the median (benchmarks/aa_figures.py).
# Writes benchmarks/results/aa-NAME-{1,2}.jsonl and aa-NAME.txt. Run from the repository
# root with concbench installed; extra arguments go to every `concbench run`. The second
# sweep reuses the first one's CPU calibration (--calibration), so that the cpu rows do
# the same work in both, as two sweeps to be diffed should.
set -euo pipefail
name=${1:?usage: benchmarks/aa.sh NAME [concbench run options]}
shift
out=benchmarks/results
mkdir -p "$out"
backends=(-b asyncio -b uvloop -b trio -b threads)
for sweep in 1 2; do
  store="$out/aa-$name-$sweep.jsonl"
  rm -f "$store" "${store%.jsonl}".{env,traces,sweep}.jsonl
  same_work=()
  [[ $sweep == 2 ]] && same_work=(--calibration "$out/aa-$name-1.jsonl")
  concbench run cpu -p tasks=2 -p seconds=0.25 "${backends[@]}" --out "$store" "${same_work[@]}" "$@" >/dev/null
  concbench run fanout -p tasks=1000 "${backends[@]}" --out "$store" "$@" >/dev/null
  concbench run requests -p tasks=200 "${backends[@]}" --out "$store" "$@" >/dev/null
  concbench run spawn -p tasks=10000 "${backends[@]}" --out "$store" "$@" >/dev/null
  concbench run timers -p sleeps=200 "${backends[@]}" --out "$store" "$@" >/dev/null
  rm -f "${store%.jsonl}".traces.jsonl  # large, and not needed for the figures
done
python benchmarks/aa_figures.py "$out/aa-$name-1.jsonl" "$out/aa-$name-2.jsonl" \
  | tee "$out/aa-$name.txt"
