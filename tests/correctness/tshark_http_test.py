#!/usr/bin/env python3
"""HTTP/1.x request/response pairing: netmeter versus tshark's http.request_in / http.time.

For every capture under <shared>/pcaps in which tshark finds HTTP, this test runs

  tshark -r FILE -o http.desegment_body:FALSE -Y http -T fields ...
      (one line per frame with HTTP: innermost addresses and ports, the requests in it, and for each
      response its http.request_in and http.time)
  netmeter analyze FILE --l7 dpi,http --http-transactions 1000 --http-csv OUT --http-csv-all

and compares, per HTTP request both tools saw (keyed by client and server address and port and the
request's packet time in ns), the response time: both without a response, or both with one and
equal within 1 us. With http.desegment_body off, tshark dissects a message at the packet that
completes its head, which is where netmeter takes its request time and (for a head in one
segment) its response time: the response's first byte minus the packet that completed the request.
Both tools reassemble IP fragments (their defaults): a segment split over fragments is read whole at
the fragment that completes its datagram.

Requests only one tool saw (tshark decodes HTTP on its known ports only; netmeter recognises HTTP
by content on any port) are counted apart, as not comparable. Per HTTP server, the largest
response time is compared too (servers with at least one paired response in both tools).

It prints the agreement per figure and the first disagreements, and fails when a rate drops below
RECORDED_AGREEMENT. README.md next to this file explains the known disagreements.

Exit status: 0 pass, 1 below the recorded level, 77 (ctest SKIP) without tshark, 2 usage errors.
"""

import csv
import ipaddress
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

from shared_captures import comparison_setup, innermost_addresses, report_agreement, tshark_environment

TOLERANCE_NS = 1000

# Agreement measured when the test was written (tshark 4.0.17, the captures in ../shared); the test
# fails when a rate drops below these. Raise them when netmeter improves.
# Before response pairing survived lost responses: 179 / 190 requests, 48 / 53 servers.
RECORDED_AGREEMENT = {
    "response_time": 0.984,  # 187 / 190 requests (HTTP/0.9 responses not compared, README.md)
    "server_max": 0.944,     # 51 / 54 servers (50 / 53)
}

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "http.request", "http.response", "http.request_in", "http.time",
]
F = {n: i for i, n in enumerate(FIELDS)}


def norm_ip(text):
    return str(ipaddress.ip_address(text))



SIMPLE_RESPONSE = "simple"  # netmeter's response time of an HTTP/0.9 response, not compared


def epoch_ns(text):
    whole, _, frac = text.partition(".")
    return int(whole) * 1000000000 + int((frac + "000000000")[:9])


