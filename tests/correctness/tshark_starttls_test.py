#!/usr/bin/env python3
"""TLS after STARTTLS (SMTP, IMAP, POP3, FTP): netmeter versus tshark, on sessions made at run time.

No capture in ../shared has a STARTTLS upgrade (tshark -Y 'smtp.req.command == "STARTTLS" or
imap.request.command == "STARTTLS" or pop.request.command == "STLS" or ftp.request.command == "AUTH'
finds none), so starttls_trace.py writes one into a temporary folder: 8 sessions, SMTP (with a
refused STARTTLS before the accepted one), IMAP, POP3 and FTP, each carrying the TLS of
zeek/traces/tls/tls1.2.pcap and of ndpi/443-curl.pcap byte for byte. tshark follows STARTTLS on the
standard ports itself. On that capture this test runs

  tshark_handshake_test's comparison: SNI, ALPN, versions, cipher suites, JA3, negotiated version
      and cipher suite, handshake response time of every ClientHello tshark dissects;
  tshark_tls_test's comparison: cleartext and encrypted alert records per connection;

and requires every field to agree on all 8 sessions (tshark must see 8 ClientHellos, netmeter read
none that tshark did not), and every connection's "starttls" object to name its protocol with
"upgraded": true.

Exit status: 0 pass, 1 a disagreement, 77 (ctest SKIP) without tshark or the shared captures,
2 usage errors.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections import defaultdict

import starttls_trace
import tshark_handshake_test as handshake
import tshark_tls_test as alerts
from shared_captures import DEFAULT_SHARED, SKIP_RETURN_CODE, report_agreement, tshark_environment


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netmeter", required=True)
    ap.add_argument("--shared", default=DEFAULT_SHARED, help="the shared folder (default: %(default)s)")
    ap.add_argument("--tshark", default=shutil.which("tshark"))
    ap.add_argument("--keep", help="also write the generated capture here")
    opts = ap.parse_args()
    if not opts.tshark:
        print("tshark not installed: skipped")
        return SKIP_RETURN_CODE
    if not os.path.exists(opts.netmeter):
        print("netmeter binary not found: %s" % opts.netmeter)
        return 2
    sources = [os.path.join(opts.shared, "pcaps", s) for s, _ in starttls_trace.TLS_SOURCES]
    if not all(os.path.exists(s) for s in sources):
        print("the TLS sources are not under %s/pcaps: skipped" % opts.shared)
        return SKIP_RETURN_CODE
    packets, sessions = starttls_trace.sessions(opts.shared)
    failed = False
    with tempfile.TemporaryDirectory() as workdir:
        name = "starttls.pcap"
        capture = os.path.join(workdir, name)
        starttls_trace.write_pcap(capture, packets)
        if opts.keep:
            shutil.copyfile(capture, opts.keep)
        env = tshark_environment(workdir)

        _, totals, examples, netmeter_only, notes = handshake.compare_capture(name, capture, opts, env, workdir)
        for note in notes:
            print("  " + note)
        fields = [f for f in handshake.FIELD_NAMES if f.startswith("tcp ")]
        print("handshakes: %d sessions, %d ClientHellos in tshark" % (len(sessions), totals["tcp client_hello"][1]))
        failed |= report_agreement(totals, {f: 1.0 for f in fields}, examples, fields, 20)
        if totals["tcp client_hello"][1] != len(sessions):
            print("  tshark dissected %d ClientHellos, expected %d" % (totals["tcp client_hello"][1], len(sessions)))
            failed = True
        for entry in netmeter_only:
            print("  netmeter only: " + entry)
            failed = True

        alert_totals = {f: [0, 0] for f in alerts.FIELD_NAMES}
        alert_examples, tshark_only = defaultdict(list), []
        alerts.compare_capture(name, capture, opts, env, workdir, alert_totals, alert_examples, tshark_only)
        print("alerts: %d connections read as TLS" % alert_totals["alerts"][1])
        failed |= report_agreement(alert_totals, {f: 1.0 for f in alerts.FIELD_NAMES}, alert_examples,
                                   alerts.FIELD_NAMES, 20)
        if alert_totals["alerts"][1] != len(sessions):
            print("  netmeter read %d connections as TLS, expected %d" % (alert_totals["alerts"][1], len(sessions)))
            failed = True
        for entry in tshark_only:
            print("  tshark only: " + entry)
            failed = True

        with open(os.path.join(workdir, name + ".json")) as f:
            report = json.load(f)
        by_port = {c["clientPort"]: c for c in report["connections"]}
        for protocol, port, source in sessions:
            c = by_port.get(port, {})
            expected = {"protocol": protocol, "upgraded": True}
            status = "ok" if c.get("starttls") == expected else "MISMATCH"
            print("  %-4s %-28s starttls %s, l7Protocol (nDPI) %s: %s" % (
                protocol, source, c.get("starttls"), c.get("l7Protocol"), status))
            failed |= status != "ok"
    print("tshark_starttls: %s" % ("FAIL" if failed else "pass"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
