#!/usr/bin/env bash
# End-to-end benchmark (`make bench` runs `bash bench/run.sh BUILD_DIR`):
#   1. generates (once, cached) a synthetic trace with netmeter-generate,
#   2. times netmeter analyze (1 and 2 threads; 1 thread with --l7 off --tcp off, --l7 off and
#      --l7 dpi, for the cost of each analyzer level, and with nDPI plus each application analyzer
#      alone, for the cost of each analyzer), the workers' own scaling (BUILD_DIR/bench/worker_scaling),
#      tshark and ndpiReader on that same file,
#   3. prints packets per second, the ratios and a one-line summary for the README,
#   4. times the REST API under load (bench/api_bench.py),
#   5. runs every Google Benchmark micro benchmark in BUILD_DIR/bench/ with a short min-time.
#   2b. (between 2 and 3) times filtered extraction: netmeter capture vs tcpdump -r FILE -w OUT 'BPF'
#       (same file, same run), and netmeter capture with a regexp filter,
# Knobs: BENCH_PACKETS (default 10000000), BENCH_SNAPLEN (default 65535: whole packets),
#        BENCH_SKIP_PEERS=1 (no tshark / ndpiReader),
#        BENCH_SKIP_ANALYZE=1 (only the capture runs and micro benchmarks),
#        BENCH_MIN_TIME (micro benchmark min time in seconds, default 0.1),
#        BENCH_ANALYZER_ROUNDS (rounds of the per-analyzer runs, default 2; 0 skips them),
#        BENCH_SCALING_PACKETS (packets worker_scaling uses, default 4000000; half with everything on).
# Installs nothing: tshark and ndpiReader come from scripts/install-deps.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
PACKETS=${BENCH_PACKETS:-10000000}
SKIP_PEERS=${BENCH_SKIP_PEERS:-0}
MIN_TIME=${BENCH_MIN_TIME:-0.1}
SKIP_ANALYZE=${BENCH_SKIP_ANALYZE:-0}

GENERATOR=$BUILD/src/generate/netmeter-generate
NETMETER=$BUILD/src/app/netmeter
DATA=$BUILD/bench-data
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

case $PACKETS in
  '' | *[!0-9]*) echo "bench: BENCH_PACKETS must be a number, got '$PACKETS'" >&2; exit 2 ;;
esac
if [ "$PACKETS" -lt 1000 ]; then
  echo "bench: BENCH_PACKETS must be at least 1000" >&2
  exit 2
fi

if [ ! -x "$GENERATOR" ]; then
  echo "bench: $GENERATOR is missing; building it"
  cmake --build "$BUILD" --target netmeter-generate
fi

# ---- 1. the trace, regenerated only when the generator binary or the options change ------------

# Whole packets by default, as a probe on a mirror port captures them: L7 classification and the
# application analyzers see real payloads, and ndpiReader (which drops packets cut short by a snap
# length) does the same work as netmeter. BENCH_SNAPLEN=128 gives a 7x smaller file.
SNAPLEN=${BENCH_SNAPLEN:-65535}
CONNECTIONS=$((PACKETS / 33 > 1000 ? PACKETS / 33 : 1000))
HOSTS=$((PACKETS / 300 > 200 ? (PACKETS / 300 < 30000 ? PACKETS / 300 : 30000) : 200))
SERVERS=$((HOSTS / 6 > 50 ? HOSTS / 6 : 50))
GEN_ARGS=(--packets "$PACKETS" --hosts "$HOSTS" --servers "$SERVERS" --connections "$CONNECTIONS"
          --seed 1 --ipv6-share 0.2 --vlan-share 0.3 --udp-share 0.3 --rate 100000 --snaplen "$SNAPLEN")
TRACE=$DATA/trace-$PACKETS.pcap
STAMP=$TRACE.stamp
WANT_STAMP="$(sha256sum "$GENERATOR" | cut -d' ' -f1) ${GEN_ARGS[*]}"

