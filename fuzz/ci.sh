#!/usr/bin/env bash
# Bounded fuzzing for CI (called by .ci/run; see docs/security.md, "Fuzzing").
# Builds every target, replays every input under fuzz/regressions/<target>/,
# then fuzzes each target for FUZZ_SECONDS (default 15) from its seed corpus.
# Any crash (panic, failed assertion, timeout, out of memory) fails the run;
# the crashing input is kept under fuzz/artifacts/<target>/.
# The seed corpora are not modified: new inputs go to a temporary directory.
# The fuzzer's random seed is fixed (FUZZ_SEED, default 1) so that a CI run
# can be repeated input for input; explore with other seeds and longer runs
# outside CI (docs/security.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-15}
seed=${FUZZ_SEED:-1}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo-fuzz passes unstable flags: let the stable compiler accept them.
# Sesame has no unsafe code, so the targets are built without a sanitizer
# (about twice the executions per second); debug assertions and overflow
# checks stay on.
export RUSTC_BOOTSTRAP=1
build=(-s none --codegen-units 16)
cargo fuzz build "${build[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in $(cargo fuzz list); do
  opts=(-timeout=10 -rss_limit_mb=2048 -dict="$PWD/fuzz/dict/sesame.dict")
  if [ -d "fuzz/regressions/$t" ]; then
    if ! cargo fuzz run "${build[@]}" "$t" "fuzz/regressions/$t" -- -runs=0 "${opts[@]}" >"$work/$t.regressions.log" 2>&1; then
      tail -40 "$work/$t.regressions.log"
      failed+=("$t (regression input)")
    fi
  fi
  mkdir -p "$work/corpus/$t"
  if cargo fuzz run "${build[@]}" "$t" "$work/corpus/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -seed="$seed" "${opts[@]}" >"$work/$t.log" 2>&1; then
    echo "fuzz: $t: $(grep -o 'Done [0-9]* runs.*' "$work/$t.log" | tail -1)"
  else
    tail -40 "$work/$t.log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]} (inputs under fuzz/artifacts/)"
  exit 1
fi
