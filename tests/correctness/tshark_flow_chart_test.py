#!/usr/bin/env python3
"""The TCP flow chart, segment by segment: netmeter versus tshark.

For every capture under <shared>/pcaps that contains TCP, this test runs

  tshark -r FILE -T fields ... (one line per TCP packet: innermost addresses and ports, stream,
  relative and raw sequence and acknowledgement numbers, length, calculated window, flags, and
  the tcp.analysis flags of the packet)
  netmeter serve --pcap FILE, then GET .../ip/connections/:id/tcpFlowChart for every TCP connection

and, where a connection's 4-tuple is one tshark stream and one netmeter connection with the same
number of packets, walks both packet lists side by side (both in capture order; the raw sequence
numbers must pair up, or the connection is listed as not aligned) and compares per segment:

  seq, ack      tcp.seq / tcp.ack (relative; ack only with the ACK flag) vs the chart's seq / ack
  len           tcp.len vs len (none for a header length below 20: tshark's bogus header)
  window        tcp.window_size (scaled when tshark knows the scale) vs window, except on RSTs and
                where netmeter does not know the scale (both SYNs must carry it, RFC 7323; tshark
                also scales with the sender's SYN alone)
  flags         tcp.flags vs flags
  retransmission  tcp.analysis.retransmission | fast_retransmission | spurious_retransmission
  out_of_order, duplicate_ack, zero_window, keep_alive, zero_window_probe
                the segment's tcp.analysis flag vs its mark in the chart
  lost_segment  tcp.analysis.lost_segment ("previous segment not captured") vs the mark `gap`

It prints the agreement rate per field and fails when one drops below RECORDED_AGREEMENT; every
disagreement kind is explained in tests/correctness/README.md ("TCP flow chart against tshark").
"""
import base64
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shared_captures import comparison_setup, innermost_addresses, report_agreement, tshark_environment  # noqa: E402

FIELDS = ["frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.seq_raw", "tcp.len", "tcp.hdr_len",
          "tcp.window_size", "tcp.flags",
          "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
          "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order", "tcp.analysis.duplicate_ack",
          "tcp.analysis.zero_window", "tcp.analysis.keep_alive", "tcp.analysis.zero_window_probe",
          "tcp.analysis.lost_segment"]
F = {f: i for i, f in enumerate(FIELDS)}
TH_RST, TH_ACK = 0x04, 0x10
FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
MARKS = {"retransmission": "retransmission", "out_of_order": "outOfOrder", "duplicate_ack": "dupAck",
         "zero_window": "zeroWindow", "keep_alive": "keepAlive", "zero_window_probe": "windowProbe",
         "lost_segment": "gap"}
COMPARED = ["seq", "ack", "len", "window", "flags"] + list(MARKS)
# Measured with tshark 4.0.17 on the shared captures, 2026-12-07: 6999 segments of 52 captures; every
# disagreement is one of tshark_tcp's explained differences (tests/correctness/README.md).
RECORDED_AGREEMENT = dict({f: 1.0 for f in COMPARED}, retransmission=0.9997, out_of_order=0.9998,
                          lost_segment=0.9984)
PASSWORD = "flow-chart-test"


def norm_ip(text):
    return str(ipaddress.ip_address(text))


def first(text):
    return text.split(",")[0] if text else ""


def tshark_segments(tshark, capture, env):
    """unordered 4-tuple -> {stream -> [segment]} in capture order."""
    cmd = [tshark, "-n", "-r", capture, "-Y", "tcp", "-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, universal_newlines=True,
                          errors="replace")
    streams = defaultdict(lambda: defaultdict(list))
    for line in proc.stdout.splitlines():
        row = line.split("\t")
        row += [""] * (len(FIELDS) - len(row))
        protos = row[F["frame.protocols"]].split(":")
        if "tcp" in protos and any(p in ("icmp", "icmpv6") for p in protos[:protos.index("tcp")]):
            continue  # TCP quoted in an ICMP error
        if row[F["tcp.srcport"]].count(",") > 0 or not row[F["tcp.srcport"]]:
            continue  # TCP in TCP, or no ports
        src, dst = innermost_addresses(row, F)
        if not src:
            continue
        try:
            key = (norm_ip(src), int(row[F["tcp.srcport"]]), norm_ip(dst), int(row[F["tcp.dstport"]]))
        except ValueError:
            continue
        flags = int(row[F["tcp.flags"]], 16) if row[F["tcp.flags"]] else 0
        bogus = row[F["tcp.hdr_len"]] and int(row[F["tcp.hdr_len"]]) < 20
        seg = {
            "frame": row[F["frame.number"]],
            "key": key,
            "bogus": bool(bogus),
            "rawSeq": int(first(row[F["tcp.seq_raw"]])) if row[F["tcp.seq_raw"]] else None,
            "seq": int(first(row[F["tcp.seq"]])) if row[F["tcp.seq"]] else None,
            "ack": int(first(row[F["tcp.ack"]])) if row[F["tcp.ack"]] and flags & TH_ACK else None,
            "len": 0 if bogus else int(first(row[F["tcp.len"]]) or 0),
            "window": int(first(row[F["tcp.window_size"]])) if row[F["tcp.window_size"]] else None,
            "flags": flags,
        }
        marks = set()
        if (row[F["tcp.analysis.retransmission"]] or row[F["tcp.analysis.fast_retransmission"]]
                or row[F["tcp.analysis.spurious_retransmission"]]):
            marks.add("retransmission")
        for name in list(MARKS)[1:]:
            if row[F["tcp.analysis." + name]]:
                marks.add(name)
        seg["marks"] = marks
        unordered = tuple(sorted([key[:2], key[2:]]))
        streams[unordered][row[F["tcp.stream"]]].append(seg)
    return streams


