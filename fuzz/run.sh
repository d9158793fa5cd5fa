#!/usr/bin/env bash
# Runs the libFuzzer targets. --smoke: each target for a few seconds from its seed corpus (CI);
# otherwise: each target for FUZZ_SECONDS (default 300).
set -euo pipefail
mode=long
if [ "${1:-}" = "--smoke" ]; then mode=smoke; shift; fi
build=${1:-build-asan}
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-300}
[ "$mode" = smoke ] && seconds=${FUZZ_SMOKE_SECONDS:-10}
shopt -s nullglob
ran=0
for target in "$build"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  seeds="$here/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
  # fuzz/corpus/<target>.seeds lists extra seed files or folders, relative to ../shared (one per line).
  extra=()
  if [ -f "$seeds.seeds" ]; then
    while read -r rel; do
      [ -n "$rel" ] && [ -e "$here/../../shared/$rel" ] && extra+=("$here/../../shared/$rel")
    done <"$seeds.seeds"
  fi
  echo "fuzz: $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$work" \
    "${extra[@]}" >"$work.log" 2>&1 || { tail -50 "$work.log"; echo "fuzz: $name FAILED"; exit 1; }
  rm -rf "$work" "$work.log"
  ran=$((ran + 1))
done
echo "fuzz: $ran targets ran clean"
