#!/usr/bin/env bash
# Compares the worker CPU time of netmeter builds on one trace, for A/B measurements of a change.
#
#   bash bench/compare_builds.sh [--rounds N] [--l7 all|off|LIST] [--tcp on|off] TRACE NETMETER_A [NETMETER_B ...]
#
# Runs `netmeter analyze TRACE --threads 1 --l7 LEVEL --tcp TCP --json /dev/null` with every binary once per
# round, in turn (interleaved, so that the VM's slow and fast phases hit all of them alike), reads the
# worker thread's CPU seconds from the `busy` line, and prints per binary the minimum and the median,
# and the median (and range) of its ratio to the first binary within each round. On the project's VM
# single runs vary by 10-50 %: trust a median ratio over enough rounds, not one run. Copy the binaries
# out of the build tree first (e.g. to /tmp) when comparing commits.
set -euo pipefail

rounds=8
level=all
tcp=on
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --l7) level=$2; shift 2 ;;
    --tcp) tcp=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "usage: $0 [--rounds N] [--l7 all|off|LIST] [--tcp on|off] TRACE NETMETER_A [NETMETER_B ...]" >&2
  exit 2
fi
trace=$1
shift
for binary in "$@"; do
  [ -x "$binary" ] || { echo "$0: $binary is not an executable" >&2; exit 2; }
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
  for binary in "$@"; do
    seconds=$("$binary" analyze "$trace" --threads 1 --l7 "$level" --tcp "$tcp" --json /dev/null 2>&1 |
              awk '$1 == "busy" { print $3 }')
    if [ -z "$seconds" ]; then
      echo "$0: no busy line from $binary" >&2
      exit 1
    fi
    echo "$round $binary $seconds" >> "$results"
    if [ -t 2 ]; then printf '\rround %d/%d' "$round" "$rounds" >&2; fi
  done
done
if [ -t 2 ]; then echo >&2; fi

python3 - "$results" "$@" <<'PY'
import statistics
import sys

rows = [line.split() for line in open(sys.argv[1])]
binaries = sys.argv[2:]
seconds = {b: {} for b in binaries}
for round_, binary, value in rows:
    seconds[binary][round_] = float(value)
base = seconds[binaries[0]]
print(f"{'binary':40s} {'min s':>8s} {'median s':>9s} {'ratio median':>13s} {'ratio range':>15s}")
for b in binaries:
    values = list(seconds[b].values())
    ratios = [seconds[b][r] / base[r] for r in seconds[b]]
    print(f"{b:40s} {min(values):8.3f} {statistics.median(values):9.3f} "
          f"{statistics.median(ratios):13.3f} {min(ratios):7.3f}..{max(ratios):.3f}")
PY
