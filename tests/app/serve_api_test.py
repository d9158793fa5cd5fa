#!/usr/bin/env python3
"""The REST API suite: starts `netmeter serve` on captures from ../shared/pcaps and checks paths,
OPTIONS trees, shapes, paging, sorting, filtering, CSV, errors and auth, cross-checking every figure
it can with `netmeter analyze --json` on the same file.

Usage: serve_api_test.py --netmeter BIN --shared DIR [--threads N]
"""
import argparse
import base64
import csv
import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

ARGS = None
PASSWORD = "api-test-secret"


class Server:
    """A `netmeter serve` process on an ephemeral loopback port with its own state directory."""

    def __init__(self, files, threads, extra=()):
        self.state = tempfile.TemporaryDirectory(prefix="netmeter-api-")
        env = dict(os.environ, NETMETER_ADMIN_PASSWORD=PASSWORD)
        cmd = [ARGS.netmeter, "serve", "--listen", "127.0.0.1:0", "--state", self.state.name,
               "--threads", str(threads)]
        for f in files:
            cmd += ["--pcap", f]
        cmd += list(extra)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        self.lines = []
        self.finished = threading.Event()
        line = self.proc.stdout.readline()
        m = re.search(r"serving (https?)://[^:]+:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("serve did not print its URL: %r %s" % (line, self.proc.stderr.read()))
        self.port = int(m.group(2))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if "analysis finished" in line:
                self.finished.set()

    def wait_finished(self, timeout=120):
        if not self.finished.wait(timeout):
            raise RuntimeError("analysis did not finish")

    def request(self, method, path, params=None, user="admin", password=PASSWORD, headers=None):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        h = dict(headers or {})
        if user is not None:
            h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, headers=h)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp, body

    def get(self, path, params=None, status=200, **kw):
        resp, body = self.request("GET", path, params, **kw)
        if resp.status != status:
            raise AssertionError("GET %s %s: %d %s" % (path, params, resp.status, body[:300]))
        if resp.getheader("Content-Type", "").startswith("application/json"):
            return json.loads(body)
        return resp, body

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.state.cleanup()


def analyze(path, threads, extra=()):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([ARGS.netmeter, "analyze", path, "--quiet", "--threads", str(threads), "--json", out.name,
                        *extra], check=False, stdout=subprocess.DEVNULL)
        with open(out.name) as f:
            return json.load(f)


def all_pages(server, path, params, count=100):
    rows, page = [], 0
    while True:
        doc = server.get(path, dict(params, page=page, count=count))
        rows += doc["displayedItems"]
        if len(doc["displayedItems"]) < count:
            return rows, doc["totalItems"]
        page += 1


