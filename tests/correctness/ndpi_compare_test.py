#!/usr/bin/env python3
"""L7 classification and metadata: netmeter versus nDPI's expected results.

For every capture in <shared>/pcaps/ndpi with its ndpiReader result file (<capture>.out, nDPI 4.11
from 2024-10; see <shared>/pcaps/README.md), this test runs `netmeter analyze FILE --json OUT`, matches
each flow of the .out file to netmeter's connection with the same L4 protocol and endpoints (either
order; the earliest connection when netmeter split one), and compares per field:

  l7.carrier   the carrier protocol: nDPI's master (or its only protocol) vs netmeter's
  l7.exact     the whole classification, e.g. "HTTP.Google" (nDPI "Unknown" = netmeter "unclassified")
  dns.query    DNS flows: nDPI's Hostname/SNI vs the query name netmeter keeps for the connection
  http.host    HTTP flows: nDPI's Hostname/SNI vs the Host of netmeter's kept HTTP transaction
  tls.sni      TLS/QUIC flows: nDPI's Hostname/SNI vs the SNI of netmeter's connection ("tls" or "quic";
               for Google QUIC the SNI tag of the CHLO)
  tls.ja3      flows with nDPI's JA3C vs the connection's "ja3" (TLS or QUIC ClientHello)
  tls.ja4      flows with nDPI's JA4 vs the connection's "ja4"
  tls.ja4.rest the same without the SNI flag and the ALPN characters, which nDPI 4.11 computes unlike
               FoxIO's specification (README.md)
  tls.alpn     nDPI's "(Advertised) ALPNs" vs the connection's ClientHello ALPN list
  tls.cipher   nDPI's "Cipher" (the server's choice) vs the connection's negotiatedCipherSuite
  quic.version nDPI's "QUIC ver" (not "Ver-Negotiation") vs the connection's quic.version
  http.url     nDPI's "URL" (Host as sent, without its port, and the target; cut at 255 bytes) vs the
               host and target of the connection's first HTTP transaction (all are kept here)
  http.status  nDPI's "StatusCode" vs the first transaction's status

Flows nDPI only guessed (Confidence "Match by port" and the like) are not compared for l7: netmeter
never guesses and shows them as unclassified; their count is printed. netmeter links Debian's nDPI
4.2, so protocols added or renamed since (4.2 -> 4.11) disagree: README.md next to this file lists
the known disagreements. The agreement rate of each field is printed; the test fails when a rate
drops below the level recorded in MIN_RATES (measured when the test was written).

Exit status: 0 at or above every recorded level, 1 below, 2 on usage errors.
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

# Agreement rates measured with Debian's nDPI 4.2 (see README.md); the test fails below them.
# Measured 2026-11-23: carrier 2615/2636, exact 2515/2636, DNS query 181/196, HTTP host 110/110;
# 2026-12-07: SNI 172/174, JA3 180/180, JA4 150/180 (all 30 differences are nDPI's, README.md), JA4
# without its SNI flag and ALPN characters 180/180, ALPN 158/158, cipher 168/168, QUIC version 12/14,
# HTTP URL 106/108, status code 96/100; Google QUIC read (version and CHLO): SNI 174/174 and QUIC version
# 14/14 (the two missing were gQUIC's: http_ipv6.pcap Q025 www.google.it, quic046.pcap Q046 i.ytimg.com).
MIN_RATES = {
    "l7.carrier": 0.99,
    "l7.exact": 0.95,
    "dns.query": 0.92,
    "http.host": 1.0,
    "tls.sni": 1.0,
    "tls.ja3": 1.0,
    "tls.ja4": 0.83,
    "tls.ja4.rest": 1.0,
    "tls.alpn": 1.0,
    "tls.cipher": 1.0,
    "quic.version": 1.0,
    "http.url": 0.98,
    "http.status": 0.96,
}

FLOW_RE = re.compile(
    r"^\t\d+\t(\S+) (\[[0-9a-fA-F:.]+\]|[0-9.]+)(?::(\d+))? (<->|->) (\[[0-9a-fA-F:.]+\]|[0-9.]+)(?::(\d+))? (.*)$")
PROTO_RE = re.compile(r"\[proto: (?:[A-Za-z_]+:)?[0-9.]+/([^\]]+)\]")
HOST_RE = re.compile(r"\[Hostname/SNI: ([^\]]*)\]")
URL_RE = re.compile(r"\[URL: ([^\]]*)\]")
STATUS_RE = re.compile(r"\[StatusCode: (\d+)\]")
CIPHER_RE = re.compile(r"\[Cipher: ([^\]]+)\]")
QUICVER_RE = re.compile(r"\[QUIC ver: ([^\]]+)\]")
ALPN_RE = re.compile(r"\[\(Advertised\) ALPNs: ([^\]]*)\]")
JA3_RE = re.compile(r"\[JA3C: ([0-9a-f]+)\]")
JA4_RE = re.compile(r"\[JA4: ([^\]]+)\]")
CONF_RE = re.compile(r"\[Confidence: ([^\]]+)\]")
L4 = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPV6": 58, "IGMP": 2, "GRE": 47, "ESP": 50, "SCTP": 132}


def parse_out(path):
    flows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = FLOW_RE.match(line.rstrip("\n"))
            if not m:
                continue
            l4, a, pa, _, b, pb, rest = m.groups()
            proto = PROTO_RE.search(rest)
            host = HOST_RE.search(rest)
            conf = CONF_RE.search(rest)
            ja3 = JA3_RE.search(rest)
            extra = {k: (r.search(rest).group(1) if r.search(rest) else "") for k, r in
                     (("url", URL_RE), ("status", STATUS_RE), ("cipher", CIPHER_RE), ("quicver", QUICVER_RE),
                      ("alpn", ALPN_RE))}
            ja4 = JA4_RE.search(rest)
            flows.append({
                "l4": L4.get(l4.upper()),
                "a": (a.strip("[]"), int(pa or 0)),
                "b": (b.strip("[]"), int(pb or 0)),
                "proto": proto.group(1) if proto else "Unknown",
                "host": host.group(1) if host else "",
                "confidence": conf.group(1) if conf else "",
                "ja3": ja3.group(1) if ja3 else "",
                "ja4": ja4.group(1) if ja4 else "",
                **extra,
            })
    return flows


def norm_ip(text):
    import ipaddress
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def split_proto(name):
    """'HTTP.Google' -> ('HTTP', 'HTTP.Google'); 'DNS' -> ('DNS', 'DNS'); unknown -> ('unknown', ...)."""
    if name in ("Unknown", "unclassified", "pending"):
        return "unknown", "unknown"
    return name.split(".")[0].lower(), name.lower()


def guessed(confidence):
    return confidence not in ("", "DPI", "DPI (cache)", "DPI (partial)", "DPI (partial cache)",
                              "DPI (aggressive)", "Unknown", "Match by IP")


def ja4_rest(ja4):
    """A JA4 without the two parts nDPI 4.11 computes unlike FoxIO's specification (README.md): the
    SNI flag (4th character) and the ALPN characters (9th and 10th)."""
    return ja4[:3] + ja4[4:8] + ja4[10:]


NDPI_URL_CUT = 255


def ndpi_url(url):
    """nDPI's URL is the Host header as sent (with its port) and the request target; netmeter keeps
    the host without the port (a server's name), so the port is dropped here."""
    m = re.match(r"^(\[[^\]]*\]|[^/:]*)(:\d+)?(/.*)$", url, re.S)  # a CONNECT's host:port stays
    return m.group(1) + m.group(3) if m else url


def http_url(transaction):
    """netmeter's host and request target as nDPI writes them (an absolute or authority target, e.g.
    CONNECT's, without the host in front)."""
    target = transaction.get("url") or ""
    if target and not target.startswith("/"):
        return target
    return (transaction.get("host") or "") + target


def run(netmeter, capture, workdir):
    out = os.path.join(workdir, os.path.basename(capture) + ".json")
    # Every HTTP transaction kept: nDPI's URL and status code are the connection's first.
    r = subprocess.run([netmeter, "analyze", capture, "--json", out, "--quiet", "--http-transactions", "1000"],
                       capture_output=True, text=True)
    if r.returncode not in (0, 3):
        raise RuntimeError(f"netmeter failed on {capture}: {r.stderr}")
    with open(out) as f:
        return json.load(f)


def index_connections(report):
    by_key = collections.defaultdict(list)
    for c in report["connections"]:
        ends = sorted([(norm_ip(c["clientIp"]), c["clientPort"]), (norm_ip(c["serverIp"]), c["serverPort"])])
        by_key[(c["l4Protocol"], tuple(ends))].append(c)
    for v in by_key.values():
        v.sort(key=lambda c: c["start"])
    return by_key


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netmeter", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--verbose", action="store_true", help="print every disagreement")
    args = ap.parse_args()
    captures = sorted(p for p in glob.glob(os.path.join(args.shared, "pcaps", "ndpi", "*"))
                      if not p.endswith(".out") and os.path.exists(p + ".out"))
    if not captures:
        print("ndpi_compare: no captures with .out files under", args.shared)
        return 2
    agree = collections.Counter()
    total = collections.Counter()
    disagreements = collections.defaultdict(collections.Counter)
    missing = guessed_flows = 0
    with tempfile.TemporaryDirectory() as work:
        for capture in captures:
            report = run(args.netmeter, capture, work)
            conns = index_connections(report)
            name = os.path.basename(capture)
            for flow in parse_out(capture + ".out"):
                if flow["l4"] is None:
                    continue
                ends = tuple(sorted([(norm_ip(flow["a"][0]), flow["a"][1]), (norm_ip(flow["b"][0]), flow["b"][1])]))
                matches = conns.get((flow["l4"], ends))
                if not matches:
                    missing += 1
                    continue
                c = matches[0]
                theirs = split_proto(flow["proto"])
                ours = split_proto(c["l7Protocol"])

                def compare(field, a, b, what):
                    total[field] += 1
                    if a == b:
                        agree[field] += 1
                    else:
                        disagreements[field][f"{what[0]} vs {what[1]}"] += 1
                        if args.verbose:
                            print(f"  {name}: {field}: nDPI {what[0]!r}, netmeter {what[1]!r} ({flow['a']} {flow['b']})")

                if guessed(flow["confidence"]):
                    guessed_flows += 1
                else:
                    compare("l7.carrier", theirs[0], ours[0], (theirs[0], ours[0]))
                    compare("l7.exact", theirs[1], ours[1], (flow["proto"], c["l7Protocol"]))
                hello = c.get("tls") or c.get("quic") or {}
                if flow["ja3"]:
                    compare("tls.ja3", flow["ja3"], hello.get("ja3") or "", (flow["ja3"], hello.get("ja3")))
                if flow["ja4"]:
                    ours4 = hello.get("ja4") or ""
                    compare("tls.ja4", flow["ja4"], ours4, (flow["ja4"], ours4))
                    compare("tls.ja4.rest", ja4_rest(flow["ja4"]), ja4_rest(ours4), (flow["ja4"], ours4))
                if flow["alpn"]:
                    mine = (hello.get("alpn") or "").replace(",", ";")
                    compare("tls.alpn", flow["alpn"], mine, (flow["alpn"], mine))
                if flow["cipher"]:
                    mine = hello.get("negotiatedCipherSuite") or ""
                    compare("tls.cipher", flow["cipher"], mine, (flow["cipher"], mine))
                if flow["quicver"] and flow["quicver"] != "Ver-Negotiation":
                    mine = (c.get("quic") or {}).get("version") or ""
                    compare("quic.version", flow["quicver"], mine, (flow["quicver"], mine))
                first = (c.get("http") or [{}])[0]
                if flow["url"]:
                    theirs_url, mine = ndpi_url(flow["url"]), http_url(first)
                    if len(flow["url"]) >= NDPI_URL_CUT:  # nDPI keeps the first 255 bytes
                        mine = mine[:len(theirs_url)]
                    compare("http.url", theirs_url, mine, (flow["url"], mine))
                if flow["status"]:
                    mine = str(first.get("status") or "")
                    compare("http.status", flow["status"], mine, (flow["status"], mine))
                host = flow["host"].lower()
                if not host:
                    continue
                carrier = theirs[0]
                if carrier == "dns":
                    q = c.get("dns", {}).get("query", "")
                    compare("dns.query", host, q, (host, q))
                elif carrier in ("http", "http_proxy", "http_connect"):
                    t = c.get("http") or [{}]
                    h = (t[-1].get("host") or "").lower()
                    compare("http.host", host, h, (host, h))
                elif carrier in ("tls", "quic", "dtls"):
                    # TLS over TCP in "tls", QUIC's ClientHello (decrypted Initial) in "quic".
                    s = ((c.get("tls") or {}).get("sni") or (c.get("quic") or {}).get("sni") or "").lower()
                    compare("tls.sni", host, s, (host, s))
    failed = False
    print(f"ndpi_compare: {len(captures)} captures; {missing} nDPI flows without a netmeter connection; "
          f"{guessed_flows} flows nDPI only guessed (not compared for l7)")
    for field in MIN_RATES:
        if total[field] == 0:
            print(f"  {field:12s} not compared (no data)")
            continue
        rate = agree[field] / total[field]
        status = "ok" if rate + 1e-9 >= MIN_RATES[field] else "BELOW"
        failed |= status != "ok"
        print(f"  {field:12s} {agree[field]:5d}/{total[field]:<5d} = {rate:6.1%}  (recorded {MIN_RATES[field]:.1%}) {status}")
        top = disagreements[field].most_common(8)
        if top:
            print("      most frequent disagreements: " + "; ".join(f"{k} x{n}" for k, n in top))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
