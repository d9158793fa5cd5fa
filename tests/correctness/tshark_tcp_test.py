#!/usr/bin/env python3
"""TCP health figures: netmeter versus tshark's tcp.analysis fields.

For every capture under <shared>/pcaps that contains TCP, this test runs

  tshark -r FILE -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields ... (one line per TCP
  packet: the innermost addresses and ports, tcp.analysis.* flags, tcp.analysis.initial_rtt)
  netmeter analyze FILE --json OUT

and compares, per direction of a TCP connection (client->server, server->client), the number of
packets tshark flags as

  retransmission  tcp.analysis.retransmission | fast_retransmission | spurious_retransmission
                  vs netmeter connections[].tcp.<side>.retransmittedSegments
  out_of_order    tcp.analysis.out_of_order vs .outOfOrder
  duplicate_ack   tcp.analysis.duplicate_ack vs .dupAcks
  zero_window     tcp.analysis.zero_window vs .zeroWindows

per direction whether data went unseen although acknowledged:

  ack_lost_segment  the peer sent a packet tshark flags tcp.analysis.ack_lost_segment ("ACKed segment
                    that wasn't captured") vs netmeter .missedBytes > 0 (yes/no: tshark gives no bytes)

and, per connection, tcp.analysis.initial_rtt (first SYN-ACK's ACK minus the latest SYN) with
netmeter's connections[].tcp.handshakeNs (equal within 1 us, or both absent).

Directions are keyed by (source IP, source port, destination IP, destination port); when tshark
or netmeter split one 4-tuple into several streams/connections (port reuse, VLANs), their counts are
summed per key, and initial_rtt is compared only where both have exactly one. A direction is
compared only where both tools saw the same number of TCP packets in it (otherwise the tools
disagree on which packets are TCP at all, which tshark_counts checks; such keys are listed as not
comparable).

It prints, per field, the agreement rate (keys with equal figures / keys compared) over all captures
and the first disagreements, and fails when a rate drops below RECORDED_AGREEMENT. README.md next
to this file explains every known disagreement.

Exit status: 0 pass, 1 below the recorded level, 77 (ctest SKIP) without tshark, 2 usage errors.
"""

import ipaddress
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

from shared_captures import comparison_setup, innermost_addresses, report_agreement, tshark_environment

# Agreement rates measured when the test was written (tshark 4.0.17, the captures in ../shared);
# the test fails when a rate drops below these. Raise them when netmeter improves.
RECORDED_AGREEMENT = {
    "retransmission": 0.9990,  # 2751 / 2753
    "out_of_order": 0.9995,    # 2752 / 2753
    "duplicate_ack": 0.9995,   # 2752 / 2753
    "zero_window": 1.0,        # 2753 / 2753
    "initial_rtt": 0.9940,     # 2377 / 2391
    # Added with the missed data before a direction's first segment, which tshark does not analyse
    # (README.md, difference 6): the 3 directions of 1kxun.pcap that netmeter counts and tshark not.
    "ack_lost_segment": 0.9989,  # 2750 / 2753
}

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags",
    "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
    "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window", "tcp.analysis.initial_rtt",
    "tcp.analysis.ack_lost_segment",
]
F = {n: i for i, n in enumerate(FIELDS)}
COUNTED = ["retransmission", "out_of_order", "duplicate_ack", "zero_window"]
PRESENT = ["ack_lost_segment"]  # compared as present / absent in a direction
NETMETER_FIELD = {
    "retransmission": "retransmittedSegments",
    "out_of_order": "outOfOrder",
    "duplicate_ack": "dupAcks",
    "zero_window": "zeroWindows",
    "ack_lost_segment": "missedBytes",
}


def norm_ip(text):
    return str(ipaddress.ip_address(text))