mkdir -p "$DATA"
if [ ! -f "$TRACE" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT_STAMP" ]; then
  # Only one trace is kept: a 10M-packet one is over a gigabyte.
  rm -f "$DATA"/trace-*.pcap "$DATA"/trace-*.pcap.stamp
  echo "bench: generating $TRACE (${GEN_ARGS[*]})"
  start=$(date +%s%N)
  "$GENERATOR" --out "$TRACE" "${GEN_ARGS[@]}"
  end=$(date +%s%N)
  echo "$WANT_STAMP" > "$STAMP"
  echo "bench: generated in $(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }') s"
else
  echo "bench: using cached $TRACE"
fi
TRACE_BYTES=$(stat -c %s "$TRACE")

# ---- 2. timed runs ------------------------------------------------------------------------------

have_gnu_time=0
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then have_gnu_time=1; fi

declare -A WALL RSS STATUS ANALYZER_BUSY
ANALYZERS=(dpi dns http tls quic)
ANALYZER_ROUNDS=${BENCH_ANALYZER_ROUNDS:-2}
case $ANALYZER_ROUNDS in
  '' | *[!0-9]*) echo "bench: BENCH_ANALYZER_ROUNDS must be a number, got '$ANALYZER_ROUNDS'" >&2; exit 2 ;;
esac
RUN_FAILED=0
ORDER=()

# timed NAME COMMAND...: wall clock from date(1), max RSS from GNU time when available.
timed() {
  local name=$1
  shift
  ORDER+=("$name")
  local log=$WORK/$name.log rssfile=$WORK/$name.rss rc=0 start end
  echo "bench: running $name: $*"
  start=$(date +%s%N)
  if [ "$have_gnu_time" = 1 ]; then
    /usr/bin/time -f %M -o "$rssfile" "$@" > "$log" 2>&1 || rc=$?
  else
    "$@" > "$log" 2>&1 || rc=$?
  fi
  end=$(date +%s%N)
  WALL[$name]=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
  RSS[$name]=n/a
  if [ "$have_gnu_time" = 1 ] && [ -s "$rssfile" ]; then
    RSS[$name]=$(awk 'END { printf "%.0f MB", $1 / 1024 }' "$rssfile")
  fi
  if [ "$rc" = 0 ]; then
    STATUS[$name]=ok
  else
    STATUS[$name]="failed (exit $rc)"
    RUN_FAILED=1
    echo "bench: $name failed with exit code $rc; last lines of its output:"
    tail -n 5 "$log" | sed 's/^/    /'
  fi
}

if [ -x "$NETMETER" ] && [ "$SKIP_ANALYZE" = 1 ]; then
  echo "bench: BENCH_SKIP_ANALYZE=1, skipping netmeter analyze, tshark and ndpiReader"
  SKIP_PEERS=1
