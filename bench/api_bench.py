#!/usr/bin/env python3
"""REST API benchmark (issue: p99 of a sorted top-100 page over 1 million IPs under 50 ms while the
analysis runs at full speed).

1. Generates (cached) a flood trace: every packet from a new source address, so 1 million packets
   give 1 million IPs and 1 million connections; and a busy trace that starts after it.
2. Serves both as one trace. Once the flood part is analyzed (1M IPs in the tables), it times, while
   the analysis of the busy part continues at full speed:
     - GET ips_paged?sort=bytes&reverse=true&count=100   (top-100 page over 1M IPs)
     - GET ips/<ip>?values=100                            (IP detail with history)
3. After the analysis: a CSV export of every connection (globalConnections/csv?csv=true), rows/s.

Usage: api_bench.py --netmeter BIN --generator BIN --data DIR [--ips N] [--busy-packets N] [--threads N]
"""
import argparse
import base64
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

PASSWORD = "bench-password"


def generate(generator, path, args):
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return
    subprocess.run([generator, "--out", path + ".tmp", "--quiet", *args], check=True)
    os.rename(path + ".tmp", path)


class Client:
    def __init__(self, port):
        self.port = port
        self.auth = "Basic " + base64.b64encode(("admin:" + PASSWORD).encode()).decode()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path):
        self.conn.request("GET", path, headers={"Authorization": self.auth})
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError("%s: %d %s" % (path, resp.status, body[:200]))
        return body


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def timed(client, paths, n, still_running, pause):
    # Spread over several seconds (`pause` between requests), so that the sample includes the
    # rankings rebuilt in the background while the analysis runs; the paths take turns, so that each
    # gets requests while the analysis runs. Returns, per path, every latency and those of the
    # requests answered while the analysis still ran (the requirement's condition; a request after
    # the end may meet the final ranking being built).
    samples = [[] for _ in paths]
    during = [[] for _ in paths]
    for _ in range(n):
        for i, path in enumerate(paths):
            t = time.perf_counter()
            client.get(path)
            ms = (time.perf_counter() - t) * 1000
            samples[i].append(ms)
            if still_running():
                during[i].append(ms)
            time.sleep(pause)
    return samples, during


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netmeter", required=True)
    ap.add_argument("--generator", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ips", type=int, default=1_000_000)
    ap.add_argument("--busy-packets", type=int, default=20_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--pause", type=float, default=0.02, help="seconds between two requests")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds between the first page and the timed ones")
    a = ap.parse_args()

    os.makedirs(a.data, exist_ok=True)
    flood = os.path.join(a.data, "api-flood-%d.pcap" % a.ips)
    busy = os.path.join(a.data, "api-busy-%d.pcap" % a.busy_packets)
    print("api bench: generating traces (cached in %s)" % a.data, flush=True)
    generate(a.generator, flood, ["--packets", str(a.ips), "--flood", "--start", "1705309200", "--rate", "1000000"])
    generate(a.generator, busy, ["--packets", str(a.busy_packets), "--start", "1705309300", "--rate", "1000000"])

    state = tempfile.TemporaryDirectory(prefix="netmeter-bench-")
    env = dict(os.environ, NETMETER_ADMIN_PASSWORD=PASSWORD)
    proc = subprocess.Popen([a.netmeter, "serve", "--pcap", flood, "--pcap", busy, "--listen", "127.0.0.1:0",
                             "--threads", str(a.threads), "--state", state.name, "--memory", "16G"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
        c = Client(port)

        def processing():
            return json.loads(c.get("/API/stats/processing"))

        while processing()["packets"] < a.ips + 1000:
            time.sleep(0.05)
        running = lambda: processing()["state"] == "running"  # noqa: E731
        ips = json.loads(c.get("/API/stats/modules/ip"))["ips"]
        # The first list request after the start visits every shard (and has the ranking index built in
        # the background); the timed requests start once that index had time to appear.
        t = time.perf_counter()
        top = json.loads(c.get("/API/stats/modules/ip/ips_paged?sort=bytes&reverse=true&count=100"))
        first_page = (time.perf_counter() - t) * 1000
        some_ip = top["displayedItems"][0]["ip"]
        time.sleep(a.warmup)

        (page, detail), (page_during, detail_during) = timed(
            c, ["/API/stats/modules/ip/ips_paged?sort=bytes&reverse=true&count=100",
                "/API/stats/modules/ip/ips/%s?values=100" % some_ip], a.requests, running, a.pause)
        was_running = running()
        while processing()["state"] != "finished":
            time.sleep(0.2)
        p = processing()
        conns = json.loads(c.get("/API/stats/modules/ip"))["connections"]
        t = time.perf_counter()
        body = c.get("/API/stats/modules/ip/globalConnections/csv?csv=true")
        csv_seconds = time.perf_counter() - t
        rows = body.count(b"\n") - 1

        print("api bench: %d IPs in the tables, %d worker threads, analysis %s during the latency runs"
              % (ips, a.threads, "running" if was_running else "finished before the end of"))
        print("  first top-100 page after the start (no ranking index yet): %.1f ms" % first_page)
        print("  top-100 page (sort=bytes) over %d IPs: p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d of %d requests "
              "while analyzing)" % (ips, statistics.median(page), percentile(page, 99), max(page), len(page_during),
                                    len(page)))
        if page_during and len(page_during) != len(page):
            print("    while analyzing only: p50 %.1f ms  p99 %.1f ms  max %.1f ms"
                  % (statistics.median(page_during), percentile(page_during, 99), max(page_during)))
        print("  IP detail with 100-point history:      p50 %.1f ms  p99 %.1f ms  (%d of %d while analyzing)"
              % (statistics.median(detail), percentile(detail, 99), len(detail_during), len(detail)))
        print("  CSV export of %d connections: %.2f s, %.0f rows/s, %.1f MB/s"
              % (rows, csv_seconds, rows / csv_seconds, len(body) / csv_seconds / 1e6))
        print("  analysis: %d packets in %.1f s (%.0f packets/s)" % (p["packets"], p["wallSeconds"],
                                                                   p["packets"] / max(p["wallSeconds"], 1e-9)))
        if rows != conns:
            print("api bench: CSV has %d rows for %d connections" % (rows, conns), file=sys.stderr)
            return 1
    finally:
        proc.terminate()
        proc.wait(60)
        state.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
