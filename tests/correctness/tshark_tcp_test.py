#!/usr/bin/env python3
"""TCP health figures: netmeter versus tshark's tcp.analysis fields.

For every capture under <shared>/pcaps that contains TCP, this test runs

  tshark -r FILE -T fields ... (one line per TCP packet: the innermost addresses and ports, flags,
  length, window, SYN options, tcp.analysis.*)
  netmeter analyze FILE --json OUT

both reassembling IP fragments (tshark's default, netmeter's default): a fragmented segment is
one TCP packet, the fragment that completes its datagram, analyzed whole by both

and compares, per direction of a TCP connection (client->server, server->client), the number of
packets tshark flags as

  retransmission     tcp.analysis.retransmission | fast_retransmission | spurious_retransmission
                     vs netmeter connections[].tcp.<side>.retransmittedSegments
  out_of_order       tcp.analysis.out_of_order vs .outOfOrder
  duplicate_ack      tcp.analysis.duplicate_ack vs .dupAcks
  zero_window        tcp.analysis.zero_window vs .zeroWindows
  keep_alive         tcp.analysis.keep_alive vs .keepAlives
  zero_window_probe  tcp.analysis.zero_window_probe vs .windowProbes

the bytes and segments

  payload_bytes        sum of tcp.len vs .payloadBytes (none for a header length below 20 bytes:
                       tshark shows "bogus TCP header length" and analyzes nothing of it; its
                       tcp.len is what follows the bogus length, netmeter's payload is none)
  payload_segments     packets with tcp.len > 0 vs .payloadSegments
  retransmitted_bytes  sum of tcp.len over the packets counted as retransmission above (all three
                       kinds) vs .retransmittedBytes

per direction whether data went unseen although acknowledged:

  ack_lost_segment  the peer sent a packet tshark flags tcp.analysis.ack_lost_segment ("ACKed segment
                    that wasn't captured") vs netmeter .missedBytes > 0 (yes/no: tshark gives no bytes)

per direction, where the 4-tuple is one tshark stream and one netmeter connection:

  mss_announced        tcp.options.mss_val of the direction's (last) SYN, none without
                       vs .mss when .mssAnnounced, else none
  window_scale         tcp.options.wscale.shift of its SYN (at most 14, RFC 7323 2.3) vs .windowScale
  sack_permitted       SACK-permitted option (kind 4) in its SYN vs .sackPermitted
  min_window           min / max tcp.window_size (scaled) over its packets except RSTs vs
  max_window           .minWindow / .maxWindow; only where tshark saw a SYN in both directions and
                       netmeter's .windowScaleKnown (a disagreement on that counts as one)
  max_bytes_in_flight  max tcp.analysis.bytes_in_flight (0 without) vs .maxBytesInFlight
  window_full          tcp.analysis.window_full: netmeter has no such figure; the packets tshark
                       flags are only counted and printed

and, per connection (one stream, one connection), tcp.analysis.initial_rtt (first SYN-ACK's ACK
minus the latest SYN) with netmeter's connections[].tcp.handshakeNs (equal within 1 us, or both
absent), and

  closed_by    the sender of the first FIN or RST and whether it was a RST vs tcp.closedBy,
               tcp.closedByRst (none: neither sent one)
  termination  "RST" when a RST was seen, else "FIN" when both sides sent a FIN, else none vs
               connections[].termination (RST, FIN; active and timeout are none)

Directions are keyed by (source IP, source port, destination IP, destination port); when tshark
or netmeter split one 4-tuple into several streams/connections (port reuse, VLANs), their counts are
summed per key, and the per-connection figures are compared only where both have exactly one. A
direction is compared only where both tools saw the same number of TCP packets in it (otherwise the
tools disagree on which packets are TCP at all, which tshark_counts checks; such keys are listed as
not comparable); a connection only where both its directions are.

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
    "duplicate_ack": 1.0,      # 2753 / 2753 (2752 before the PPPoE length bounded the packet)
    "zero_window": 1.0,        # 2753 / 2753
    "initial_rtt": 0.9940,     # 2376 / 2390 (connections whose directions are both comparable)
    # Added with the missed data before a direction's first segment, which tshark does not analyse
    # (README.md, difference 6): the 3 directions of 1kxun.pcap that netmeter counts and tshark not.
    "ack_lost_segment": 0.9989,  # 2750 / 2753
    # Added with the SYN options, payload, windows, bytes in flight and termination (2026-12).
    "keep_alive": 1.0,             # 2753 / 2753
    "zero_window_probe": 1.0,      # 2753 / 2753
    "payload_bytes": 1.0,          # 2753 / 2753 (2752 before the PPPoE length bounded the packet)
    "payload_segments": 1.0,       # 2753 / 2753
    "retransmitted_bytes": 0.9992,  # 2751 / 2753 (differences 3 and 5)
    "mss_announced": 1.0,          # 2753 / 2753
    "window_scale": 1.0,           # 2753 / 2753
    "sack_permitted": 1.0,         # 2753 / 2753
    "min_window": 1.0,             # 534 / 534 directions with both SYNs seen
    "max_window": 1.0,             # 534 / 534
    # 2710 / 2759 (difference 8: definitions). 2707 / 2753 before the comparison reassembled IP
    # (2026-12): 6 more directions, 3 of them difference 8 (ip_fragmented_garbage.pcap's one-segment
    # directions; gtp1_gn_normal_incl_fragmentation.pcap's server, whose capture lost 4 fragments).
    "max_bytes_in_flight": 0.9822,
    "closed_by": 1.0,              # 2390 / 2390
    "termination": 1.0,            # 2390 / 2390
}

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags", "tcp.hdr_len",
    "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
    "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window", "tcp.analysis.initial_rtt",
    "tcp.analysis.ack_lost_segment", "tcp.analysis.keep_alive", "tcp.analysis.zero_window_probe",
    "tcp.analysis.window_full", "tcp.analysis.bytes_in_flight", "tcp.len", "tcp.window_size",
    "tcp.option_kind", "tcp.options.mss_val", "tcp.options.wscale.shift",
]
F = {n: i for i, n in enumerate(FIELDS)}
# Packets flagged per direction, summed over the streams/connections of a 4-tuple.
FLAGGED = ["retransmission", "out_of_order", "duplicate_ack", "zero_window", "keep_alive", "zero_window_probe"]
COUNTED = FLAGGED + ["payload_bytes", "payload_segments", "retransmitted_bytes"]
PRESENT = ["ack_lost_segment"]  # compared as present / absent in a direction
# Per direction of a 4-tuple that is one stream and one connection.
SINGLE = ["mss_announced", "window_scale", "sack_permitted", "min_window", "max_window", "max_bytes_in_flight"]
WINDOWS = ["min_window", "max_window"]  # only with both SYNs seen
CONNECTION = ["initial_rtt", "closed_by", "termination"]
ALL_FIELDS = COUNTED + PRESENT + SINGLE + CONNECTION
NETMETER_FIELD = {
    "retransmission": "retransmittedSegments",
    "out_of_order": "outOfOrder",
    "duplicate_ack": "dupAcks",
    "zero_window": "zeroWindows",
    "keep_alive": "keepAlives",
    "zero_window_probe": "windowProbes",
    "payload_bytes": "payloadBytes",
    "payload_segments": "payloadSegments",
    "retransmitted_bytes": "retransmittedBytes",
    "ack_lost_segment": "missedBytes",
}
TH_FIN, TH_SYN, TH_RST, TH_ACK = 0x01, 0x02, 0x04, 0x10
MAX_WINDOW_SHIFT = 14  # RFC 7323 2.3


def norm_ip(text):
    return str(ipaddress.ip_address(text))


def first_int(text):
    """The first value of a field that an option may repeat (occurrence=a), or None."""
    return int(text.split(",")[0]) if text else None


def new_direction():
    d = defaultdict(int)
    d["frames"] = []
    d["syn"] = False            # a SYN of this direction was seen
    d["mss_announced"] = None   # from its last SYN
    d["window_scale"] = None
    d["sack_permitted"] = False
    d["min_window"] = None      # over its packets except RSTs
    d["max_window"] = None
    return d


def tshark_directions(tshark, capture, env):
    cmd = [tshark, "-n", "-r", capture,
           "-Y", "tcp", "-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    directions = defaultdict(new_direction)
    streams = defaultdict(set)   # unordered 4-tuple -> tshark streams
    rtts = {}                    # stream -> initial_rtt in ns
    closes = {}                  # stream -> (key of the first FIN/RST sender, it was a RST)
    ends = defaultdict(lambda: {"rst": False, "fin": set()})  # stream -> RST seen, FIN senders
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
        frame = row[F["frame.number"]]
        flags = int(row[F["tcp.flags"]], 16) if row[F["tcp.flags"]] else 0
        length = int(row[F["tcp.len"]]) if row[F["tcp.len"]] else 0
        if row[F["tcp.hdr_len"]] and int(row[F["tcp.hdr_len"]]) < 20:
            length = 0  # a bogus header: no payload (docstring)
        if row[F["tcp.analysis.ack_lost_segment"]]:  # about the data of the other direction
            other = directions[(key[2], key[3], key[0], key[1])]
            other["ack_lost_segment"] += 1
            other.setdefault("lost_frames", [])
            if len(other["lost_frames"]) < 10:
                other["lost_frames"].append("ack_lost_segment:%s" % frame)
        flagged = {
            "retransmission": bool(row[F["tcp.analysis.retransmission"]] or
                                   row[F["tcp.analysis.fast_retransmission"]] or
                                   row[F["tcp.analysis.spurious_retransmission"]]),
        }
        for name in FLAGGED[1:]:
            flagged[name] = bool(row[F["tcp.analysis." + name]])
        for name in FLAGGED:
            if flagged[name]:
                d[name] += 1
                if len(d["frames"]) < 40:
                    d["frames"].append("%s:%s" % (name, frame))
        d["payload_bytes"] += length
        d["payload_segments"] += length > 0
        if flagged["retransmission"]:
            d["retransmitted_bytes"] += length
            if len(d["frames"]) < 40:
                d["frames"].append("retransmitted_bytes:%s+%d" % (frame, length))
        if row[F["tcp.analysis.window_full"]]:
            d["window_full"] += 1
        if flags & TH_SYN:
            d["syn"] = True
            d["mss_announced"] = first_int(row[F["tcp.options.mss_val"]])
            shift = first_int(row[F["tcp.options.wscale.shift"]])
            d["window_scale"] = None if shift is None else min(shift, MAX_WINDOW_SHIFT)
            d["sack_permitted"] = "4" in row[F["tcp.option_kind"]].split(",")
        window = first_int(row[F["tcp.window_size"]])
        if window is not None and not flags & TH_RST:
            d["min_window"] = window if d["min_window"] is None else min(d["min_window"], window)
            d["max_window"] = window if d["max_window"] is None else max(d["max_window"], window)
            if window in (d["min_window"], d["max_window"]) and len(d["frames"]) < 40:
                d["frames"].append("window:%s=%d" % (frame, window))
        bif = first_int(row[F["tcp.analysis.bytes_in_flight"]])
        if bif is not None and bif > d["max_bytes_in_flight"]:
            d["max_bytes_in_flight"] = bif
            d["bif_frame"] = "max_bytes_in_flight:%s" % frame
        stream = row[F["tcp.stream"]]
        unordered = tuple(sorted([key[:2], key[2:]]))
        streams[unordered].add(stream)
        if flags & (TH_FIN | TH_RST):
            closes.setdefault(stream, (key, bool(flags & TH_RST)))
            if flags & TH_RST:
                ends[stream]["rst"] = True
            else:
                ends[stream]["fin"].add(key)
        rtt = row[F["tcp.analysis.initial_rtt"]]
        if rtt and stream not in rtts:
            rtts[stream] = int(round(float(rtt) * 1e9))
    for d in directions.values():
        d["frames"] += [d["bif_frame"]] if "bif_frame" in d else []
    return proc.returncode, directions, streams, rtts, closes, ends


def netmeter_directions(netmeter, capture, out_json):
    proc = subprocess.run([netmeter, "analyze", capture, "--json", out_json], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, universal_newlines=True)
    if not os.path.exists(out_json):
        return None, None, None
    with open(out_json) as f:
        report = json.load(f)
    directions = defaultdict(lambda: defaultdict(int))
    connections = defaultdict(list)  # unordered 4-tuple -> [(client key, connection)]
    for c in report.get("connections", []):
        if c.get("l4Protocol") != 6 or "tcp" not in c:
            continue
        ci, cp, si, sp = norm_ip(c["clientIp"]), c["clientPort"], norm_ip(c["serverIp"]), c["serverPort"]
        tx_packets, rx_packets = c["allTime"][2], c["allTime"][0]
        for key, side, packets in (((ci, cp, si, sp), "client", tx_packets), ((si, sp, ci, cp), "server", rx_packets)):
            d = directions[key]
            d["packets"] += packets
            t = c["tcp"][side]
            for name in COUNTED + PRESENT:
                d[name] += t[NETMETER_FIELD[name]]
            d["mss_announced"] = t["mss"] if t["mssAnnounced"] else None
            d["window_scale"] = t["windowScale"]
            d["sack_permitted"] = t["sackPermitted"]
            d["min_window"] = t["minWindow"]
            d["max_window"] = t["maxWindow"] if t["minWindow"] is not None else None
            d["max_bytes_in_flight"] = t["maxBytesInFlight"]
            d["window_scale_known"] = c["tcp"]["windowScaleKnown"]
        connections[tuple(sorted([(ci, cp), (si, sp)]))].append(((ci, cp, si, sp), c))
    return report, directions, connections


def tally(totals, examples, field, same, text):
    totals[field][1] += 1
    if same:
        totals[field][0] += 1
    else:
        examples[field].append(text)


def compare_capture(name, capture, opts, env, workdir, totals, examples, not_comparable, window_full):
    rc, tsd, streams, rtts, closes, ends = tshark_directions(opts.tshark, capture, env)
    if not tsd:
        return False
    out_json = os.path.join(workdir, name.replace("/", "_") + ".json")
    report, nmd, conns = netmeter_directions(opts.netmeter, capture, out_json)
    if report is None:
        print("  %s: netmeter wrote no report" % name)
        return True
    comparable = set()
    for key in sorted(set(tsd) | set(nmd), key=str):
        t, n = tsd.get(key), nmd.get(key)
        tp, np_ = (t["packets"] if t else 0), (n["packets"] if n else 0)
        if tp == 0 and np_ == 0:
            comparable.add(key)
            continue  # a direction without packets (netmeter lists both directions of a connection)
        if tp != np_:
            not_comparable.append((name, key, tp, np_))
            continue
        comparable.add(key)
        if t["window_full"]:
            window_full.append("%s %s:%d -> %s:%d %d packets" % ((name,) + key + (t["window_full"],)))
        for field in COUNTED + PRESENT:
            same = (t[field] > 0) == (n[field] > 0) if field in PRESENT else t[field] == n[field]
            frames = t.get("frames", []) + t.get("lost_frames", [])
            tally(totals, examples, field, same, "%s %s:%d -> %s:%d tshark %d netmeter %d %s" % (
                name, key[0], key[1], key[2], key[3], t[field], n[field],
                " ".join(x for x in frames if x.startswith(field))[:300]))
    for unordered, ids in sorted(streams.items(), key=str):
        ours = conns.get(unordered, [])
        if len(ids) != 1 or len(ours) != 1:
            continue
        stream = next(iter(ids))
        client_key, c = ours[0]
        server_key = (client_key[2], client_key[3], client_key[0], client_key[1])
        if client_key not in comparable or server_key not in comparable:
            continue
        label = "%s %s:%d -> %s:%d" % ((name,) + client_key)
        theirs = rtts.get(stream)
        mine = c["tcp"]["handshakeNs"]
        tally(totals, examples, "initial_rtt",
              (theirs is None and mine is None) or (theirs is not None and mine is not None and abs(theirs - mine) <= 1000),
              "%s tshark %s netmeter %s" % (label, theirs, mine))
        both_syns = all(tsd.get(k) is not None and tsd[k]["syn"] for k in (client_key, server_key))
        for key in (client_key, server_key):
            t, n = tsd.get(key), nmd.get(key)
            if not t or not n or not n["packets"]:
                continue
            for field in SINGLE:
                if field in WINDOWS:
                    if not both_syns and not n["window_scale_known"]:
                        continue
                    same = both_syns == n["window_scale_known"] and t[field] == n[field]
                else:
                    same = t[field] == n[field]
                hint = "window" if field in WINDOWS else field
                tally(totals, examples, field, same, "%s %s:%d -> %s:%d tshark %s netmeter %s %s" % (
                    (name,) + key + (t[field], n[field], " ".join(x for x in t["frames"] if x.startswith(hint))[:200])))
        close = closes.get(stream)
        expected = None if close is None else ("client" if close[0] == client_key else "server", close[1])
        got = None if c["tcp"]["closedBy"] is None else (c["tcp"]["closedBy"], c["tcp"]["closedByRst"])
        tally(totals, examples, "closed_by", expected == got, "%s tshark %s netmeter %s" % (label, expected, got))
        end = ends.get(stream)
        expected = None if end is None else ("RST" if end["rst"] else "FIN" if len(end["fin"]) == 2 else None)
        got = c["termination"] if c["termination"] in ("RST", "FIN") else None
        tally(totals, examples, "termination", expected == got, "%s tshark %s netmeter %s (%s)" % (
            label, expected, got, c["termination"]))
    return True


def main():
    opts, captures = comparison_setup(__doc__, examples=8)
    totals = {f: [0, 0] for f in ALL_FIELDS}
    examples = defaultdict(list)
    not_comparable = []
    window_full = []
    used = 0
    with tempfile.TemporaryDirectory() as workdir:
        env = tshark_environment(workdir)
        for name, path in captures:
            if compare_capture(name, path, opts, env, workdir, totals, examples, not_comparable, window_full):
                used += 1
    print("tshark_tcp: %d captures with TCP" % used)
    failed = report_agreement(totals, RECORDED_AGREEMENT, examples, ALL_FIELDS, opts.examples)
    print("directions not comparable (packet counts differ): %d" % len(not_comparable))
    for entry in not_comparable[:opts.examples]:
        print("    %s %s tshark %d packets, netmeter %d" % entry)
    print("directions with packets tshark flags tcp.analysis.window_full (no netmeter figure): %d" % len(window_full))
    for entry in window_full[:opts.examples]:
        print("    " + entry)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