elif [ -x "$NETMETER" ]; then
  timed netmeter-1t "$NETMETER" analyze "$TRACE" --threads 1 --json /dev/null
  timed netmeter-2t "$NETMETER" analyze "$TRACE" --threads 2 --json /dev/null
  # The cost of each analyzer level, on one worker: the engine alone (no TCP health analysis, no L7),
  # with TCP health analysis, with nDPI classification too.
  timed netmeter-1t-engine "$NETMETER" analyze "$TRACE" --threads 1 --l7 off --tcp off --json /dev/null
  timed netmeter-1t-noL7 "$NETMETER" analyze "$TRACE" --threads 1 --l7 off --json /dev/null
  timed netmeter-1t-dpi "$NETMETER" analyze "$TRACE" --threads 1 --l7 dpi --json /dev/null
  # The engine's scaling (issue 3): two workers, the engine alone.
  timed netmeter-2t-engine "$NETMETER" analyze "$TRACE" --threads 2 --l7 off --tcp off --json /dev/null
  # The workers' own scaling (issue 3), the reader's work done before the clock starts: on this
  # machine's cores the reader of the runs above takes a share the second worker would need.
  SCALING=$BUILD/bench/worker_scaling
  if [ -x "$SCALING" ]; then
    for level in engine all; do
      args=(--l7 off --tcp off)
      [ "$level" = all ] && args=()
      packets=${BENCH_SCALING_PACKETS:-$((PACKETS < 4000000 ? PACKETS : 4000000))}
      [ "$level" = all ] && packets=$((packets / 2))
      echo "bench: running worker_scaling ($level, the first $packets packets, 1 and 2 workers, 5 rounds)"
      if ! "$SCALING" "$TRACE" --packets "$packets" --rounds 5 --threads 1,2 "${args[@]}" \
           > "$WORK/scaling-$level.log" 2>&1; then
        echo "bench: worker_scaling failed; last lines of its output:"
        tail -n 5 "$WORK/scaling-$level.log" | sed 's/^/    /'
        RUN_FAILED=1
      fi
    done
  else
    echo "bench: $SCALING not built; skipping the workers' scaling"
  fi
  # The cost of each application analyzer: nDPI plus that analyzer alone, against nDPI alone, in
  # interleaved rounds (the least worker CPU time of each wins: the VM's noise only ever adds).
  for ((round = 1; round <= ANALYZER_ROUNDS; ++round)); do
    for analyzer in "${ANALYZERS[@]}"; do
      l7=dpi
      [ "$analyzer" = dpi ] || l7=dpi,$analyzer
      log=$WORK/analyzer-$analyzer-$round.log
      echo "bench: running analyzer cost round $round: --l7 $l7"
      if "$NETMETER" analyze "$TRACE" --threads 1 --l7 "$l7" --json /dev/null > "$log" 2>&1; then
        seconds=$(awk '/^busy/ { print $3; exit }' "$log")
        best_so_far=${ANALYZER_BUSY[$analyzer]:-}
        if [ -z "$best_so_far" ] || awk -v a="$seconds" -v b="$best_so_far" 'BEGIN { exit !(a < b) }'; then
          ANALYZER_BUSY[$analyzer]=$seconds
        fi
      else
        echo "bench: netmeter analyze --l7 $l7 failed; last lines of its output:"
        tail -n 5 "$log" | sed 's/^/    /'
        RUN_FAILED=1
      fi
    done
  done
else
  echo "bench: $NETMETER not built yet; skipping netmeter"
fi

if [ "$SKIP_PEERS" = 1 ]; then
  echo "bench: BENCH_SKIP_PEERS=1, skipping tshark and ndpiReader"
else
  if command -v tshark > /dev/null; then
    timed tshark tshark -q -z conv,ip -r "$TRACE"
  else
    echo "bench: tshark not installed (scripts/install-deps.sh installs it); skipping"
  fi
  if command -v ndpiReader > /dev/null; then
    # -q: quiet, no per-flow dump; ndpiReader only reads files given with -i.
    timed ndpireader ndpiReader -i "$TRACE" -q
  else
    echo "bench: ndpiReader not installed (scripts/install-deps.sh installs libndpi-bin); skipping"
  fi
fi

# ---- 2b. filtered extraction: netmeter capture and tcpdump on the same file ----------------------

