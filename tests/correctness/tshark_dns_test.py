#!/usr/bin/env python3
"""DNS per server and resolved names: netmeter versus tshark's DNS dissector.

For every capture under <shared>/pcaps in which tshark dissects DNS, this test runs

  tshark -n -r FILE -Y dns -T fields ... (one line per frame with DNS: the innermost addresses and
      ports, and per message its QR flag, id, question types, reply code, dns.time, answers;
      defaults otherwise: IP reassembly and TCP desegmentation on)
  netmeter analyze FILE --json OUT

and compares, per DNS server (netmeter's key: the address that receives queries and sends replies,
every port and both transports, UDP and TCP, together), the report's `dnsServers[]` with the same
figures rebuilt from tshark's messages:

  requests        messages with QR = 0                       vs allTime[0]
  replies         messages with QR = 1                       vs allTime[1]
  reply_codes     replies per header RCODE                   vs replyCodes
  query_types     queries per type of their first question   vs queryTypes (netmeter's named types,
                  the others as "other")
  response_count  replies with a dns.time (matched to their query)  vs responseTime.count
  response_max    the largest dns.time (servers with one in both)   vs responseTime.max, within 1 us
  response_sum    the sum of dns.time                                vs allTime[3], within 1 us per reply

and, per address that an A or AAAA answer of a NOERROR reply gave a name (the reply's question),
the names (`resolved_names`): netmeter keeps the 4 most recently resolved per address
(`dnsResolvedNames`), so they must be tshark's names when it has at most 4, else 4 of them.

A server only one tool saw disagrees on every figure. DNS that netmeter does not analyze by design
is not compared and is counted apart ("not compared", README.md): messages on a connection without
port 53 (mDNS 5353, LLMNR 5355, DNS over QUIC 784, stray dissections of other ports), DNS quoted
inside ICMP errors, DNS over QUIC.

It prints the agreement rate per figure and the disagreements, and fails when a rate drops below
RECORDED_AGREEMENT. README.md next to this file explains each remaining disagreement.

Exit status: 0 pass, 1 below the recorded level, 77 (ctest SKIP) without tshark, 2 usage errors.
"""

import ipaddress
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

from shared_captures import (comparison_setup, innermost_addresses, last, report_agreement,
                            tshark_environment)

TOLERANCE_NS = 1000

# Agreement measured when the test was written (tshark 4.0.17, the captures in ../shared); the test
# fails when a rate drops below these. Raise them when netmeter improves.
# Before netmeter timed retransmitted queries like tshark and counted messages cut by the snap length:
# replies and reply_codes 90 / 99, response_max 23 / 26 (the others as now).
RECORDED_AGREEMENT = {
    "requests": 0.9494,        # 94 / 99: fuzz-2006-06-26-2594.pcap (README.md)
    "replies": 0.9595,         # 95 / 99: badpackets.pcap (2, header cut short), fuzz (2)
    "reply_codes": 0.9595,     # 95 / 99: the same servers
    "query_types": 0.9696,     # 96 / 99: fuzz
    "response_count": 0.9898,  # 98 / 99: fuzz
    # 26 / 26 and 25 / 26 (fuzz) since netmeter reassembles IP (2026-12): 24 and 22 before, the
    # fragmented replies of dns_fragmented and ipv6-fragmented-dns being read at their first fragment.
    "response_max": 1.0,
    "response_sum": 0.9615,
    "resolved_names": 0.9932,  # 147 / 148: malformed_dns.pcap (a name longer than 255 bytes)
}
FIELD_NAMES = list(RECORDED_AGREEMENT)

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
    "dns.flags.response", "dns.id", "dns.count.queries", "dns.qry.name", "dns.qry.type", "dns.flags.rcode",
    "dns.time", "dns.count.answers", "dns.count.auth_rr", "dns.count.add_rr", "dns.resp.type", "dns.a",
    "dns.aaaa",
]
F = {n: i for i, n in enumerate(FIELDS)}

# netmeter's named query types (kDnsCountedTypes in src/modules/dns/dns_records.h); others are "other".
QUERY_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
               35: "NAPTR", 43: "DS", 48: "DNSKEY", 64: "SVCB", 65: "HTTPS", 255: "ANY"}
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
          "NOTAUTH", "NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14", "RCODE15"]
MAX_NAMES = 4  # HostNameRecord::kMaxNames