class ServeApiTest(unittest.TestCase):
    CAPTURE = "ndpi/1kxun.pcap"

    @classmethod
    def setUpClass(cls):
        cls.path = os.path.join(ARGS.shared, "pcaps", cls.CAPTURE)
        cls.server = Server([cls.path], ARGS.threads)
        cls.server.wait_finished()
        cls.report = analyze(cls.path, ARGS.threads)
        first = cls.report["trace"]["firstPacket"] // 10**9
        last = cls.report["trace"]["lastPacket"] // 10**9
        # The whole trace as the web UI asks for it. The capture spans six years: its history older
        # than an hour is rolled up into 1-minute and 1-hour buckets, which an interval counts in
        # proportion to its overlap, except where it reaches back to the trace's first second.
        cls.first, cls.last = first, last
        cls.whole = {"starttime": first, "endtime": last + 1}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # --- tree -------------------------------------------------------------------------------------
    def options(self, path):
        resp, body = self.server.request("OPTIONS", path)
        self.assertEqual(resp.status, 200, path)
        return json.loads(body)["subResources"]

    def test_options_tree(self):
        self.assertTrue({"modules", "time", "interfaces", "load", "processing"} <= set(self.options("/API/stats")))
        modules = set(self.options("/API/stats/modules"))
        self.assertTrue({"ip", "mac", "vlan", "l4_ports", "packet_size", "mac_protocols", "qos"} <= modules, modules)
        self.assertEqual(set(self.server.get("/API/stats/modules")["modules"]) - modules, set())
        self.assertTrue({"ips_paged", "ips", "globalConnections"} <= set(self.options("/API/stats/modules/ip")))
        self.assertIn(":ip", self.options("/API/stats/modules/ip/ips"))
        sub = set(self.options("/API/stats/modules/ip/ips/10.0.0.1"))
        self.assertTrue({"connections", "peers", "protocols", "macs", "ports", "qos", "peers_ports"} <= sub, sub)

    def test_unknown_path_is_404_json(self):
        resp, body = self.server.request("GET", "/API/stats/modules/nope")
        self.assertEqual(resp.status, 404)
        self.assertIn("error", json.loads(body))

    # --- auth -------------------------------------------------------------------------------------
    def test_auth(self):
        resp, _ = self.server.request("GET", "/API/stats/time", user=None)
        self.assertEqual(resp.status, 401)
        resp, _ = self.server.request("GET", "/API/stats/time", password="wrong")
        self.assertEqual(resp.status, 401)
        # A read-only user reads statistics but may not manage users.
        body = json.dumps({"name": "reader", "password": "reader-password-1", "role": "read-only"})
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        auth = base64.b64encode(("admin:" + PASSWORD).encode()).decode()
        conn.request("POST", "/API/system/users", body=body,
                     headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        self.assertIn(r.status, (200, 201, 409))
        self.server.get("/API/stats/time", user="reader", password="reader-password-1")
        resp, _ = self.server.request("GET", "/API/system/users", user="reader", password="reader-password-1")
        self.assertEqual(resp.status, 403)

    # --- time, processing, interfaces -----------------------------------------------------------
    def test_time_and_processing(self):
        t = self.server.get("/API/stats/time")
        self.assertEqual(t["currentTime"], self.report["trace"]["lastPacket"] // 10**6)
        p = self.server.get("/API/stats/processing")
        self.assertEqual(p["state"], "finished")
        self.assertEqual(p["packets"], self.report["trace"]["packets"])
        self.assertEqual(p["errors"], [])
        self.assertEqual(p["ipReassembly"], self.report["trace"]["ipReassembly"])
        self.assertEqual(set(p["ipReassembly"]), {"fragments", "datagrams", "incomplete", "evicted", "malformed",
                                                  "notCaptured"})
        load = self.server.get("/API/stats/load")
        self.assertEqual(load["workerThreads"], ARGS.threads)

    def test_interval_from_the_first_second_counts_rolled_up_buckets_whole(self):
        tcp = self.server.get("/API/stats/modules/tcp", self.whole)
        self.assertEqual(tcp["interval"], self.report["tcp"]["global"]["allTime"])
        # Starting a second later, the first hour's bucket counts in proportion to its overlap.
        later = self.server.get("/API/stats/modules/tcp", dict(self.whole, starttime=self.first + 1))
        payload = tcp["counters"].index("payloadBytes")
        self.assertLess(later["interval"][payload], tcp["interval"][payload])
        self.assertGreater(later["interval"][payload], 0)
        # The same in the report of `netmeter analyze` with a window (the whole trace by default).
        windowed = analyze(self.path, ARGS.threads, ["--values", "5"])
        self.assertEqual(windowed["tcp"]["global"]["interval"], windowed["tcp"]["global"]["allTime"])
        self.assertEqual([ip["interval"] for ip in windowed["ips"]], [ip["allTime"] for ip in windowed["ips"]])

    def test_ip_tcp_stats(self):
        tcp = {r["ip"]: r for r in self.report["tcp"]["ips"]}
        ip = next(r["ip"] for r in self.report["tcp"]["ips"] if r["asClient"]["connections"] or r["asServer"]["connections"])
        doc = self.server.get("/API/stats/modules/ip/ips/%s/tcpStats" % ip, self.whole)
        self.assertEqual(doc["allTime"], tcp[ip]["allTime"])
        for role in ("asClient", "asServer"):  # the report has a few more fields
            self.assertEqual(doc[role], {k: tcp[ip][role][k] for k in doc[role]}, role)
        # An address seen without TCP (168.95.1.1: DNS over UDP) has zero TCP statistics, not a 404.
        udp_only = "168.95.1.1"
        self.assertIn(udp_only, {r["ip"] for r in self.report["ips"]})
        self.assertNotIn(udp_only, tcp)
        doc = self.server.get("/API/stats/modules/ip/ips/%s/tcpStats" % udp_only, self.whole)
        self.assertEqual(doc["allTime"], [0] * len(doc["counters"]))
        self.assertEqual((doc["asClient"]["connections"], doc["asServer"]["connections"]), (0, 0))
        self.assertIsNone(doc["asServer"]["handshakeAvgNs"])
        err = self.server.get("/API/stats/modules/ip/ips/192.0.2.77/tcpStats", status=404)
        self.assertIn("192.0.2.77", err["error"])
        err = self.server.get("/API/stats/modules/ip/ips/not-an-ip/tcpStats", status=400)
        self.assertEqual(err["parameter"], "ip")

    def test_ips_tcp_columns(self):
        """The IP table's TCP columns (handshake and data response time, payload and retransmissions)
        equal each IP's tcpStats, sort by those figures and are in the CSV."""
        tcp = {r["ip"]: r for r in self.report["tcp"]["ips"]}
        def avg(sum_, count):
            return sum_ / count if count else None
        for sort in ("retransmissions", "handshake", "dataResponseTime", "tcpPayload", "retransmissionPercent"):
            rows, total = all_pages(self.server, "/API/stats/modules/ip/ips_paged", {"sort": sort, "reverse": "true"})
            self.assertEqual(total, len(self.report["ips"]))
            for r in rows:
                if r["ip"] not in tcp:
                    self.assertIsNone(r["tcp"], r["ip"])
                    continue
                c = dict(zip(self.report["tcp"]["counters"], tcp[r["ip"]]["allTime"]))
                self.assertEqual(r["tcp"]["payloadBytes"], c["payloadBytes"], r["ip"])
                self.assertEqual(r["tcp"]["retransmittedBytes"], c["retransmittedBytes"], r["ip"])
                self.assertEqual(r["tcp"]["handshakeAvgNsAsClient"], avg(c["handshakeNsAsClient"], c["handshakesAsClient"]))
                self.assertEqual(r["tcp"]["handshakeAvgNsAsServer"], avg(c["handshakeNsAsServer"], c["handshakesAsServer"]))
                self.assertEqual(r["tcp"]["dataResponseAvgNs"], avg(c["dataResponseNs"], c["dataResponses"]))
            def key(r):
                t = r["tcp"] or {}
                none = -1
                return {"retransmissions": t.get("retransmittedBytes", 0), "tcpPayload": t.get("payloadBytes", 0),
                        "retransmissionPercent": t.get("retransmissionPercent", 0.0),
                        "dataResponseTime": t.get("dataResponseAvgNs") or none,
                        "handshake": max(t.get("handshakeAvgNsAsClient") or none, t.get("handshakeAvgNsAsServer") or none)}[sort]
            values = [key(r) for r in rows]
            self.assertEqual(values, sorted(values, reverse=True), sort)
            self.assertGreater(values[0], 0, sort)
        top = self.server.get("/API/stats/modules/ip/ips_paged", {"sort": "retransmissions", "reverse": "true", "count": 1})
        ip = top["displayedItems"][0]["ip"]
        stats = self.server.get("/API/stats/modules/ip/ips/%s/tcpStats" % ip)
        self.assertEqual(top["displayedItems"][0]["tcp"]["retransmittedBytes"], stats["retransmittedBytes"])
        self.assertEqual(self.server.get("/API/stats/modules/ip/ips/%s" % ip)["tcp"], top["displayedItems"][0]["tcp"])
        _, body = self.server.get("/API/stats/modules/ip/ips_paged", {"csv": "true", "sort": "retransmissions", "reverse": "true"})
        lines = list(csv.DictReader(io.StringIO(body.decode())))
        self.assertEqual(lines[0]["ip"], ip)
        self.assertEqual(int(lines[0]["tcpRetransmittedBytes"]), stats["retransmittedBytes"])

    def test_interfaces(self):
        doc = self.server.get("/API/stats/interfaces")
        self.assertEqual([i["allTime"] for i in doc["displayedItems"]],
                         [i["allTime"] for i in self.report["interfaces"]])

    # --- IP list ----------------------------------------------------------------------------------
    def test_ips_paged_matches_analyze(self):
        rows, total = all_pages(self.server, "/API/stats/modules/ip/ips_paged", {"sort": "ip"})
        expected = {ip["ip"]: ip for ip in self.report["ips"]}
        self.assertEqual(total, len(expected))
        self.assertEqual(len(rows), total)
        self.assertEqual(len({r["ip"] for r in rows}), total, "every IP exactly once over the pages")
        for r in rows:
            e = expected[r["ip"]]
            self.assertEqual(r["allTime"][:4], e["allTime"], r["ip"])
            self.assertEqual(r["tcpPackets"], e["tcpPackets"])
            self.assertEqual(r["peers"], e["peers"])
            self.assertEqual(r["firstActivity"], e["firstActivity"] // 1000)

    def test_ips_sorting(self):
        doc = self.server.get("/API/stats/modules/ip/ips_paged", {"sort": "bytes", "reverse": "true", "count": 100})
        values = [r["allTime"][1] + r["allTime"][3] for r in doc["displayedItems"]]
        self.assertEqual(values, sorted(values, reverse=True))
        top = max(ip["allTime"][1] + ip["allTime"][3] for ip in self.report["ips"])
        self.assertEqual(values[0], top)
        doc = self.server.get("/API/stats/modules/ip/ips_paged", {"sort": "txbytes", "reverse": "false"})
        values = [r["allTime"][3] for r in doc["displayedItems"]]
        self.assertEqual(values, sorted(values))
        # With an interval, bytes sort by the interval's sums, which equal all time for the whole trace.
        doc = self.server.get("/API/stats/modules/ip/ips_paged", dict(self.whole, sort="bps", reverse="true"))
        for r in doc["displayedItems"]:
            self.assertEqual(r["interval"], r["allTime"])
        values = [r["intervalPerSecond"][1] + r["intervalPerSecond"][3] for r in doc["displayedItems"]]
        self.assertEqual(values, sorted(values, reverse=True))

    def test_ranking_index_pages_equal_the_shard_scan(self):
        # Unfiltered pages of the default time selection sorted by a traffic column come from the ranking
        # index once the server has built it in the background (header X-Netmeter-Ranking: index); a
        # filter that keeps every IP makes the list visit the shards. Both must give the same page.
        keep_all = "(ip != 255.255.255.254)"
        for sort, reverse, page, count in (("bytes", "true", 0, 100), ("bytes", "false", 1, 7), ("rxpackets", "true", 0, 50),
                                           ("txbps", "true", 0, 20), ("pps", "false", 2, 10), ("packets", "true", 0, 100)):
            params = {"sort": sort, "reverse": reverse, "page": page, "count": count}
            resp, body = self.server.request("GET", "/API/stats/modules/ip/ips_paged", dict(params, filter=keep_all))
            self.assertEqual(resp.status, 200)
            self.assertIsNone(resp.getheader("X-Netmeter-Ranking"))
            scanned = json.loads(body)
            deadline = time.time() + 20
            while True:
                resp, body = self.server.request("GET", "/API/stats/modules/ip/ips_paged", params)
                if resp.getheader("X-Netmeter-Ranking") == "index" or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(resp.getheader("X-Netmeter-Ranking"), "index", "no ranking index after 20 s")
            ranked = json.loads(body)
            self.assertEqual(ranked["totalItems"], scanned["totalItems"], params)
            self.assertEqual(ranked["displayedItems"], scanned["displayedItems"], params)
            self.assertEqual((ranked["starttime"], ranked["endtime"]), (scanned["starttime"], scanned["endtime"]))

    def test_ips_filters(self):
        some = sorted(ip["ip"] for ip in self.report["ips"] if ip["ip"].count(".") == 3)[0]
        prefix = some.rsplit(".", 1)[0] + "."
        rows, total = all_pages(self.server, "/API/stats/modules/ip/ips_paged", {"filter": prefix})
        self.assertEqual(total, sum(1 for ip in self.report["ips"] if prefix in ip["ip"]))
        self.assertTrue(all(prefix in r["ip"] for r in rows))
        doc = self.server.get("/API/stats/modules/ip/ips_paged", {"filter": "(ip == %s)" % some})
        self.assertEqual([r["ip"] for r in doc["displayedItems"]], [some])
        doc = self.server.get("/API/stats/modules/ip/ips_paged", {"filter": "(ip == %s/16)" % some})
        net = some.split(".")[:2]
        self.assertEqual(doc["totalItems"], sum(1 for ip in self.report["ips"] if ip["ip"].split(".")[:2] == net))

    def test_bad_parameters_name_themselves(self):
        cases = [({"count": 0}, "count"), ({"count": "all"}, "count"), ({"sort": "bogus"}, "sort"), ({"page": -1}, "page"),
                 ({"reverse": "maybe"}, "reverse"), ({"filter": "(ip == )"}, "filter"),
                 ({"starttime": 100, "endtime": 50}, "endtime"), ({"values": "x"}, "values")]
        for params, name in cases:
            resp, body = self.server.request("GET", "/API/stats/modules/ip/ips_paged", params)
            self.assertEqual(resp.status, 400, params)
            doc = json.loads(body)
            self.assertEqual(doc.get("parameter"), name, doc)
        # The reference's own example asks for count=9999 (its maximum is 100): 100 rows, not an error.
        some = self.report["ips"][0]["ip"]
        doc = self.server.get("/API/stats/modules/ip/ips/%s/peers" % some,
                              {"sort": "bytes", "reverse": "true", "page": 0, "count": 9999, "timespan": 60, "values": 100})
        self.assertEqual(doc["count"], 100)
        self.assertEqual(len(doc["displayedItems"]), min(100, doc["totalItems"]))
        doc = self.server.get("/API/stats/modules/ip/ips_paged", {"count": 101})
        self.assertEqual((doc["count"], len(doc["displayedItems"])), (100, min(100, doc["totalItems"])))
        resp, body = self.server.request("GET", "/API/stats/modules/ip/ips/not-an-ip")
        self.assertEqual(resp.status, 400)
        self.assertEqual(json.loads(body)["parameter"], "ip")
        resp, _ = self.server.request("GET", "/API/stats/modules/ip/ips/203.0.113.254")
        self.assertEqual(resp.status, 404)
        doc = json.loads(self.server.request("GET", "/API/stats/modules/ip/ips_paged", {"filter": "(ip == 1.2.3"})[1])
        self.assertIn("position", doc["error"])

    def test_ips_csv_is_whole_table(self):
        resp, body = self.server.get("/API/stats/modules/ip/ips_paged", {"csv": "true", "sort": "bytes", "reverse": "true"})
        self.assertTrue(resp.getheader("Content-Type").startswith("text/csv"))
        self.assertEqual(resp.getheader("Transfer-Encoding"), "chunked")
        table = list(csv.reader(io.StringIO(body.decode())))
        self.assertEqual(table[0][0], "ip")
        self.assertEqual(len(table) - 1, len(self.report["ips"]))
        expected = {ip["ip"]: ip["allTime"] for ip in self.report["ips"]}
        totals = [int(r[4]) + int(r[6]) for r in table[1:]]
        self.assertEqual(totals, sorted(totals, reverse=True))
        for r in table[1:]:
            self.assertEqual([int(x) for x in r[3:7]], expected[r[0]])

    # --- IP detail --------------------------------------------------------------------------------
    def busiest_ip(self):
        return max(self.report["ips"], key=lambda ip: (ip["allTime"][1] + ip["allTime"][3], ip["ip"]))

    def test_ip_detail_and_history(self):
        ip = self.busiest_ip()
        doc = self.server.get("/API/stats/modules/ip/ips/" + ip["ip"], dict(self.whole, values=10))
        self.assertEqual(doc["allTime"][:4], ip["allTime"])
        self.assertEqual(doc["interval"], doc["allTime"])
        self.assertLessEqual(len(doc["history"]["values"]), 10)
        sums = [sum(v[i] for v in doc["history"]["values"]) for i in range(4)]
        self.assertEqual(sums, ip["allTime"])
        self.assertEqual(len(doc["lastSecond"]), 6)
        doc = self.server.get("/API/stats/modules/ip/ips/" + ip["ip"], {"skiphistorydata": "true"})
        self.assertNotIn("history", doc)
        self.assertEqual(doc["interval"], doc["lastSecond"])

    def test_history_of_a_one_second_interval(self):
        ip = self.busiest_ip()
        second = ip["lastActivity"] // 10**9
        doc = self.server.get("/API/stats/modules/ip/ips/" + ip["ip"], {"starttime": second, "endtime": second + 1})
        self.assertEqual((doc["history"]["starttime"], doc["history"]["timespan"]), (second, 1))
        self.assertEqual(doc["history"]["values"], [doc["interval"][:len(doc["history"]["values"][0])]])

    def test_ip_peers_add_up(self):
        ip = self.busiest_ip()
        rows, total = all_pages(self.server, "/API/stats/modules/ip/ips/%s/peers" % ip["ip"], {"sort": "bytes"})
        pairs = [p for p in self.report["ipPairs"] if ip["ip"] in (p["ipA"], p["ipB"])]
        self.assertEqual(total, len(pairs))
        self.assertEqual(total, ip["peers"])
        rx = sum(r["allTime"][1] for r in rows)
        tx = sum(r["allTime"][3] for r in rows)
        self.assertEqual((rx, tx), (ip["allTime"][1], ip["allTime"][3]))

    def test_ip_connections_ports_protocols(self):
        ip = self.busiest_ip()["ip"]
        conns = [c for c in self.report["connections"] if ip in (c["clientIp"], c["serverIp"])]
        rows, total = all_pages(self.server, "/API/stats/modules/ip/ips/%s/connections" % ip, {"sort": "start"})
        self.assertEqual(total, len(conns))
        self.assertEqual(sorted(json.dumps([r["clientIp"], r["clientPort"], r["serverIp"], r["serverPort"], r["allTime"]])
                                for r in rows),
                         sorted(json.dumps([c["clientIp"], c["clientPort"], c["serverIp"], c["serverPort"], c["allTime"]])
                                for c in conns))
        ports, _ = all_pages(self.server, "/API/stats/modules/ip/ips/%s/ports" % ip, {})
        self.assertEqual(sum(p["connections"] for p in ports), len(conns))
        protos, _ = all_pages(self.server, "/API/stats/modules/ip/ips/%s/protocols" % ip, {"layer": "l4"})
        self.assertEqual(sum(p["connections"] for p in protos), len(conns))
        pp, _ = all_pages(self.server, "/API/stats/modules/ip/ips/%s/peers_ports" % ip, {})
        self.assertEqual(sum(p["connections"] for p in pp), len(conns))
        qos, _ = all_pages(self.server, "/API/stats/modules/ip/ips/%s/qos" % ip, {})
        self.assertEqual(sum(p["connections"] for p in qos), len(conns))
        macs = self.server.get("/API/stats/modules/ip/ips/%s/macs" % ip)
        self.assertEqual(macs["totalItems"], len(self.busiest_ip()["macs"]))

    # --- connections ------------------------------------------------------------------------------
    def test_global_connections_and_csv(self):
        rows, total = all_pages(self.server, "/API/stats/modules/ip/globalConnections", {"sort": "bytes", "reverse": "true"})
        self.assertEqual(total, len(self.report["connections"]))
        values = [r["allTime"][1] + r["allTime"][3] for r in rows]
        self.assertEqual(values, sorted(values, reverse=True))
        resp, body = self.server.get("/API/stats/modules/ip/globalConnections/csv", {"csv": "true"})
        table = list(csv.reader(io.StringIO(body.decode())))
        self.assertEqual(len(table) - 1, total)
        doc = self.server.get("/API/stats/modules/ip/globalConnections", {"filter": "(l4Protocol == UDP)"})
        self.assertEqual(doc["totalItems"], sum(1 for c in self.report["connections"] if c["l4Protocol"] == 17))

    def test_tcp_flow_chart(self):
        """Every TCP connection's flow chart, read again from the file through the time index: all of
        its packets, its marks equal to its TCP counters; the errors name their parameter."""
        rows, _ = all_pages(self.server, "/API/stats/modules/ip/globalConnections", {"sort": "bytes", "reverse": "true"})
        tcp_rows = [r for r in rows if r["l4Protocol"] == 6]
        self.assertGreater(len(tcp_rows), 20)
        fields = {"retransmission": "retransmittedSegments", "dupAck": "dupAcks", "zeroWindow": "zeroWindows",
                  "outOfOrder": "outOfOrder", "keepAlive": "keepAlives", "windowProbe": "windowProbes"}
        path = "/API/stats/modules/ip/connections/%s/tcpFlowChart"
        for r in tcp_rows:
            chart = self.server.get(path % r["id"])
            packets = r["allTime"][0] + r["allTime"][2]
            self.assertEqual((chart["connectionPackets"], len(chart["segments"]), chart["complete"]),
                             (packets, packets, True), r["id"])
            self.assertEqual(chart["client"], {"ip": r["clientIp"], "port": r["clientPort"]})
            self.assertEqual(chart["segments"][0]["time"], r["start"])
            self.assertEqual(chart["segments"][-1]["time"], r["lastActivity"])
            for side in ("client", "server"):
                segs = [s for s in chart["segments"] if s["from"] == side]
                self.assertEqual(sum(s.get("len", 0) for s in segs), r["tcp"][side]["payloadBytes"], r["id"])
                for mark, field in fields.items():
                    self.assertEqual(chart["marks"][side][mark], r["tcp"][side][field], (r["id"], side, mark))
                    self.assertEqual(sum(mark in s.get("marks", []) for s in segs), r["tcp"][side][field])
        # The first packets only.
        big = tcp_rows[0]
        chart = self.server.get(path % big["id"], {"maxPackets": 3})
        self.assertEqual((len(chart["segments"]), chart["truncated"], chart["complete"]), (3, True, False))
        if big["tcp"]["handshakeComplete"]:
            self.assertEqual([s["flags"] for s in chart["segments"]], ["SYN", "SYN, ACK", "ACK"])
            self.assertEqual([s["seq"] for s in chart["segments"]], [0, 0, 1])
            self.assertEqual([s["ack"] for s in chart["segments"]], [None, 1, 1])
        # A later window: the same segments as in the whole chart.
        whole = self.server.get(path % big["id"])
        part = self.server.get(path % big["id"], {"firstPacket": 2, "maxPackets": 3})
        self.assertEqual(part["firstPacket"], 2)
        self.assertEqual(part["segments"], whole["segments"][2:5])
        for params, name in (({"maxPackets": 0}, "maxPackets"), ({"maxPackets": "x"}, "maxPackets"),
                             ({"firstPacket": -1}, "firstPacket")):
            resp, body = self.server.request("GET", path % big["id"], params)
            self.assertEqual(resp.status, 400)
            self.assertIn(name, json.loads(body)["error"])
        resp, body = self.server.request("GET", path % "nonsense")
        self.assertEqual(resp.status, 400)
        self.assertIn("id", json.loads(body)["error"])
        udp = next(r for r in rows if r["l4Protocol"] == 17)
        resp, body = self.server.request("GET", path % udp["id"])
        self.assertEqual(resp.status, 400)
        self.assertIn("not a TCP connection", json.loads(body)["error"])
        shard, slot, serial = big["id"].split("-")
        resp, body = self.server.request("GET", path % "-".join((shard, slot, str(int(serial) + 10**9))))
        self.assertEqual(resp.status, 404)

    # --- other modules ----------------------------------------------------------------------------
    def test_mac_module(self):
        rows, total = all_pages(self.server, "/API/stats/modules/mac/mac_paged", {"sort": "mac"})
        expected = {m["mac"]: m for m in self.report["macs"]}
        self.assertEqual(total, len(expected))
        for r in rows:
            self.assertEqual(r["allTime"], expected[r["mac"]]["allTime"])
        mac = rows[0]["mac"]
        doc = self.server.get("/API/stats/modules/mac/macs/" + mac)
        self.assertEqual(doc["allTime"], expected[mac]["allTime"])
        resp, body = self.server.request("GET", "/API/stats/modules/mac/macs/zz:zz")
        self.assertEqual(resp.status, 400)

    def test_small_modules(self):
        vlans = self.server.get("/API/stats/modules/vlan/vlans", {"count": 100})
        self.assertEqual(vlans["totalItems"], len(self.report["vlans"]))
        protos = self.server.get("/API/stats/modules/mac_protocols/protocols", {"count": 100})
        self.assertEqual(sorted(p["allTime"] for p in protos["displayedItems"]),
                         sorted(p["allTime"] for p in self.report["macProtocols"]))
        sizes = self.server.get("/API/stats/modules/packet_size/sizes")
        self.assertEqual([s["allTime"] for s in sizes["displayedItems"]],
                         [s["allTime"] for s in self.report["packetSizes"]])
        qos = self.server.get("/API/stats/modules/qos/classes", {"count": 100})
        self.assertEqual(qos["totalItems"], len(self.report["qos"]))
        tcp, total = all_pages(self.server, "/API/stats/modules/l4_ports/tcp_ports_paged", {"sort": "serverPort"})
        expected = [p for p in self.report["l4Ports"] if p["l4Protocol"] == 6]
        self.assertEqual(total, len(expected))
        self.assertEqual([p["serverPort"] for p in tcp], sorted(p["port"] for p in expected))
        # The service usually behind each port: the system's services database, as the report says it.
        self.assertEqual([p["service"] for p in tcp], [p["service"] for p in sorted(expected, key=lambda p: p["port"])])
        services = {p["serverPort"]: p["service"] for p in tcp}
        self.assertEqual((services.get(80), services.get(443)), ("http", "https"))
        for ip in {p["ip"] for p in self.report["tcp"]["serverPorts"]}:
            rows, _ = all_pages(self.server, "/API/stats/modules/ip/ips/%s/ports" % ip, {})
            for r in rows:
                self.assertEqual(r["service"], socket_service(r["port"], r["l4ProtocolName"]), r)
        port = expected[0]
        doc = self.server.get("/API/stats/modules/l4_ports/tcp_port/%d" % port["port"])
        self.assertEqual(doc["allTime"], port["allTime"])
        g = self.server.get("/API/stats/modules/global", self.whole)
        self.assertEqual(g["total"]["allTime"], self.report["global"]["total"]["allTime"])


def socket_service(port, l4):
    """getservbyport's answer, "" when the port has none (what netmeter reads from /etc/services)."""
    try:
        return socket.getservbyport(port, l4.lower())
    except OSError:
        return ""


class ServeWhileAnalyzingTest(unittest.TestCase):
    """Statistics are queryable while the analysis runs, and concurrent clients all get answers."""

    def test_concurrent_clients_during_analysis(self):
        files = [os.path.join(ARGS.shared, "pcaps", f) for f in
                 ("ndpi/1kxun.pcap", "ndpi/alexa-app.pcapng", "ndpi/synscan.pcap", "ndpi/sites.pcapng")]
        server = Server(files, ARGS.threads)
        try:
            errors = []

            def client(n):
                try:
                    for _ in range(3):
                        doc = server.get("/API/stats/modules/ip/ips_paged", {"sort": "bytes", "reverse": "true"})
                        assert "displayedItems" in doc
                        server.get("/API/stats/processing")
                except Exception as e:  # noqa: BLE001 - collected and reported below
                    errors.append("client %d: %s" % (n, e))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(ARGS.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
            self.assertEqual(errors, [])
            server.wait_finished()
            p = server.get("/API/stats/processing")
            self.assertEqual(p["state"], "finished")
        finally:
            server.stop()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--netmeter", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clients", type=int, default=200)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
