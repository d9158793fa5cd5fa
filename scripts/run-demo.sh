#!/usr/bin/env bash
# `make run`: analyzes the embedded default — a demo capture made by netmeter's own deterministic
# generator — and says where to look.
set -euo pipefail
build=${1:-build}
netmeter="$build/src/app/netmeter"
demo_dir="$build/demo"
mkdir -p "$demo_dir"
demo="$demo_dir/demo.pcap"
if [ ! -s "$demo" ]; then
  echo "creating the demo capture $demo"
  "$netmeter" generate --out "$demo" --packets 300000 --hosts 2000 --connections 20000 --rate 5000 --seed 1
fi
"$netmeter" analyze "$demo" --threads 2 --json "$demo_dir/demo.json"
echo
echo "Every statistic of the demo capture is in $demo_dir/demo.json"
echo "Analyze your own capture with: $netmeter analyze FILE... --json OUT"
