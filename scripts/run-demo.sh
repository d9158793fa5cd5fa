#!/usr/bin/env bash
# `make run`: serves the embedded default — a demo capture made by netmeter's own deterministic
# generator — over the REST API (and the web UI once built), prints the URL and how to log in, and
# runs until Ctrl-C.
set -euo pipefail
build=${1:-build}
netmeter="$build/src/app/netmeter"
demo_dir="$build/demo"
state_dir="$demo_dir/state"
listen=${NETMETER_LISTEN:-127.0.0.1:8080}
mkdir -p "$demo_dir"
demo="$demo_dir/demo.pcap"
if [ ! -s "$demo" ]; then
  echo "creating the demo capture $demo"
  "$netmeter" generate --out "$demo" --packets 300000 --hosts 2000 --connections 20000 --rate 5000 --seed 1
fi
echo "Starting netmeter on the demo capture (Ctrl-C stops it). State (users, password file): $state_dir"
if [ -s "$state_dir/admin-password" ]; then
  echo "Log in as admin with the password in $state_dir/admin-password"
fi
echo "Try: curl -u admin:PASSWORD 'http://$listen/API/stats/modules/ip/ips_paged?sort=bytes&reverse=true'"
exec "$netmeter" serve --pcap "$demo" --threads 2 --listen "$listen" --state "$state_dir"
