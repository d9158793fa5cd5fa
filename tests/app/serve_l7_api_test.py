#!/usr/bin/env python3
"""The REST API of the L7 modules (dpi, dns, http, ssl, quic), the TCP and L7 columns of connection
lists, connection detail by id and alternative names in IP rows: `netmeter serve` on shared captures
(and on STARTTLS sessions written at run time), every figure cross-checked with `netmeter analyze
--json` on the same file.

Usage: serve_l7_api_test.py --netmeter BIN --shared DIR [--threads N]
"""
import argparse
import csv
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_api_test as base  # noqa: E402  (Server, analyze, all_pages)

M = "/API/stats/modules"


def key_of(c):
    """A connection's identity shared by the report (ns) and the API (us)."""
    start = c["start"] // 1000 if c["start"] > 10**17 else c["start"]
    return (c["clientIp"], c["clientPort"], c["serverIp"], c["serverPort"], c.get("l4Protocol", 6), start)


def check_timed_history(test, doc, timed, sum_, stats):
    """A server's counters carry (timed responses, their response times' sum in ns) at `timed` and
    `sum_`: all time they are the response-time statistics' count and count * average, and the
    history's points add up to them (the charts' average per point is sum / timed)."""
    test.assertEqual(doc["allTime"][timed], stats["count"])
    if stats["count"]:
        test.assertAlmostEqual(doc["allTime"][sum_] / doc["allTime"][timed], stats["avg"], delta=1)
    points = doc["history"]["values"]
    test.assertEqual(sum(p[timed] for p in points), doc["allTime"][timed])
    test.assertEqual(sum(p[sum_] for p in points), doc["allTime"][sum_])