def norm_ip(text):
    return str(ipaddress.ip_address(text))


def address_order(text):
    a = ipaddress.ip_address(text)
    return (a.version, a)


def ints(text):
    return [int(x, 0) for x in text.split(",") if x]


def new_server():
    return {"requests": 0, "replies": 0, "reply_codes": Counter(), "query_types": Counter(), "times": []}


def not_compared_reason(row):
    """Why a frame's DNS is outside what netmeter analyzes (None: compared)."""
    protos = row[F["frame.protocols"]].split(":")
    dns_at = protos.index("dns")
    if "icmp" in protos[:dns_at] or "icmpv6" in protos[:dns_at]:
        return "quoted in an ICMP error"
    if "quic" in protos[:dns_at]:
        return "DNS over QUIC"
    ports = ints(last(row[F["udp.srcport"]]) + "," + last(row[F["udp.dstport"]])) if row[F["udp.srcport"]] else \
        ints(last(row[F["tcp.srcport"]]) + "," + last(row[F["tcp.dstport"]]))
    if 53 not in ports:
        return "port %s" % "/".join(str(p) for p in sorted(set(ports)))
    return None


def tshark_dns(tshark, capture, env, not_compared):
    """Per server address its figures, and {address: set of names} from A/AAAA answers."""
    cmd = [tshark, "-n", "-r", capture, "-Y", "dns", "-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    servers = defaultdict(new_server)
    names = defaultdict(set)
    for line in proc.stdout.splitlines():
        row = line.split("\t")
        row += [""] * (len(FIELDS) - len(row))
        responses = ints(row[F["dns.flags.response"]])
        if not responses:
            continue
        reason = not_compared_reason(row)
        if reason is not None:
            not_compared[reason] += len(responses)
            continue
        src, dst = innermost_addresses(row, F)
        src, dst = norm_ip(src), norm_ip(dst)
        queries_per_message = ints(row[F["dns.count.queries"]])
        qtypes = ints(row[F["dns.qry.type"]])
        qnames = row[F["dns.qry.name"]].split(",") if row[F["dns.qry.name"]] else []
        rcodes = ints(row[F["dns.flags.rcode"]])
        times = [int(round(float(x) * 1e9)) for x in row[F["dns.time"]].split(",") if x]
        answers = ints(row[F["dns.count.answers"]])
        records = [a + b + c for a, b, c in zip(answers, ints(row[F["dns.count.auth_rr"]]),
                                                 ints(row[F["dns.count.add_rr"]]))]
        rtypes = ints(row[F["dns.resp.type"]])
        a_records = row[F["dns.a"]].split(",") if row[F["dns.a"]] else []
        aaaa_records = row[F["dns.aaaa"]].split(",") if row[F["dns.aaaa"]] else []
        question = 0  # index into qtypes/qnames of the message's first question
        record = 0    # index into rtypes
        n_reply = 0
        for m, response in enumerate(responses):
            server = servers[src if response else dst]
            n_questions = queries_per_message[m] if m < len(queries_per_message) else 0
            qtype = qtypes[question] if n_questions and question < len(qtypes) else None
            qname = qnames[question].lower() if n_questions and question < len(qnames) else ""
            question += n_questions
            if not response:
                server["requests"] += 1
                if qtype is not None:
                    server["query_types"][QUERY_TYPES.get(qtype, "other")] += 1
                continue
            server["replies"] += 1
            rcode = rcodes[n_reply] if n_reply < len(rcodes) else None
            n_reply += 1
            if rcode is not None:
                server["reply_codes"][RCODES[rcode & 15]] += 1
            # Answers come first among the message's records; dns.a/dns.aaaa follow the A/AAAA records
            # of every section in order.
            n_answers = answers[m] if m < len(answers) else 0
            n_records = records[m] if m < len(records) else 0
            for i in range(record, min(record + n_records, len(rtypes))):
                address = None
                if rtypes[i] == 1 and a_records:
                    address = a_records.pop(0)
                elif rtypes[i] == 28 and aaaa_records:
                    address = aaaa_records.pop(0)
                if address and i - record < n_answers and rcode == 0 and qname:
                    names[norm_ip(address)].add(qname)
            record += n_records
        if times:
            servers[src]["times"] += times
    return servers, names


def netmeter_dns(netmeter, capture, out_json):
    subprocess.run([netmeter, "analyze", capture, "--json", out_json, "--quiet"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    if not os.path.exists(out_json):
        return None, None
    with open(out_json) as f:
        report = json.load(f)
    servers = {}
    for s in report.get("dnsServers", []):
        rt = s["responseTime"]
        servers[norm_ip(s["ip"])] = {
            "requests": s["allTime"][0], "replies": s["allTime"][1], "reply_codes": Counter(s["replyCodes"]),
            "query_types": Counter(s["queryTypes"]), "count": rt["count"], "max": rt["max"] if rt["count"] else None,
            "sum": s["allTime"][3],
        }
    names = {norm_ip(r["ip"]): {n["name"] for n in r["names"]} for r in report.get("dnsResolvedNames", [])}
    return servers, names


def show_ns(v):
    return "none" if v is None else "%.6f s" % (v / 1e9)


def compare_capture(name, capture, opts, env, workdir, totals, examples, not_compared):
    skipped = Counter()
    theirs, their_names = tshark_dns(opts.tshark, capture, env, skipped)
    for reason, n in skipped.items():
        not_compared.append("%s: %d messages, %s" % (name, n, reason))
    mine, my_names = netmeter_dns(opts.netmeter, capture, os.path.join(workdir, name.replace("/", "_") + ".json"))
    if mine is None:
        print("  %s: netmeter wrote no report" % name)
        return True
    if not theirs and not mine and not skipped:
        return False
    empty = new_server()

    def check(field, agree, where, text):
        totals[field][1] += 1
        if agree:
            totals[field][0] += 1
        else:
            examples[field].append("%s server %s: %s" % (name, where, text))

    for server in sorted(set(theirs) | set(mine), key=address_order):
        t = theirs.get(server, empty)
        m = mine.get(server)
        if m is None:
            m = {"requests": 0, "replies": 0, "reply_codes": Counter(), "query_types": Counter(), "count": 0,
                 "max": None, "sum": 0}
        for field in ("requests", "replies"):
            check(field, t[field] == m[field], server, "tshark %d, netmeter %d" % (t[field], m[field]))
        for field in ("reply_codes", "query_types"):
            check(field, t[field] == m[field], server, "tshark %s, netmeter %s" % (dict(t[field]), dict(m[field])))
        times = t["times"]
        check("response_count", len(times) == m["count"], server,
              "tshark %d, netmeter %d timed replies" % (len(times), m["count"]))
        tmax = max(times) if times else None
        if tmax is not None or m["max"] is not None:
            check("response_max", tmax is not None and m["max"] is not None and abs(tmax - m["max"]) <= TOLERANCE_NS,
                  server, "tshark max %s, netmeter %s" % (show_ns(tmax), show_ns(m["max"])))
        if times or m["count"]:
            tolerance = TOLERANCE_NS * max(len(times), m["count"])
            check("response_sum", abs(sum(times) - m["sum"]) <= tolerance, server,
                  "tshark sum %s over %d, netmeter %s over %d" % (show_ns(sum(times)), len(times), show_ns(m["sum"]),
                                                                  m["count"]))
    for address in sorted(set(their_names) | set(my_names), key=address_order):
        t = their_names.get(address, set())
        m = my_names.get(address, set())
        agree = m == t if len(t) <= MAX_NAMES else (len(m) == MAX_NAMES and m <= t)
        totals["resolved_names"][1] += 1
        if agree:
            totals["resolved_names"][0] += 1
        else:
            examples["resolved_names"].append("%s address %s: tshark %s, netmeter %s" % (
                name, address, sorted(t), sorted(m)))
    return True


def main():
    opts, captures = comparison_setup(__doc__, examples=20)
    totals = {f: [0, 0] for f in FIELD_NAMES}
    examples = defaultdict(list)
    not_compared = []
    used = 0
    with tempfile.TemporaryDirectory() as workdir:
        env = tshark_environment(workdir)
        for name, path in captures:
            if compare_capture(name, path, opts, env, workdir, totals, examples, not_compared):
                used += 1
    print("tshark_dns: %d captures with DNS, %d servers, %d resolved addresses" % (
        used, totals["requests"][1], totals["resolved_names"][1]))
    failed = report_agreement(totals, RECORDED_AGREEMENT, examples, FIELD_NAMES, opts.examples)
    print("DNS not compared (not analyzed by netmeter by design, README.md): %d captures" % len(not_compared))
    for entry in not_compared:
        print("    " + entry)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