CAPTURE_NOTE=""
if [ -x "$NETMETER" ] && command -v tcpdump > /dev/null; then
  # A host that talks to port 443 in the trace (the first such IPv4 packet's source).
  line=$(tcpdump -nn -c 1 -r "$TRACE" 'ip and tcp dst port 443' 2>/dev/null || true)
  HOST=$(echo "$line" | sed -n 's/.* IP \([0-9.]*\)\.[0-9]* > .*/\1/p')
  if [ -n "$HOST" ]; then
    # netmeter looks through VLAN tags; BPF needs them spelled out (single and QinQ tags).
    BPF="(host $HOST and port 443) or (vlan and ((host $HOST and port 443) or (vlan and host $HOST and port 443)))"
    timed capture-netmeter "$NETMETER" capture "$TRACE" -e "ip == $HOST and port == 443" -w "$WORK/netmeter.pcap" --quiet
    # Nanosecond precision: the generated trace has it, and netmeter keeps it (same output bytes).
    timed capture-tcpdump tcpdump --time-stamp-precision=nano -r "$TRACE" -w "$WORK/tcpdump.pcap" "$BPF"
    timed capture-regexp "$NETMETER" capture "$TRACE" -e 'regexp == "(?i)x-netmeter-[0-9a-f]{8}|never-seen-token"' \
      -w "$WORK/regexp.pcap" --quiet
    if [ "${STATUS[capture-netmeter]}" = ok ] && [ "${STATUS[capture-tcpdump]}" = ok ]; then
      same=no
      cmp -s "$WORK/netmeter.pcap" "$WORK/tcpdump.pcap" && same=yes
      CAPTURE_NOTE="capture of host $HOST port 443: netmeter $(stat -c %s "$WORK/netmeter.pcap") bytes, tcpdump $(stat -c %s "$WORK/tcpdump.pcap") bytes, identical: $same"
    fi
    rm -f "$WORK"/*.pcap
  else
    echo "bench: no IPv4 packet to port 443 in the trace; skipping the capture comparison"
  fi
else
  echo "bench: netmeter or tcpdump missing; skipping the capture comparison"
fi

# ---- 3. report ----------------------------------------------------------------------------------

pps() { awk -v p="$PACKETS" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", p / s; else print 0 }'; }
human() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.2f M", v / 1e6; else printf "%.0f k", v / 1e3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo
echo "=== end-to-end: $PACKETS packets, $(awk -v b="$TRACE_BYTES" 'BEGIN { printf "%.0f MB", b / 1e6 }') trace (snaplen $SNAPLEN), $(nproc) cores${CPU:+, $CPU}"
printf '%-17s %10s %14s %12s  %s\n' tool wall_s packets/s max_rss status
declare -A PPS
for name in "${ORDER[@]}"; do
  PPS[$name]=0
  [ "${STATUS[$name]}" = ok ] && PPS[$name]=$(pps "${WALL[$name]}")
  printf '%-17s %10s %14s %12s  %s\n' "$name" "${WALL[$name]}" "${PPS[$name]}" "${RSS[$name]}" "${STATUS[$name]}"
done

# The faster netmeter run is the one compared in the summary.
best=""
for name in netmeter-1t netmeter-2t; do
  if [ -n "${PPS[$name]:-}" ] && [ "${PPS[$name]}" != 0 ]; then
    if [ -z "$best" ] || [ "${PPS[$name]}" -gt "${PPS[$best]}" ]; then best=$name; fi
  fi
done
if [ -n "${PPS[ndpireader]:-}" ] && [ "${PPS[ndpireader]}" != 0 ] && [ "$SNAPLEN" -lt 1600 ]; then
  echo "note: ndpiReader discards IP packets cut short by the $SNAPLEN-byte snaplen (most data segments),"
  echo "      so it does less work per packet than netmeter and tshark on this trace."
fi
# Analyzer costs from the worker thread's CPU time (netmeter's "busy" line: what one worker costs
# per packet, without start-up, the reader thread and the JSON report, and whatever else the machine
# does meanwhile); the wall-clock figures are above.
processing() { awk '/^busy/ { print $3; exit }' "$WORK/$1.log" 2>/dev/null; }
if [ "${STATUS[netmeter-1t]:-}" = ok ] && [ "${STATUS[netmeter-1t-dpi]:-}" = ok ] &&
   [ "${STATUS[netmeter-1t-noL7]:-}" = ok ] && [ "${STATUS[netmeter-1t-engine]:-}" = ok ]; then
  echo
  echo "cost per packet on one worker thread (the worker thread's CPU time):"
  awk -v p="$PACKETS" -v engine="$(processing netmeter-1t-engine)" -v off="$(processing netmeter-1t-noL7)" \
      -v dpi="$(processing netmeter-1t-dpi)" -v all="$(processing netmeter-1t)" 'BEGIN {
    printf "  engine (decode, flows, every statistic of the engine modules): %6.0f ns  (%.2f M packets/s)\n", engine * 1e9 / p, p / engine / 1e6
    printf "  + TCP health analysis:                                         %+6.0f ns  (%.2f M packets/s)\n", (off - engine) * 1e9 / p, p / off / 1e6
    printf "  + nDPI classification:                                         %+6.0f ns  (%.2f M packets/s)\n", (dpi - off) * 1e9 / p, p / dpi / 1e6
    printf "  + DNS, HTTP, TLS, QUIC analyzers and alternative names:        %+6.0f ns  (%.2f M packets/s)\n", (all - dpi) * 1e9 / p, p / all / 1e6
  }'
fi
if [ "${ANALYZER_BUSY[dpi]:-}" != "" ]; then
  echo "cost of each application analyzer on top of nDPI (least worker CPU time of $ANALYZER_ROUNDS interleaved rounds each):"
  for analyzer in dns http tls quic; do
    [ -n "${ANALYZER_BUSY[$analyzer]:-}" ] || continue
    awk -v p="$PACKETS" -v base="${ANALYZER_BUSY[dpi]}" -v with="${ANALYZER_BUSY[$analyzer]}" -v name="$analyzer" 'BEGIN {
      printf "  + %-5s analyzer: %+6.1f ns per packet of the trace  (--l7 dpi,%s: %.2f M packets/s; --l7 dpi: %.2f M)\n",
             toupper(name), (with - base) * 1e9 / p, name, p / with / 1e6, p / base / 1e6
    }'
  done
fi
# Scaling: packets per second of worker CPU with one and with two workers (linear scaling keeps it).
if [ "${STATUS[netmeter-1t]:-}" = ok ] && [ "${STATUS[netmeter-2t]:-}" = ok ]; then
  awk -v p="$PACKETS" -v one="$(processing netmeter-1t)" -v two="$(processing netmeter-2t)" 'BEGIN {
    if (one > 0 && two > 0)
      printf "per worker thread, everything on: 1 worker %.2f M packets/s, 2 workers %.2f M packets/s each (%.0f %%)\n",
             p / one / 1e6, p / two / 1e6, 100 * one / two
  }'
fi
if [ "${STATUS[netmeter-1t-engine]:-}" = ok ] && [ "${STATUS[netmeter-2t-engine]:-}" = ok ]; then
  awk -v p="$PACKETS" -v one="$(processing netmeter-1t-engine)" -v two="$(processing netmeter-2t-engine)" \
      -v w1="${WALL[netmeter-1t-engine]}" -v w2="${WALL[netmeter-2t-engine]}" 'BEGIN {
    if (one > 0 && two > 0 && w2 > 0)
      printf "engine alone: 1 worker %.2f M packets/s, 2 workers %.2f M packets/s each (%.0f %%); wall clock %.1f s -> %.1f s (%.2fx)\n",
             p / one / 1e6, p / two / 1e6, 100 * one / two, w1, w2, w1 / w2
  }'
fi
for level in engine all; do
  [ -s "$WORK/scaling-$level.log" ] || continue
  echo "workers alone ($([ "$level" = all ] && echo "everything on" || echo "the engine alone"), input decoded before the clock starts, bench/worker_scaling.cpp):"
  grep '^workers alone' "$WORK/scaling-$level.log" | sed 's/^workers alone, /  /'
done
# Where each end-to-end run's wall clock went (the summary's processing, merge and report lines).
for name in netmeter-1t netmeter-2t netmeter-1t-engine netmeter-2t-engine; do
  [ "${STATUS[$name]:-}" = ok ] || continue
  awk -v name="$name" -v wall="${WALL[$name]}" '
    /^processing/ { analysis = $2 } /^merge/ { merge = $2 } /^report/ { report = $2 }
    END {
      if (analysis != "")
        printf "%s: wall %.1f s = analysis %.1f s + merging the workers %.1f s + JSON report %.1f s + start-up and exit %.1f s\n",
               name, wall, analysis, merge, report, wall - analysis - merge - report
    }' "$WORK/$name.log"
done
if [ -n "${PPS[capture-netmeter]:-}" ] && [ "${PPS[capture-netmeter]}" != 0 ] &&
   [ -n "${PPS[capture-tcpdump]:-}" ] && [ "${PPS[capture-tcpdump]}" != 0 ]; then
  echo
  echo "$CAPTURE_NOTE"
  echo "ratio capture-netmeter/capture-tcpdump: $(ratio "${PPS[capture-netmeter]}" "${PPS[capture-tcpdump]}")x" \
    "(netmeter $(human "${PPS[capture-netmeter]}")pkt/s, tcpdump $(human "${PPS[capture-tcpdump]}")pkt/s," \
    "regexp filter $(human "${PPS[capture-regexp]:-0}")pkt/s; regexp GB/s of payload: filter_bench below)"
fi
summary=""
if [ -n "$best" ]; then
  echo
  for peer in tshark ndpireader; do
    if [ -n "${PPS[$peer]:-}" ] && [ "${PPS[$peer]}" != 0 ]; then
      for name in netmeter-1t netmeter-2t; do
        [ -n "${PPS[$name]:-}" ] && [ "${PPS[$name]}" != 0 ] &&
          echo "ratio $name/$peer: $(ratio "${PPS[$name]}" "${PPS[$peer]}")x"
      done
    fi
  done
  summary="netmeter analyze:"
  [ -n "${PPS[netmeter-1t]:-}" ] && [ "${PPS[netmeter-1t]}" != 0 ] &&
    summary+=" $(human "${PPS[netmeter-1t]}")pkt/s on 1 thread,"
  [ -n "${PPS[netmeter-2t]:-}" ] && [ "${PPS[netmeter-2t]}" != 0 ] &&
    summary+=" $(human "${PPS[netmeter-2t]}")pkt/s on 2 threads,"
  summary=${summary%,}
  [ -n "${PPS[tshark]:-}" ] && [ "${PPS[tshark]}" != 0 ] &&
    summary+="; $(ratio "${PPS[$best]}" "${PPS[tshark]}")x tshark -z conv,ip ($(human "${PPS[tshark]}")pkt/s)"
  [ -n "${PPS[ndpireader]:-}" ] && [ "${PPS[ndpireader]}" != 0 ] &&
    summary+="; $(ratio "${PPS[$best]}" "${PPS[ndpireader]}")x ndpiReader ($(human "${PPS[ndpireader]}")pkt/s)"
  summary+=" (synthetic trace of $(human "$PACKETS")packets, $(nproc) cores, max RSS ${RSS[$best]})"
else
  summary="netmeter not measured"
  for peer in tshark ndpireader; do
    [ -n "${PPS[$peer]:-}" ] && [ "${PPS[$peer]}" != 0 ] && summary+="; $peer $(human "${PPS[$peer]}")pkt/s"
  done
  summary+=" (synthetic trace of $(human "$PACKETS")packets, $(nproc) cores)"
fi
echo
echo "summary: $summary"
echo "$summary" > "$DATA/summary.txt"

# ---- 4. REST API latency under load (BENCH_SKIP_API=1 skips it) ---------------------------------

if [ "${BENCH_SKIP_API:-0}" != 1 ]; then
  echo
  echo "=== REST API: top-100 page over 1M IPs and IP detail while analysis runs, CSV export"
  python3 bench/api_bench.py --netmeter "$NETMETER" --generator "$GENERATOR" --data "$DATA" \
    --ips "${BENCH_API_IPS:-1000000}" --busy-packets "${BENCH_API_BUSY_PACKETS:-20000000}" --threads 2 ||
    { echo "bench: api_bench failed"; RUN_FAILED=1; }
fi

# ---- 5. micro benchmarks ------------------------------------------------------------------------

micro=()
if [ -d "$BUILD/bench" ]; then
  while IFS= read -r f; do micro+=("$f"); done < <(find "$BUILD/bench" -maxdepth 1 -type f -name '*_bench' -perm -u+x | sort)
fi
if [ ${#micro[@]} -eq 0 ]; then
  echo "bench: no micro benchmarks in $BUILD/bench"
  exit $RUN_FAILED
fi
failed=$RUN_FAILED
for exe in "${micro[@]}"; do
  echo
  echo "=== micro: $(basename "$exe")"
  "$exe" --benchmark_min_time="$MIN_TIME" || { echo "bench: $(basename "$exe") failed"; failed=1; }
done
exit $failed