def tshark_requests(tshark, capture, env):
    """{(client ip, port, server ip, port, request time ns): [response time ns or None, ...]}"""
    cmd = [tshark, "-n", "-r", capture, "-o", "http.desegment_body:FALSE", "-Y", "http.request || http.response", "-T", "fields",
           "-E", "occurrence=a", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    requests = {}  # frame -> (key, [rt ...])
    responses = []  # (request frame, rt ns)
    for line in proc.stdout.splitlines():
        row = line.split("\t")
        row += [""] * (len(FIELDS) - len(row))
        if row[F["tcp.srcport"]].count(",") > 0:
            continue  # TCP in TCP: not compared
        src, dst = innermost_addresses(row, F)
        if not src or not row[F["tcp.srcport"]]:
            continue
        frame = int(row[F["frame.number"]])
        t = epoch_ns(row[F["frame.time_epoch"]])
        n_requests = len([x for x in row[F["http.request"]].split(",") if x])
        if n_requests:
            key = (norm_ip(src), int(row[F["tcp.srcport"]]), norm_ip(dst), int(row[F["tcp.dstport"]]), t)
            requests[frame] = (key, n_requests)
        request_in = [x for x in row[F["http.request_in"]].split(",") if x]
        times = [x for x in row[F["http.time"]].split(",") if x]
        for r, rt in zip(request_in, times):
            responses.append((int(r), int(round(float(rt) * 1e9))))
    out = {}
    for frame, (key, n) in requests.items():
        out.setdefault(key, [])
        out[key] += [None] * n
    for frame, rt in responses:
        if frame not in requests:
            continue
        slots = out[requests[frame][0]]
        for i, v in enumerate(slots):
            if v is None:
                slots[i] = rt
                break
    return out


def netmeter_requests(netmeter, capture, out_csv):
    subprocess.run([netmeter, "analyze", capture, "--quiet", "--l7", "dpi,http", "--http-transactions", "1000",
                    "--http-csv", out_csv, "--http-csv-all"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out = defaultdict(list)
    if not os.path.exists(out_csv):
        return None
    with open(out_csv, newline="") as f:
        for row in csv.DictReader(f):
            key = (norm_ip(row["clientIp"]), int(row["clientPort"]), norm_ip(row["serverIp"]), int(row["serverPort"]),
                   int(row["requestTime"]))
            rt = int(row["responseTimeNs"]) if row["responseTimeNs"] else None
            # A response without status line (the answer to an HTTP/0.9 request): tshark does not
            # dissect it as a response, so the pair is not compared (README.md next to this file).
            out[key].append(SIMPLE_RESPONSE if rt is not None and not row["status"] else rt)
    return out


def server_max(requests):
    best = {}
    for key, rts in requests.items():
        for rt in rts:
            if rt is not None and rt != SIMPLE_RESPONSE:
                best[key[2]] = max(best.get(key[2], -1), rt)
    return best


def show(v):
    return "none" if v is None else "%.6f s" % (v / 1e9)


def compare_capture(name, capture, opts, env, workdir, totals, examples, not_comparable):
    theirs = tshark_requests(opts.tshark, capture, env)
    if not theirs:
        return False
    mine = netmeter_requests(opts.netmeter, capture, os.path.join(workdir, name.replace("/", "_") + ".csv"))
    if mine is None:
        print("  %s: netmeter wrote no CSV" % name)
        return True
    for key in sorted(set(theirs) | set(mine), key=str):
        t, m = theirs.get(key), mine.get(key)
        if t is None or m is None or len(t) != len(m):
            not_comparable.append("%s %s:%d -> %s:%d at %d: tshark %s, netmeter %s requests" % (
                name, key[0], key[1], key[2], key[3], key[4], len(t or []), len(m or [])))
            continue
        for a, b in zip(t, m):
            if b == SIMPLE_RESPONSE:
                not_comparable.append("%s %s:%d -> %s:%d at %d: an HTTP/0.9 response (no status line), not "
                                      "dissected by tshark" % (name, key[0], key[1], key[2], key[3], key[4]))
                continue
            totals["response_time"][1] += 1
            if (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= TOLERANCE_NS):
                totals["response_time"][0] += 1
            else:
                examples["response_time"].append("%s %s:%d -> %s:%d request at %.6f: tshark %s, netmeter %s" % (
                    name, key[0], key[1], key[2], key[3], key[4] / 1e9, show(a), show(b)))
    tmax, mmax = server_max(theirs), server_max(mine)
    for server in sorted(set(tmax) & set(mmax)):
        totals["server_max"][1] += 1
        if abs(tmax[server] - mmax[server]) <= TOLERANCE_NS:
            totals["server_max"][0] += 1
        else:
            examples["server_max"].append("%s server %s: tshark max %s, netmeter %s" % (
                name, server, show(tmax[server]), show(mmax[server])))
    return True


def main():
    opts, captures = comparison_setup(__doc__, examples=10)
    totals = {f: [0, 0] for f in RECORDED_AGREEMENT}
    examples = defaultdict(list)
    not_comparable = []
    used = 0
    with tempfile.TemporaryDirectory() as workdir:
        env = tshark_environment(workdir)
        for name, path in captures:
            if compare_capture(name, path, opts, env, workdir, totals, examples, not_comparable):
                used += 1
    print("tshark_http: %d captures with HTTP" % used)
    failed = report_agreement(totals, RECORDED_AGREEMENT, examples, list(RECORDED_AGREEMENT), opts.examples)
    print("requests not comparable (seen by one tool only, HTTP/0.9 responses): %d" % len(not_comparable))
    for entry in not_comparable[:opts.examples]:
        print("    " + entry)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