def tshark_directions(tshark, capture, env):
    cmd = [tshark, "-n", "-r", capture, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-Y", "tcp", "-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    directions = defaultdict(lambda: defaultdict(int))
    streams = defaultdict(set)   # unordered 4-tuple -> tshark streams
    rtts = {}                    # stream -> initial_rtt in ns
    stream_key = {}
    for line in proc.stdout.splitlines():
        row = line.split("\t")
        if len(row) < len(FIELDS):
            row += [""] * (len(FIELDS) - len(row))
        protos = row[F["frame.protocols"]].split(":")
        # TCP quoted inside an ICMP error is not a packet of the connection (netmeter ignores it).
        if "tcp" in protos and any(p in ("icmp", "icmpv6") for p in protos[:protos.index("tcp")]):
            continue
        if row[F["tcp.srcport"]].count(",") > 0:
            continue  # several TCP layers: a tunnel of TCP in TCP; not compared
        src, dst = innermost_addresses(row, F)  # 6in4, Teredo: the later IP layer
        if not src or not row[F["tcp.srcport"]]:
            continue
        try:
            key = (norm_ip(src), int(row[F["tcp.srcport"]]), norm_ip(dst), int(row[F["tcp.dstport"]]))
        except ValueError:
            continue
        d = directions[key]
        d["packets"] += 1
        if row[F["tcp.analysis.ack_lost_segment"]]:  # about the data of the other direction
            other = directions[(key[2], key[3], key[0], key[1])]
            other["ack_lost_segment"] += 1
            other.setdefault("lost_frames", [])
            if len(other["lost_frames"]) < 10:
                other["lost_frames"].append("ack_lost_segment:%s" % row[F["frame.number"]])
        if (row[F["tcp.analysis.retransmission"]] or row[F["tcp.analysis.fast_retransmission"]]
                or row[F["tcp.analysis.spurious_retransmission"]]):
            d["retransmission"] += 1
        for name in ("out_of_order", "duplicate_ack", "zero_window"):
            if row[F["tcp.analysis." + name]]:
                d[name] += 1
        d.setdefault("frames", [])
        for name in COUNTED:
            if name == "retransmission":
                flagged = d["retransmission"] and (row[F["tcp.analysis.retransmission"]] or
                                                    row[F["tcp.analysis.fast_retransmission"]] or
                                                    row[F["tcp.analysis.spurious_retransmission"]])
            else:
                flagged = row[F["tcp.analysis." + name]]
            if flagged and len(d["frames"]) < 40:
                d["frames"].append("%s:%s" % (name, row[F["frame.number"]]))
        stream = row[F["tcp.stream"]]
        unordered = tuple(sorted([key[:2], key[2:]]))
        streams[unordered].add(stream)
        stream_key[stream] = unordered
        rtt = row[F["tcp.analysis.initial_rtt"]]
        if rtt and stream not in rtts:
            rtts[stream] = int(round(float(rtt) * 1e9))
    return proc.returncode, directions, streams, rtts


def netmeter_directions(netmeter, capture, out_json):
    proc = subprocess.run([netmeter, "analyze", capture, "--json", out_json], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, universal_newlines=True)
    if not os.path.exists(out_json):
        return None, None, None
    with open(out_json) as f:
        report = json.load(f)
    directions = defaultdict(lambda: defaultdict(int))
    connections = defaultdict(list)  # unordered 4-tuple -> [handshakeNs or None]
    for c in report.get("connections", []):
        if c.get("l4Protocol") != 6 or "tcp" not in c:
            continue
        ci, cp, si, sp = norm_ip(c["clientIp"]), c["clientPort"], norm_ip(c["serverIp"]), c["serverPort"]
        tx_packets, rx_packets = c["allTime"][2], c["allTime"][0]
        for key, side, packets in (((ci, cp, si, sp), "client", tx_packets), ((si, sp, ci, cp), "server", rx_packets)):
            d = directions[key]
            d["packets"] += packets
            for name in COUNTED + PRESENT:
                d[name] += c["tcp"][side][NETMETER_FIELD[name]]
        connections[tuple(sorted([(ci, cp), (si, sp)]))].append(c["tcp"]["handshakeNs"])
    return report, directions, connections


def compare_capture(name, capture, opts, env, workdir, totals, examples, not_comparable):
    rc, tsd, streams, rtts = tshark_directions(opts.tshark, capture, env)
    if not tsd:
        return False
    out_json = os.path.join(workdir, name.replace("/", "_") + ".json")
    report, nmd, conns = netmeter_directions(opts.netmeter, capture, out_json)
    if report is None:
        print("  %s: netmeter wrote no report" % name)
        return True
    for key in sorted(set(tsd) | set(nmd), key=str):
        t, n = tsd.get(key), nmd.get(key)
        tp, np_ = (t["packets"] if t else 0), (n["packets"] if n else 0)
        if tp == 0 and np_ == 0:
            continue  # a direction without packets (netmeter lists both directions of a connection)
        if tp != np_:
            not_comparable.append((name, key, tp, np_))
            continue
        for field in COUNTED + PRESENT:
            totals[field][1] += 1
            same = (t[field] > 0) == (n[field] > 0) if field in PRESENT else t[field] == n[field]
            if same:
                totals[field][0] += 1
            else:
                frames = t.get("frames", []) + t.get("lost_frames", [])
                examples[field].append("%s %s:%d -> %s:%d tshark %d netmeter %d %s" % (
                    name, key[0], key[1], key[2], key[3], t[field], n[field],
                    " ".join(x for x in frames if x.startswith(field))[:300]))
    for unordered, ids in sorted(streams.items(), key=str):
        ours = conns.get(unordered, [])
        if len(ids) != 1 or len(ours) != 1:
            continue
        theirs = rtts.get(next(iter(ids)))
        mine = ours[0]
        totals["initial_rtt"][1] += 1
        if (theirs is None and mine is None) or (theirs is not None and mine is not None and abs(theirs - mine) <= 1000):
            totals["initial_rtt"][0] += 1
        else:
            examples["initial_rtt"].append("%s %s tshark %s netmeter %s" % (name, unordered, theirs, mine))
    return True


def main():
    opts, captures = comparison_setup(__doc__, examples=8)
    totals = {f: [0, 0] for f in COUNTED + PRESENT + ["initial_rtt"]}
    examples = defaultdict(list)
    not_comparable = []
    used = 0
    with tempfile.TemporaryDirectory() as workdir:
        env = tshark_environment(workdir)
        for name, path in captures:
            if compare_capture(name, path, opts, env, workdir, totals, examples, not_comparable):
                used += 1
    print("tshark_tcp: %d captures with TCP" % used)
    failed = report_agreement(totals, RECORDED_AGREEMENT, examples, COUNTED + PRESENT + ["initial_rtt"], opts.examples)
    print("directions not comparable (packet counts differ): %d" % len(not_comparable))
    for entry in not_comparable[:opts.examples]:
        print("    %s %s tshark %d packets, netmeter %d" % entry)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