class L7ApiTest(unittest.TestCase):
    CAPTURE = "ndpi/1kxun.pcap"  # DNS, HTTP, TLS, many nDPI protocols
    HTTP_TRANSACTIONS = ["--http-transactions", "3"]  # serve and analyze take the same option

    @classmethod
    def setUpClass(cls):
        path = os.path.join(base.ARGS.shared, "pcaps", cls.CAPTURE)
        cls.server = base.Server([path], base.ARGS.threads, cls.HTTP_TRANSACTIONS)
        cls.server.wait_finished()
        cls.report = base.analyze(path, base.ARGS.threads, cls.HTTP_TRANSACTIONS)
        first = cls.report["trace"]["firstPacket"] // 10**9
        cls.whole = {"starttime": first, "endtime": cls.report["trace"]["lastPacket"] // 10**9 + 1}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, path, params=None, status=200):
        return self.server.get(path, params, status=status)

    def error(self, path, params, status, parameter=None):
        doc = self.get(path, params, status=status)
        if parameter:
            self.assertEqual(doc.get("parameter"), parameter, doc)
        return doc

    def options(self, path):
        resp, body = self.server.request("OPTIONS", path)
        self.assertEqual(resp.status, 200, path)
        return base.json.loads(body)["subResources"]

    def test_tree(self):
        modules = self.get(M)["modules"]
        for name in ("dpi", "dns", "http", "ssl", "quic"):
            self.assertIn(name, modules)
            self.assertIn(name, self.options(M))
        self.assertEqual(self.options(M + "/dpi"), ["protocols"])
        self.assertIn(":protocol", self.options(M + "/dpi/protocols"))
        self.assertEqual(self.options(M + "/dns"), ["servers", "names"])
        self.assertEqual(self.options(M + "/http"), ["servers", "transactions"])
        self.assertEqual(self.options(M + "/ssl"), ["servers", "clients", "fingerprints"])
        self.assertIn(":port", self.options(M + "/ssl/servers/10.0.0.1"))
        self.assertIn("connections", self.options(M + "/ip"))
        sub = set(self.options(M + "/ip/ips/10.0.0.1"))
        self.assertTrue({"dns", "http", "httpTransactions", "ssl", "quic", "protocols"} <= sub, sub)

    # --- dpi ----------------------------------------------------------------------------------------
    def test_dpi_protocols(self):
        expected = {p["protocol"]: p for p in self.report["l7Protocols"]}
        rows, total = base.all_pages(self.server, M + "/dpi/protocols", {"sort": "bytes", "reverse": "true"})
        self.assertEqual(total, len(expected))
        values = [r["allTime"][1] for r in rows]
        self.assertEqual(values, sorted(values, reverse=True))
        for r in rows:
            e = expected[r["protocol"]]
            self.assertEqual((r["name"], r["allTime"], r["connections"]), (e["name"], e["allTime"], e["connections"]))
        overview = self.get(M + "/dpi")
        self.assertEqual(overview["classifiedConnections"] + overview["unclassifiedConnections"],
                         sum(p["connections"] for p in expected.values()))
        http = self.get(M + "/dpi/protocols/http", {"values": 5})  # by name, case-insensitive
        self.assertEqual(http["allTime"], expected[7]["allTime"])
        self.assertLessEqual(len(http["history"]["values"]), 5)
        self.assertEqual(self.get(M + "/dpi/protocols/7")["name"], "HTTP")
        self.error(M + "/dpi/protocols/NoSuchProtocol", None, 400, "protocol")
        unseen = next(i for i in range(1, overview["supportedProtocols"]) if i not in expected)
        self.error(M + "/dpi/protocols/%d" % unseen, None, 404)
        self.error(M + "/dpi/protocols", {"filter": "(ip == 1.2.3.4)"}, 400, "filter")
        names = [r["name"] for r in self.get(M + "/dpi/protocols", {"sort": "name", "count": 100})["displayedItems"]]
        self.assertEqual(names, sorted(names))
        # The IPs of one protocol, from the report's per-IP L7 table.
        per_ip = {r["ip"]: r for r in self.report["l7Ips"] if r["protocol"] == 7}
        rows, total = base.all_pages(self.server, M + "/dpi/protocols/HTTP/ips", {"sort": "ip"})
        self.assertEqual(total, len(per_ip))
        for r in rows:
            self.assertEqual((r["allTime"], r["connections"]), (per_ip[r["ip"]]["allTime"], per_ip[r["ip"]]["connections"]))

    def test_ip_protocols(self):
        busiest = max(self.report["ips"], key=lambda i: i["allTime"][1] + i["allTime"][3])["ip"]
        expected = {r["protocol"]: r for r in self.report["l7Ips"] if r["ip"] == busiest}
        rows, total = base.all_pages(self.server, M + "/ip/ips/%s/protocols" % busiest, {})
        self.assertEqual(total, len(expected))
        for r in rows:
            self.assertEqual((r["name"], r["allTime"], r["connections"]),
                             (expected[r["protocol"]]["name"], expected[r["protocol"]]["allTime"],
                              expected[r["protocol"]]["connections"]))
        conns = [c for c in self.report["connections"] if busiest in (c["clientIp"], c["serverIp"])]
        l4, _ = base.all_pages(self.server, M + "/ip/ips/%s/protocols" % busiest, {"layer": "l4"})
        self.assertEqual(sum(p["connections"] for p in l4), len(conns))
        self.error(M + "/ip/ips/%s/protocols" % busiest, {"layer": "l9"}, 400, "layer")

    # --- dns ----------------------------------------------------------------------------------------
    def test_dns(self):
        expected = {s["ip"]: s for s in self.report["dnsServers"]}
        rows, total = base.all_pages(self.server, M + "/dns/servers", {"sort": "requests", "reverse": "true"})
        self.assertEqual(total, len(expected))
        self.assertGreater(total, 0)
        for r in rows:
            e = expected[r["ip"]]
            self.assertEqual((r["allTime"], r["replyCodes"], r["queryTypes"], r["malformed"]),
                             (e["allTime"], e["replyCodes"], e["queryTypes"], e["malformed"]))
            self.assertEqual(r["responseTime"]["count"], e["responseTime"]["count"])
            self.assertAlmostEqual(r["responseTime"]["avg"], e["responseTime"]["avg"], delta=1)
        one = self.get(M + "/dns/servers/" + rows[0]["ip"], self.whole)
        self.assertEqual(one["allTime"], expected[rows[0]["ip"]]["allTime"])
        check_timed_history(self, one, 2, 3, one["responseTime"])
        self.error(M + "/dns/servers/1.2.3.4", None, 404)
        self.error(M + "/dns/servers/not-an-ip", None, 400, "ip")
        self.error(M + "/dns/servers", {"sort": "bogus"}, 400, "sort")
        tab = self.get(M + "/ip/ips/%s/dns" % rows[0]["ip"])
        self.assertEqual(tab["server"]["allTime"], expected[rows[0]["ip"]]["allTime"])
        # Resolved names: exactly the report's, and every name DNS resolved even when an HTTP Host
        # header or a TLS SNI asked for it later (pic.1kxun.com's address was then contacted by HTTP;
        # the alternative names say HTTP for it, the DNS module still knows it was resolved).
        learned = sorted((n["name"], h["ip"]) for h in self.report["dnsResolvedNames"] for n in h["names"])
        names, total = base.all_pages(self.server, M + "/dns/names", {"sort": "name"})
        self.assertEqual(sorted((n["name"], n["ip"]) for n in names), learned)
        self.assertIn(("pic.1kxun.com", "106.187.35.246"), learned)
        relearned = [(n["name"], h["ip"]) for h in self.report["hostNames"] for n in h["names"]
                     if n["source"] != "DNS" and (n["name"], h["ip"]) in learned]
        self.assertTrue(relearned, "no resolved name was later seen in HTTP or TLS: the check tests nothing")
        self.assertGreater(total, 0)
        some = names[0]
        tab = self.get(M + "/ip/ips/%s/dns" % some["ip"])
        self.assertIn(some["name"], [n["name"] for n in tab["resolvedNames"]])

    # --- http ---------------------------------------------------------------------------------------
    def test_http(self):
        expected = {s["ip"]: s for s in self.report["httpServers"]}
        rows, total = base.all_pages(self.server, M + "/http/servers", {"sort": "responseTime", "reverse": "true"})
        self.assertEqual(total, len(expected))
        avgs = [r["responseTime"]["avg"] for r in rows]
        self.assertEqual(avgs, sorted(avgs, reverse=True))
        for r in rows:
            e = expected[r["ip"]]
            self.assertEqual((r["allTime"], r["hostNames"], r["statusFamilies"], r["lastUrl"]),
                             (e["allTime"], e["hostNames"], e["statusFamilies"], e["lastUrl"]))
            self.assertEqual(r["responseTime"]["count"], e["responseTime"]["count"])
            self.assertEqual((r["responseTime"]["min"], r["responseTime"]["max"]),
                             (e["responseTime"]["min"], e["responseTime"]["max"]))
        ip = rows[0]["ip"]
        self.assertEqual(self.get(M + "/ip/ips/%s/http" % ip)["allTime"], expected[ip]["allTime"])
        one = self.get(M + "/http/servers/" + ip, self.whole)
        check_timed_history(self, one, 2, 3, one["responseTime"])
        client = next(i["ip"] for i in self.report["ips"] if i["ip"] not in expected)
        self.error(M + "/http/servers/" + client, None, 404)
        self.assertEqual(self.get(M + "/ip/ips/%s/http" % client)["requests"], 0)
        # Transactions per connection, JSON and CSV (last per connection, or all).
        http_conns = {key_of(c): c for c in self.report["connections"] if c.get("http")}
        rows, total = base.all_pages(self.server, M + "/http/transactions", {})
        self.assertEqual(total, len(http_conns))
        for r in rows:
            e = http_conns[key_of(r)]["http"]
            self.assertEqual([(t["method"], t["host"], t["url"], t["status"], t["responseTime"], t["requestTime"])
                              for t in r["transactions"]],
                             [(t["method"], t["host"], t["url"], t["status"], t["responseTime"],
                               t["requestTime"] // 1000) for t in e])
        kept = sum(len(c["http"]) for c in http_conns.values())
        self.assertTrue(any(len(c["http"]) == 3 for c in http_conns.values()))  # --http-transactions 3
        self.assertGreater(kept, total)  # so all=true has more lines than the last pair of each
        for every, lines in (("false", total), ("true", kept)):
            resp, body = self.server.get(M + "/http/transactions", {"csv": "true", "all": every})
            table = list(csv.reader(io.StringIO(body.decode())))
            self.assertEqual(table[0][:3], ["id", "clientIp", "clientPort"])
            self.assertEqual(len(table) - 1, lines)
        mine = [c for c in http_conns.values() if ip in (c["clientIp"], c["serverIp"])]
        doc = self.get(M + "/ip/ips/%s/httpTransactions" % ip)
        self.assertEqual(doc["totalItems"], len(mine))
        self.error(M + "/http/transactions", {"all": "maybe"}, 400, "all")

    def test_http_pairs_and_l7_response_time(self):
        """Responses the capture missed do not shift later pairs (tshark's http.request_in/http.time with
        http.desegment_body off), and a connection's l7ResponseTime is its longest HTTP response time."""
        rows, _ = base.all_pages(self.server, M + "/ip/globalConnections", {"sort": "start"})
        by_port = {r["clientPort"]: r for r in rows if r["serverIp"] in ("161.117.13.29", "14.136.136.108")}
        # 45422: frame 1162's response was not captured; 1292 -> 1301, 1308 -> 1320.
        self.assertEqual([(t["status"], t["responseTime"]) for t in by_port[45422]["http"]],
                         [(None, None), (200, 181164000), (200, 184081000)])
        self.assertEqual(by_port[45422]["l7ResponseTime"], 184081000)
        # 45380: seven transactions, the longest (frame 1151, 0.380 s) is not among the last three kept.
        self.assertEqual(by_port[45380]["l7ResponseTime"], 380392000)
        self.assertLess(max(t["responseTime"] for t in by_port[45380]["http"]), 380392000)
        # 49412: its last request is answered (1424 -> 1440), its longest is 1395 -> 1406.
        self.assertEqual(by_port[49412]["http"][-1]["responseTime"], 204604000)
        self.assertEqual(by_port[49412]["l7ResponseTime"], 224224000)
        server = self.get(M + "/http/servers/161.117.13.29")
        self.assertEqual(server["responseTime"]["max"], 380392000)  # tshark's largest http.time there
        # The column, its sort and the CSV agree with the report's l7ResponseTime.
        expected = {key_of(c): c.get("l7ResponseTime") for c in self.report["connections"]}
        for r in rows:
            self.assertEqual(r["l7ResponseTime"], expected[key_of(r)], r["id"])
        doc = self.get(M + "/ip/globalConnections", {"sort": "l7ResponseTime", "reverse": "true", "count": 3})
        self.assertEqual(doc["displayedItems"][0]["l7ResponseTime"],
                         max(v for v in expected.values() if v is not None))
        resp, body = self.server.get(M + "/ip/globalConnections/csv", {"csv": "true", "sort": "start"})
        table = list(csv.DictReader(io.StringIO(body.decode())))
        self.assertEqual([line["l7ResponseTime_ns"] for line in table],
                         ["" if r["l7ResponseTime"] is None else str(r["l7ResponseTime"]) for r in rows])

    # --- ssl ----------------------------------------------------------------------------------------
    def test_ssl(self):
        expected = {(s["ip"], s["port"]): s for s in self.report["tlsServers"]}
        rows, total = base.all_pages(self.server, M + "/ssl/servers", {"sort": "handshakes", "reverse": "true"})
        self.assertEqual(total, len(expected))
        self.assertGreater(total, 0)
        for r in rows:
            e = expected[(r["ip"], r["port"])]
            for k in ("allTime", "clientHellos", "announcedVersions", "announcedCipherSuites", "negotiated", "alerts",
                      "encryptedAlerts", "handshakeResponseTime", "firstDataResponseTime"):
                self.assertEqual(r[k], e[k], k)
            self.assertEqual(r["lastActivity"], e["lastActivity"] // 1000)  # us in the API, ns in the report
            self.assertEqual([(n["name"], n["count"]) for n in r["serverNames"]],
                             [(n["name"], n["count"]) for n in e["serverNames"]])
        r = rows[0]
        one = self.get(M + "/ssl/servers/%s/%d" % (r["ip"], r["port"]), self.whole)
        self.assertEqual(one["allTime"], r["allTime"])
        check_timed_history(self, one, 2, 3, one["handshakeResponseTime"])
        check_timed_history(self, one, 4, 5, one["firstDataResponseTime"])
        self.assertEqual(len(self.get(M + "/ssl/servers/" + r["ip"])["servers"]),
                         sum(1 for k in expected if k[0] == r["ip"]))
        self.error(M + "/ssl/servers/%s/99999" % r["ip"], None, 400, "port")
        self.error(M + "/ssl/servers/%s/1" % r["ip"], None, 404)
        tab = self.get(M + "/ip/ips/%s/ssl" % r["ip"])
        self.assertEqual(len(tab["asServer"]), sum(1 for k in expected if k[0] == r["ip"]))
        # tshark: the four connections to 192.168.115.75:443 each end with the server's encrypted alert
        # (frames 611, 783, 926, 1004), after the handshake; the alerts sort counts them.
        top = self.get(M + "/ssl/servers", {"sort": "alerts", "reverse": "true", "count": 1})["displayedItems"][0]
        self.assertEqual((top["ip"], top["port"], top["encryptedAlerts"], top["alerts"]), ("192.168.115.75", 443, 4, []))
        self.assertEqual(self.get(M + "/ip/ips/192.168.115.75/ssl")["asServer"][0]["encryptedAlerts"], 4)
        clients = {c["ip"]: c for c in self.report["tlsClients"]}
        rows, total = base.all_pages(self.server, M + "/ssl/clients", {"sort": "ip"})
        self.assertEqual(total, len(clients))
        for c in rows:
            e = clients[c["ip"]]
            self.assertEqual((c["allTime"], c["fingerprints"], c["negotiated"]),
                             (e["allTime"], e["fingerprints"], e["negotiated"]))
        client = rows[0]["ip"]
        self.assertEqual(self.get(M + "/ip/ips/%s/ssl" % client)["asClient"]["fingerprints"],
                         clients[client]["fingerprints"])
        prints, _ = base.all_pages(self.server, M + "/ssl/fingerprints", {})
        self.assertEqual(sum(p["clientHellos"] for p in prints),
                         sum(f["count"] for c in clients.values() for f in c["fingerprints"]))
        ja4 = prints[0]["ja4"]
        doc = self.get(M + "/ssl/clients", {"filter": ja4})
        self.assertEqual(doc["totalItems"], prints[0]["clientCount"])

    # --- connections: L7, TCP, TLS columns and detail ------------------------------------------------
    def test_connection_columns_and_detail(self):
        expected = {key_of(c): c for c in self.report["connections"]}
        rows, total = base.all_pages(self.server, M + "/ip/globalConnections", {"sort": "start"})
        self.assertEqual(total, len(expected))
        tcp = tls = 0
        for r in rows:
            e = expected[key_of(r)]
            self.assertEqual(r["l7Protocol"], e["l7Protocol"])
            self.assertEqual(r["tcp"], e.get("tcp"))  # the same TCP health figures
            self.assertEqual(r.get("tls"), e.get("tls"))
            self.assertEqual(r.get("dns"), e.get("dns"))
            tcp += r["tcp"] is not None
            tls += "tls" in r
            if "tls" in r and r["tls"].get("sni"):
                self.assertEqual(r["serverName"], r["tls"]["sni"])
        self.assertGreater(tcp, 0)
        self.assertGreater(tls, 0)
        # Sorting by a TCP column.
        doc = self.get(M + "/ip/globalConnections", {"sort": "handshake", "reverse": "true", "count": 5})
        hs = [r["tcp"]["handshakeNs"] for r in doc["displayedItems"]]
        self.assertEqual(hs, sorted(hs, reverse=True))
        self.assertEqual(hs[0], max(c["tcp"]["handshakeNs"] or 0 for c in self.report["connections"] if c.get("tcp")))
        # CSV: the same rows with the TCP and L7 columns.
        resp, body = self.server.get(M + "/ip/globalConnections/csv", {"csv": "true", "sort": "start"})
        table = list(csv.DictReader(io.StringIO(body.decode())))
        self.assertEqual(len(table), total)
        for line, r in zip(table, rows):
            self.assertEqual(line["id"], r["id"])
            self.assertEqual(line["l7Protocol"], r["l7Protocol"])
            if r["tcp"]:
                self.assertEqual(int(line["clientTcpRetransmittedBytes"]), r["tcp"]["client"]["retransmittedBytes"])
                mss = r["tcp"]["server"]["mss"]  # null without the server's SYN
                self.assertEqual(line["serverTcpMss"], "" if mss is None else str(mss))
        # Detail by id: the row plus history and the endpoints' alternative names.
        row = next(r for r in rows if "tls" in r)
        detail = self.get(M + "/ip/connections/" + row["id"], {"values": 10})
        for k in ("clientIp", "serverPort", "allTime", "tcp", "tls", "l7Protocol", "serverName"):
            self.assertEqual(detail[k], row[k], k)
        self.assertIn("history", detail)
        self.assertIsInstance(detail["serverAlternativeNames"], list)
        self.error(M + "/ip/connections/0-0-999999999", None, 404)
        self.error(M + "/ip/connections/x-1", None, 400, "id")
        self.error(M + "/ip/globalConnections", {"sort": "nonsense"}, 400, "sort")

    # --- alternative names in IP rows ----------------------------------------------------------------
    def test_alternative_names(self):
        names = {h["ip"]: [n["name"] for n in h["names"]] for h in self.report["hostNames"]}
        ip, their = next((ip, n) for ip, n in sorted(names.items()) if n)
        doc = self.get(M + "/ip/ips/" + ip)
        self.assertEqual(sorted(doc["alternativeNames"]), sorted(their))
        needle = their[0][2:9]
        doc = self.get(M + "/ip/ips_paged", {"filter": needle, "count": 100})
        found = {r["ip"] for r in doc["displayedItems"]}
        self.assertIn(ip, found)
        for r in doc["displayedItems"]:
            self.assertTrue(needle in r["ip"] or any(needle in n for n in r["alternativeNames"]), r)
        self.assertEqual(doc["totalItems"], sum(1 for i in self.report["ips"]
                                                if needle in i["ip"] or any(needle in n for n in names.get(i["ip"], []))))
        peers = self.get(M + "/ip/ips/%s/peers" % ip, {"count": 100})["displayedItems"]
        self.assertTrue(all("alternativeNames" in p for p in peers))


class QuicApiTest(unittest.TestCase):
    def test_quic_servers(self):
        path = os.path.join(base.ARGS.shared, "pcaps", "ndpi", "quic-v2.pcapng")
        server = base.Server([path], base.ARGS.threads)
        try:
            server.wait_finished()
            report = base.analyze(path, base.ARGS.threads)
            whole = {"starttime": report["trace"]["firstPacket"] // 10**9,
                     "endtime": report["trace"]["lastPacket"] // 10**9 + 1}
            expected = {(s["ip"], s["port"]): s for s in report["quicServers"]}
            doc = server.get(M + "/quic/servers", {"count": 100})
            self.assertEqual(doc["totalItems"], len(expected))
            self.assertGreater(len(expected), 0)
            for r in doc["displayedItems"]:
                e = expected[(r["ip"], r["port"])]
                for k in ("allTime", "versions", "negotiatedCipherSuites", "handshakeResponseTime", "decryptFailures"):
                    self.assertEqual(r[k], e[k], k)
                self.assertEqual([n["name"] for n in r["serverNames"]], [n["name"] for n in e["serverNames"]])
                one = server.get(M + "/quic/servers/%s/%d" % (r["ip"], r["port"]), whole)
                self.assertEqual(one["allTime"], r["allTime"])
                check_timed_history(self, one, 2, 3, one["handshakeResponseTime"])
                self.assertEqual(len(server.get(M + "/ip/ips/%s/quic" % r["ip"])["servers"]), 1)
            quic = [c for c in report["connections"] if "quic" in c]
            rows = server.get(M + "/ip/globalConnections", {"count": 100})["displayedItems"]
            self.assertEqual(sorted(str(r["quic"]) for r in rows if "quic" in r), sorted(str(c["quic"]) for c in quic))
        finally:
            server.stop()


class GoogleQuicApiTest(unittest.TestCase):
    """Google QUIC (ndpi/quic046.pcap: one Q046 connection whose cleartext CHLO names i.ytimg.com)."""

    def test_gquic_connection_server_and_names(self):
        path = os.path.join(base.ARGS.shared, "pcaps", "ndpi", "quic046.pcap")
        server = base.Server([path], base.ARGS.threads)
        try:
            server.wait_finished()
            rows = server.get(M + "/quic/servers", {"count": 100})["displayedItems"]
            self.assertEqual(len(rows), 1)
            self.assertEqual((rows[0]["ip"], rows[0]["port"]), ("216.58.206.86", 443))
            self.assertEqual(rows[0]["versions"], [{"version": "Q046", "count": 1}])
            self.assertEqual([n["name"] for n in rows[0]["serverNames"]], ["i.ytimg.com"])
            self.assertEqual(rows[0]["connections"], 1)
            conns = [r for r in server.get(M + "/ip/globalConnections", {"count": 100})["displayedItems"] if "quic" in r]
            self.assertEqual(len(conns), 1)
            self.assertEqual(conns[0]["quic"], {"version": "Q046", "sni": "i.ytimg.com",
                                                "userAgent": "Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64",
                                                "decryptFailures": 0})
            self.assertEqual(conns[0]["serverName"], "i.ytimg.com")
            self.assertIn("i.ytimg.com", server.get(M + "/ip/ips/216.58.206.86")["alternativeNames"])
            # No TLS ClientHello in gQUIC: the client is not a TLS client.
            clients = server.get(M + "/ssl/clients", {"count": 100})["displayedItems"]
            self.assertNotIn("192.168.1.236", [c["ip"] for c in clients])
        finally:
            server.stop()


class StartTlsApiTest(unittest.TestCase):
    """TLS after STARTTLS: the sessions tests/correctness/starttls_trace.py writes (SMTP, IMAP, POP3,
    FTP around the TLS of two shared captures; no shared capture has STARTTLS)."""

    def test_starttls_connections(self):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "correctness"))
        import starttls_trace  # noqa: E402
        import tempfile
        packets, sessions = starttls_trace.sessions(base.ARGS.shared)
        with tempfile.TemporaryDirectory() as workdir:
            path = os.path.join(workdir, "starttls.pcap")
            starttls_trace.write_pcap(path, packets)
            server = base.Server([path], base.ARGS.threads)
            try:
                server.wait_finished()
                report = base.analyze(path, base.ARGS.threads)
                expected = {key_of(c): c for c in report["connections"]}
                rows, total = base.all_pages(server, M + "/ip/globalConnections", {"sort": "start"})
                self.assertEqual(total, len(sessions))
                for r in rows:
                    e = expected[key_of(r)]
                    protocol = next(p for p, port, _ in sessions if port == r["clientPort"])
                    self.assertEqual(r["starttls"], {"protocol": protocol, "upgraded": True})
                    self.assertEqual(r["starttls"], e["starttls"])
                    self.assertEqual(r["tls"], e["tls"])
                    self.assertEqual(r["serverName"], r["tls"]["sni"])
                detail = server.get(M + "/ip/connections/" + rows[0]["id"])
                self.assertEqual(detail["starttls"], rows[0]["starttls"])
                resp, body = server.get(M + "/ip/globalConnections/csv", {"csv": "true", "sort": "start"})
                table = list(csv.DictReader(io.StringIO(body.decode())))
                self.assertEqual([line["metadata"] for line in table],
                                 [r["starttls"]["protocol"] + " STARTTLS" for r in rows])
                self.assertEqual([line["tlsNegotiatedVersion"] for line in table],
                                 [r["tls"]["negotiatedVersion"] for r in rows])
                # The servers' TLS records are keyed by their own IP:port; the SNI names them.
                ssl = server.get(M + "/ssl/servers", {"count": 100})
                self.assertEqual(sorted((s["ip"], s["port"]) for s in ssl["displayedItems"]),
                                 sorted((r["serverIp"], r["serverPort"]) for r in rows))
                named = [r for r in rows if r["tls"]["sni"]]
                self.assertGreater(len(named), 0)
                for r in named:
                    self.assertIn(r["tls"]["sni"], server.get(M + "/ip/ips/" + r["serverIp"])["alternativeNames"])
            finally:
                server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netmeter", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args, rest = parser.parse_known_args()
    base.ARGS = args
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
