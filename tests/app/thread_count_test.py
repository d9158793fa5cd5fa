#!/usr/bin/env python3
"""`netmeter analyze --json` gives the same report for 1, 2 and 3 worker threads, read by a thread of
its own or by the workers in turn (--reader), with and without a time window, on a generated trace
with whole packets (DNS, HTTP, TLS, QUIC, nDPI all at work).

Only the fields that legitimately depend on the run are left out: "engine" (threads, per-shard
memory) and "processingSeconds". Usage: thread_count_test.py --netmeter BIN --generate BIN
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def report(netmeter, trace, out, threads, window, reader="auto"):
    args = [netmeter, "analyze", str(trace), "--threads", str(threads), "--reader", reader, "--quiet",
            "--json", str(out)]
    if window:
        args += ["--values", "100"]
    subprocess.run(args, check=True)
    data = json.loads(Path(out).read_text())
    data.pop("engine")
    data.pop("processingSeconds")
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netmeter", required=True)
    parser.add_argument("--generate", required=True)
    opts = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.pcap"
        subprocess.run([opts.generate, "--out", str(trace), "--quiet", "--packets", "60000", "--hosts", "300",
                        "--servers", "30", "--connections", "4000", "--snaplen", "65535", "--seed", "7",
                        "--rate", "6000"], check=True)
        for window in (False, True):
            one = report(opts.netmeter, trace, Path(tmp) / "one.json", 1, window)
            for name in ("dnsServers", "httpServers", "tlsServers", "quicServers", "l7Ips"):
                if not one[name]:
                    print(f"the trace has no {name}: the test would prove nothing")
                    failures += 1
            for threads in (2, 3):
                for reader in ("thread", "workers"):
                    other = report(opts.netmeter, trace, Path(tmp) / "other.json", threads, window, reader)
                    differing = [key for key in one if one[key] != other.get(key)]
                    label = f"read by {reader}, " + ("with a window" if window else "all time")
                    if differing:
                        print(f"{threads} threads, {label}: differs from 1 thread in {differing}")
                        failures += 1
                    else:
                        print(f"{threads} threads, {label}: identical to 1 thread")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
