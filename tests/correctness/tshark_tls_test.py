#!/usr/bin/env python3
"""TLS alerts per connection: netmeter versus tshark's TLS record dissection.

For every capture under <shared>/pcaps in which tshark dissects a TLS record, this test runs

  tshark -n -r FILE -Y tls.record -T fields ... (one line per frame with TLS records: the innermost
  addresses and ports, every record's content type and length, the cleartext alerts' level and
  description; TCP and TLS reassembly on, as by default)
  netmeter analyze FILE --json OUT

and compares, for every TCP connection netmeter read as TLS (connections[] with a "tls" object):

  alerts            tshark: alert records (content type 21) of 2 bytes (the cleartext alerts it
                    dissects with level and description)
                    vs netmeter tls.alert.count (0 without "alert")
  encrypted_alerts  tshark: alert records of another length (its "Encrypted Alert")
                    vs netmeter tls.encryptedAlerts
  last_alert        the level, description and direction of the last cleartext alert
                    vs netmeter tls.alert {level, description, fromServer} (connections with one)

Connections are keyed by the unordered 4-tuple; when netmeter splits one into several connections
(port reuse), their counts are summed. A server port on which netmeter found TLS but that tshark
does not dissect as TLS by default is given to tshark with `-d tcp.port==P,tls` (not when netmeter read
it through a STARTTLS upgrade: tshark follows STARTTLS itself).

Alert records tshark shows on a connection netmeter did not read as TLS are listed apart ("tshark
only": TLS that does not start the connection and that netmeter does not follow, or a connection
whose ClientHello was not captured). TLS inside an HTTP CONNECT tunnel is read by netmeter and compared.

TLS 1.3 alerts after the handshake are application_data records (content type 23) for both tools:
neither can tell them apart, so they are counted by neither. README.md next to this file explains
the known disagreements.

It prints, per field, the agreement rate over all captures and the disagreements, and fails when a
rate drops below RECORDED_AGREEMENT.

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
    "alerts": 1.0,               # 177 / 177 (with ndpi/http_connect.pcap's CONNECT tunnel)
    "encrypted_alerts": 1.0,     # 177 / 177 (176 before the PPPoE length bounded the packet, README.md)
    "last_alert": 1.0,           # 4 / 4
}
FIELD_NAMES = ["alerts", "encrypted_alerts", "last_alert"]

# Ports tshark dissects as TLS without being told (the ones netmeter's captures use).
TSHARK_TLS_PORTS = {443, 465, 563, 585, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443}

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tls.record.content_type", "tls.record.length",
    "tls.alert_message.level", "tls.alert_message.desc",
]
F = {n: i for i, n in enumerate(FIELDS)}

LEVELS = {1: "warning", 2: "fatal"}
# IANA TLS alert descriptions (tshark prints the code; netmeter the name).
DESCRIPTIONS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
    22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
    42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
    49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
    70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
    86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation", 109: "missing_extension",
    110: "unsupported_extension", 111: "certificate_unobtainable", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
    115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
}


def norm_ip(text):
    return str(ipaddress.ip_address(text))




def tshark_records(tshark, capture, ports, env):
    """Per directed 4-tuple: alert records in capture order, as (frame, 'clear'|'encrypted', level,
    description); and the set of 4-tuples where tshark dissected any TLS record."""
    cmd = [tshark, "-n", "-r", capture, "-Y", "tls.record", "-T", "fields", "-E", "occurrence=a",
           "-E", "separator=/t"]
    for p in sorted(ports - TSHARK_TLS_PORTS):
        cmd += ["-d", "tcp.port==%d,tls" % p]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    alerts = defaultdict(list)
    seen = set()
    for line in proc.stdout.splitlines():
        row = line.split("\t")
        row += [""] * (len(FIELDS) - len(row))
        if not row[F["tcp.srcport"]] or "," in row[F["tcp.srcport"]]:
            continue  # not TCP (DTLS), or TCP in TCP: not compared
        src, dst = innermost_addresses(row, F)
        if not src:
            continue
        key = (norm_ip(src), int(row[F["tcp.srcport"]]), norm_ip(dst), int(row[F["tcp.dstport"]]))
        seen.add(key)
        types = row[F["tls.record.content_type"]].split(",")
        lengths = row[F["tls.record.length"]].split(",")
        levels = [int(x) for x in row[F["tls.alert_message.level"]].split(",") if x]
        descs = [int(x) for x in row[F["tls.alert_message.desc"]].split(",") if x]
        clear = 0
        for t, n in zip(types, lengths):
            if t != "21":
                continue
            if n == "2" and clear < len(levels):
                alerts[key].append((int(row[F["frame.number"]]), "clear", levels[clear], descs[clear]))
                clear += 1
            else:
                alerts[key].append((int(row[F["frame.number"]]), "encrypted", None, None))
    return proc.returncode, alerts, seen


def netmeter_connections(netmeter, capture, out_json):
    subprocess.run([netmeter, "analyze", capture, "--json", out_json, "--quiet"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, universal_newlines=True)
    if not os.path.exists(out_json):
        return None
    with open(out_json) as f:
        report = json.load(f)
    conns = {}  # unordered 4-tuple -> {client, server, alerts, encrypted, last}
    for c in report.get("connections", []):
        if c.get("l4Protocol") != 6 or "tls" not in c:
            continue
        client = (norm_ip(c["clientIp"]), c["clientPort"])
        server = (norm_ip(c["serverIp"]), c["serverPort"])
        key = tuple(sorted([client, server]))
        e = conns.setdefault(key, {"client": client, "server": server, "alerts": 0, "encrypted": 0,
                                   "last": None, "starttls": "starttls" in c})
        t = c["tls"]
        e["encrypted"] += t["encryptedAlerts"]
        if t.get("alert"):
            e["alerts"] += t["alert"]["count"]
            e["last"] = (t["alert"]["level"], t["alert"]["description"], t["alert"]["fromServer"])
    return conns


def compare_capture(name, capture, opts, env, workdir, totals, examples, tshark_only):
    out_json = os.path.join(workdir, name.replace("/", "_") + ".json")
    conns = netmeter_connections(opts.netmeter, capture, out_json)
    if conns is None:
        print("  %s: netmeter wrote no report" % name)
        return False
    # TLS after STARTTLS is left to tshark's own STARTTLS dissection (SMTP, IMAP, POP3, FTP ports).
    ports = {e["server"][1] for e in conns.values() if not e["starttls"]}
    _, alerts, seen = tshark_records(opts.tshark, capture, ports, env)
    if not seen and not conns:
        return False
    per_conn = defaultdict(list)  # unordered 4-tuple -> [(frame, kind, level, desc, src)]
    for key, records in alerts.items():
        unordered = tuple(sorted([key[:2], key[2:]]))
        for r in records:
            per_conn[unordered].append(r + (key[:2],))
    for unordered in sorted(per_conn, key=str):
        if unordered not in conns:
            records = per_conn[unordered]
            tshark_only.append("%s %s:%d <-> %s:%d: %d alert records (frames %s)" % (
                name, unordered[0][0], unordered[0][1], unordered[1][0], unordered[1][1], len(records),
                " ".join(str(r[0]) for r in records[:6])))
    for unordered, e in sorted(conns.items(), key=str):
        records = sorted(per_conn.get(unordered, []))
        clear = [r for r in records if r[1] == "clear"]
        encrypted = [r for r in records if r[1] == "encrypted"]
        where = "%s %s:%d -> %s:%d" % (name, e["client"][0], e["client"][1], e["server"][0], e["server"][1])
        frames = " ".join(str(r[0]) for r in records[:8])
        for field, theirs, mine in (("alerts", len(clear), e["alerts"]),
                                    ("encrypted_alerts", len(encrypted), e["encrypted"])):
            totals[field][1] += 1
            if theirs == mine:
                totals[field][0] += 1
            else:
                examples[field].append("%s tshark %d netmeter %d (frames %s)" % (where, theirs, mine, frames))
        if clear or e["last"]:
            totals["last_alert"][1] += 1
            theirs = None
            if clear:
                _, _, level, desc, src = clear[-1]
                theirs = (LEVELS.get(level, ""), DESCRIPTIONS.get(desc, ""), src == e["server"])
            if theirs == e["last"]:
                totals["last_alert"][0] += 1
            else:
                examples["last_alert"].append("%s tshark %s netmeter %s" % (where, theirs, e["last"]))
    return True


def main():
    opts, captures = comparison_setup(__doc__, examples=20)
    totals = {f: [0, 0] for f in FIELD_NAMES}
    examples = defaultdict(list)
    tshark_only = []
    used = 0
    with tempfile.TemporaryDirectory() as workdir:
        env = tshark_environment(workdir)
        for name, path in captures:
            if compare_capture(name, path, opts, env, workdir, totals, examples, tshark_only):
                used += 1
    print("tshark_tls: %d captures with TLS, %d TLS connections" % (used, totals["alerts"][1]))
    failed = report_agreement(totals, RECORDED_AGREEMENT, examples, FIELD_NAMES, opts.examples)
    print("alert records on connections netmeter did not read as TLS: %d connections" % len(tshark_only))
    for entry in tshark_only[:opts.examples]:
        print("    " + entry)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
