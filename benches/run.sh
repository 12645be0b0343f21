#!/usr/bin/env bash
# Runs every idflow benchmark (issue 6) and prints the markdown tables:
#   P1 throughput and the scale check (benches/p1_throughput.rs, bare client in
#      benches/bare_client.rs and benches/support/bare_flow.rs),
#   P2 report generation: see benches/report_scale.rs (the reports issue),
#   P3 build times (this script),
#   P4 start-up (benches/p4_startup.rs),
#   P5 a long Scenario Outline (benches/outline_scale.rs).
#
#   benches/run.sh                  # everything (about 10 minutes on 2 cores)
#   P1_NS=100,1000 P1_REPS=1 P1_SCALE=0 benches/run.sh   # quicker P1
#   P3_CLEAN=1 benches/run.sh       # also a clean `cargo build --tests` in a fresh target dir
#   ONLY=p3 benches/run.sh          # one part: p1, p3, p4 or p5
#
# Everything runs on 127.0.0.1. The tables also land in $CARGO_TARGET_DIR/idflow-bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
out=$target/idflow-bench
mkdir -p "$out"
only=${ONLY:-all}

if [[ $only == all || $only == p1 ]]; then
  echo "## P1 throughput (authorization-code scenario, standalone simulator)"
  cargo bench --bench p1_throughput 2>"$out/p1.log"
  echo
fi

if [[ $only == all || $only == p4 ]]; then
  echo "## P4 start-up"
  cargo bench --bench p4_startup 2>"$out/p4.log"
  echo
fi

if [[ $only == all || $only == p5 ]]; then
  echo "## P5 a long Scenario Outline"
  cargo bench --bench outline_scale 2>"$out/p5.log"
  echo
fi

if [[ $only == all || $only == p3 ]]; then
  step=steps/oidc.rs
  backup=$(mktemp)
  cp -p "$step" "$backup"
  restore() { cp -p "$backup" "$step"; rm -f "$backup"; }
  trap restore EXIT
  secs() { local s e; s=$(date +%s.%N); "$@" >>"$out/p3.log" 2>&1; e=$(date +%s.%N); printf "%.1f" "$(echo "$e - $s" | bc)"; }
  echo "## P3 build"
  echo "| P3 measurement | seconds |"
  echo "|---|---|"
  cargo build --tests >>"$out/p3.log" 2>&1 # warm: everything up to date
  echo "| \`cargo build --tests\`, nothing changed (no-op) | $(secs cargo build --tests) |"
  for i in 1 2 3; do
    touch "$step"
    echo "| \`touch $step && cargo build --tests\` (run $i) | $(secs cargo build --tests) |"
  done
  for i in 1 2; do
    printf '\n// P3 benchmark edit %s\n' "$i" >>"$step"
    echo "| edit $step (a comment line) \`&& cargo build --tests\` (run $i) | $(secs cargo build --tests) |"
    cp -p "$backup" "$step"
    touch "$step"
    echo "| revert the edit \`&& cargo build --tests\` (run $i) | $(secs cargo build --tests) |"
  done
  printf '\nfn _p3_bench_edit() -> u32 { 1 }\n' >>"$step"
  echo "| edit $step (a new function) \`&& cargo build --tests\` | $(secs cargo build --tests) |"
  cp -p "$backup" "$step"
  touch "$step"
  cargo build --tests >>"$out/p3.log" 2>&1
  if [[ ${P3_CLEAN:-0} == 1 ]]; then
    clean=$(mktemp -d /tmp/idflow-p3-clean.XXXXXX)
    echo "| clean \`cargo build --tests\` (fresh CARGO_TARGET_DIR, $(nproc) cores) | $(secs env CARGO_TARGET_DIR="$clean" cargo build --tests) |"
    rm -rf "$clean"
  else
    echo "| clean \`cargo build --tests\` | not run (P3_CLEAN=1 runs it, ~5 min) |"
  fi
  echo
fi

echo "## P2 report generation"
echo "See benches/report_scale.rs (the reports issue)."