class Serve:
    """`netmeter serve` on one capture, on a loopback port of its own."""

    def __init__(self, netmeter, capture, state):
        env = dict(os.environ, NETMETER_ADMIN_PASSWORD=PASSWORD)
        self.proc = subprocess.Popen([netmeter, "serve", "--pcap", capture, "--listen", "127.0.0.1:0", "--state", state,
                                      "--web", "none"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                     universal_newlines=True)
        m = re.search(r"serving (http)://[^:]+:(\d+)/", self.proc.stdout.readline())
        if not m:
            self.proc.kill()
            raise RuntimeError("netmeter serve printed no URL")
        self.base = "http://127.0.0.1:%s" % m.group(2)
        self.finished = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        self.auth = "Basic " + base64.b64encode(("admin:" + PASSWORD).encode()).decode()

    def _read(self):
        for line in self.proc.stdout:
            if "analysis finished" in line:
                self.finished.set()

    def get(self, path, params):
        req = urllib.request.Request(self.base + path + "?" + urllib.parse.urlencode(params),
                                     headers={"Authorization": self.auth})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.load(r)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def netmeter_charts(serve):
    """unordered 4-tuple -> [chart] of every TCP connection."""
    out = defaultdict(list)
    page = 0
    while True:
        doc = serve.get("/API/stats/modules/ip/globalConnections",
                        {"filter": "(l4Protocol == TCP)", "sort": "start", "page": page, "count": 500})
        for c in doc["displayedItems"]:
            chart = serve.get("/API/stats/modules/ip/connections/%s/tcpFlowChart" % c["id"], {"maxPackets": 100000})
            a = (norm_ip(chart["client"]["ip"]), chart["client"]["port"])
            b = (norm_ip(chart["server"]["ip"]), chart["server"]["port"])
            out[tuple(sorted([a, b]))].append(chart)
        if len(doc["displayedItems"]) < 500:
            return out
        page += 1


def flag_text(flags):
    return ", ".join(n for n in ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
                     if flags & (1 << FLAG_NAMES.index(n)))


def compare_connection(name, chart, segs, totals, examples, not_aligned):
    scale_known = chart["windowScaleKnown"]
    client = (norm_ip(chart["client"]["ip"]), chart["client"]["port"])
    for ours, theirs in zip(chart["segments"], segs):
        from_client = theirs["key"][:2] == client
        if (ours["from"] == "client") != from_client or (
                "rawSeq" in ours and theirs["rawSeq"] is not None and ours["rawSeq"] != theirs["rawSeq"]):
            not_aligned.append("%s frame %s" % (name, theirs["frame"]))
            return
    for ours, theirs in zip(chart["segments"], segs):
        if "rawSeq" not in ours or theirs["bogus"]:
            continue  # an IP fragment piece or a damaged header: no TCP fields (README)
        where = "%s frame %s" % (name, theirs["frame"])

        def tally(field, a, b):
            totals[field][1] += 1
            if a == b:
                totals[field][0] += 1
            else:
                examples[field].append("%s: netmeter %s, tshark %s" % (where, a, b))

        tally("seq", ours["seq"], theirs["seq"])
        if theirs["ack"] is not None or ours["ack"] is not None:
            tally("ack", ours["ack"], theirs["ack"])
        tally("len", ours["len"], theirs["len"])
        if scale_known and not theirs["flags"] & TH_RST and theirs["window"] is not None:
            tally("window", ours["window"], theirs["window"])
        tally("flags", ours["flags"], flag_text(theirs["flags"]))
        for mark, ours_name in MARKS.items():
            a, b = ours_name in ours["marks"], mark in theirs["marks"]
            if a or b:
                tally(mark, a, b)
            else:
                totals[mark][0] += 1
                totals[mark][1] += 1


def main():
    opts, captures = comparison_setup(__doc__, examples=8)
    totals = {f: [0, 0] for f in COMPARED}
    examples = defaultdict(list)
    not_comparable, not_aligned = [], []
    used = 0
    with tempfile.TemporaryDirectory() as workdir:
        env = tshark_environment(workdir)
        for name, path in captures:
            streams = tshark_segments(opts.tshark, path, env)
            if not streams:
                continue
            state = tempfile.mkdtemp(dir=workdir)
            serve = Serve(opts.netmeter, path, state)
            try:
                if not serve.finished.wait(120):
                    print("FAIL %s: the analysis did not finish" % name)
                    return 1
                charts = netmeter_charts(serve)
            finally:
                serve.stop()
            used += 1
            for tuple4, by_stream in streams.items():
                ours = charts.get(tuple4, [])
                if len(by_stream) != 1 or len(ours) != 1:
                    continue  # several streams or connections on one 4-tuple: not paired here
                segs = next(iter(by_stream.values()))
                if len(segs) != len(ours[0]["segments"]) or not ours[0]["complete"]:
                    not_comparable.append((name, tuple4, len(segs), len(ours[0]["segments"])))
                    continue
                compare_connection(name, ours[0], segs, totals, examples, not_aligned)
    print("tshark_flow_chart: %d captures with TCP" % used)
    failed = report_agreement(totals, RECORDED_AGREEMENT, examples, COMPARED, opts.examples)
    print("connections not comparable (packet counts differ): %d" % len(not_comparable))
    for entry in not_comparable[:opts.examples]:
        print("    %s %s tshark %d packets, netmeter %d" % entry)
    print("connections whose packets do not pair up: %d" % len(not_aligned))
    for entry in not_aligned[:opts.examples]:
        print("    " + entry)
    return 1 if failed or not_aligned else 0


if __name__ == "__main__":
    sys.exit(main())
