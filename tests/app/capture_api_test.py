#!/usr/bin/env python3
"""The capture REST API: `netmeter serve` captures compared with the offline `netmeter capture`,
live captures during the analysis compared with captures from the analyzed file (--threads 1 and 2),
drops with a slow reader, stop, roles, errors, profiles, favorites, recent, to-disk split and zip.

Usage: capture_api_test.py --netmeter BIN --shared DIR
"""
import argparse
import base64
import http.client
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_api_test as base  # noqa: E402  (the Server helper)

ARGS = None
PASSWORD = base.PASSWORD


def read_pcapng(data):
    """[(interface, ts_ns, caplen, origlen, bytes)] of a pcapng file (little-endian, as netmeter writes)."""
    packets, pos, idb = [], 0, 0
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        if blen < 12 or pos + blen > len(data):
            raise ValueError("truncated pcapng block at %d" % pos)
        if btype == 1:
            idb += 1
        elif btype == 6:
            iface, hi, lo, cap, orig = struct.unpack_from("<IIIII", data, pos + 8)
            packets.append((iface, (hi << 32 | lo), cap, orig, data[pos + 28:pos + 28 + cap]))
        pos += blen
    if pos != len(data):
        raise ValueError("trailing bytes")
    return packets


def read_pcap(data):
    magic = struct.unpack_from("<I", data, 0)[0]
    scale = 1 if magic == 0xa1b23c4d else 1000
    packets, pos = [], 24
    while pos + 16 <= len(data):
        s, frac, cap, orig = struct.unpack_from("<IIII", data, pos)
        packets.append((0, s * 10**9 + frac * scale, cap, orig, data[pos + 16:pos + 16 + cap]))
        pos += 16 + cap
    return packets


def offline(path, expression, extra=()):
    with tempfile.NamedTemporaryFile(suffix=".pcapng") as out:
        subprocess.run([ARGS.netmeter, "capture", path, "-e", expression, "-w", out.name, "--quiet", *extra],
                       check=True)
        with open(out.name, "rb") as f:
            return f.read()


def add_user(server, name, role):
    body = json.dumps({"name": name, "password": name + "-password-1", "role": role})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    auth = base64.b64encode(("admin:" + PASSWORD).encode()).decode()
    conn.request("POST", "/API/system/users", body=body,
                 headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    assert r.status in (200, 201, 409), r.status


def send(server, method, path, body=None, user="admin", password=PASSWORD):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    h = {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, (json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/json")
                      else data)


def capture(server, params, status=200, **kw):
    resp, body = server.request("GET", "/API/data/modules/capture", params, **kw)
    if resp.status != status:
        raise AssertionError("capture %s: %d %s" % (params, resp.status, body[:300]))
    return resp, body


def wait_state(server, cid, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for c in server.get("/API/stats/modules/capture/captures")["captures"]:
            if c["id"] == cid and c["state"] != "running":
                return c
        time.sleep(0.05)
    raise AssertionError("capture %s did not end" % cid)


class CaptureFromFileTest(unittest.TestCase):
    CAPTURE = "ndpi/1kxun.pcap"
    EXPRESSIONS = [
        "port == 53",
        "ip == 192.168.0.0/16 and tcpFlags == syn",
        "l4Protocol == UDP or vlan == any",
        'regexp == "(?i)http/1\\.1"',
        "serverport == 80",
        "l7Protocol == DNS,HTTP",
        "",
    ]

    @classmethod
    def setUpClass(cls):
        cls.path = os.path.join(ARGS.shared, "pcaps", cls.CAPTURE)
        cls.server = base.Server([cls.path], 2)
        cls.server.wait_finished()
        add_user(cls.server, "reader", "read-only")
        add_user(cls.server, "capturer", "pcap")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_equals_offline_capture(self):
        for expression in self.EXPRESSIONS:
            resp, body = capture(self.server, {"fromCaptureBuffer": "true", "expression": expression})
            self.assertEqual(body, offline(self.path, expression, ["--pcapng"]), expression)
            self.assertRegex(resp.getheader("Content-Disposition"), r'^attachment; filename="netmeter_\d{8}_\d{6}\.pcapng"$')
            cid = int(resp.getheader("X-Capture-Id"))
            c = wait_state(self.server, cid)
            self.assertEqual(c["captured"], len(read_pcapng(body)), expression)
            self.assertEqual(c["state"], "finished")
            self.assertEqual(c["expression"], expression)
        # Classic pcap with a single interface is what tcpdump writes (and `netmeter capture --pcap`).
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "expression": "port == 53",
                                           "useSingleInterface": "true"})
        self.assertEqual(read_pcap(body), read_pcap(offline(self.path, "port == 53", ["--pcap"])))

    def test_window_snap_and_limits(self):
        packets = read_pcapng(offline(self.path, "", ["--pcapng"]))
        t = [p[1] for p in packets]
        start_us, end_us = t[200] // 1000 + 1, t[1200] // 1000
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "startTime": start_us, "endtime": end_us,
                                           "snapPacketLength": 100})
        expected = offline(self.path, "", ["--pcapng", "--start", "%.6f" % (start_us / 1e6),
                                           "--end", "%.6f" % (end_us / 1e6), "--snaplen", "100"])
        self.assertEqual(body, expected)
        got = read_pcapng(body)
        self.assertTrue(all(p[2] <= 100 for p in got) and any(p[3] > 100 for p in got))
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "maxPackets": 7})
        self.assertEqual(len(read_pcapng(body)), 7)
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "maxBytes": 5000})
        got = read_pcapng(body)
        self.assertGreaterEqual(sum(p[2] for p in got), 5000)
        self.assertLess(sum(p[2] for p in got[:-1]), 5000)
        # endTime=now with timespan: the last seconds of packet time.
        last = t[-1]
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "endTime": "now", "timespan": 5})
        got = read_pcapng(body)
        self.assertTrue(got and all(p[1] >= last - 5 * 10**9 for p in got))

    def test_errors_name_the_parameter(self):
        for params, name, text in [
            ({"expression": "ip == 10.0.0.1 and port = 80"}, "expression", "position 24"),
            ({"expression": 'regexp == "(unclosed"'}, "expression", "invalid regular expression"),
            ({"snapPacketLength": 0}, "snapPacketLength", "from 1"),
            ({"startTime": "yesterday"}, "startTime", "number"),
            ({"starttime": 5, "startTime": 6}, "startTime", "not both"),
            ({"endTime": "now"}, "timespan", "timespan"),
            ({"frobnicate": 1}, "frobnicate", "unknown"),
            ({"fromCaptureBuffer": "maybe"}, "fromCaptureBuffer", "true or false"),
            ({"profile": "999"}, "profile", "no capture profile"),
            ({"startTime": 2000, "endTime": 1000}, "endTime", "after"),
        ]:
            resp, body = capture(self.server, params, status=400)
            doc = json.loads(body)
            self.assertEqual(doc.get("parameter"), name, (params, doc))
            self.assertIn(text, doc["error"], params)

    def test_roles(self):
        capture(self.server, {"fromCaptureBuffer": "true", "maxPackets": 1}, status=403, user="reader",
                password="reader-password-1")
        resp, _ = capture(self.server, {"fromCaptureBuffer": "true", "maxPackets": 1}, user="capturer",
                          password="capturer-password-1")
        cid = int(resp.getheader("X-Capture-Id"))
        capture(self.server, {"fromCaptureBuffer": "true"}, status=401, user=None)
        # Everyone sees the list; only the owner or an admin stops a capture.
        listed = [c for c in self.server.get("/API/stats/modules/capture/captures", user="reader",
                                             password="reader-password-1")["captures"] if c["id"] == cid]
        self.assertEqual(listed[0]["user"], "capturer")
        self.assertRegex(listed[0]["client"], r"^127\.0\.0\.1:\d+$")
        status, _ = send(self.server, "DELETE", "/API/stats/modules/capture/captures/%d" % cid, user="reader",
                         password="reader-password-1")
        self.assertEqual(status, 403)
        resp, _ = capture(self.server, {"fromCaptureBuffer": "true", "maxPackets": 1})
        admin_capture = int(resp.getheader("X-Capture-Id"))
        status, _ = send(self.server, "DELETE", "/API/stats/modules/capture/captures/%d" % admin_capture,
                         user="capturer", password="capturer-password-1")
        self.assertEqual(status, 403)
        status, _ = send(self.server, "DELETE", "/API/stats/modules/capture/captures/%d" % cid,
                         user="capturer", password="capturer-password-1")
        self.assertEqual(status, 204)
        status, _ = send(self.server, "DELETE", "/API/stats/modules/capture/captures/99999")
        self.assertEqual(status, 404)

    def test_profiles(self):
        path = "/API/stats/modules/capture/profiles"
        rules = [{"l7Protocol": "DNS", "snapLength": 0}, {"expression": "port == 53", "snapLength": 60},
                 {"expression": "", "snapLength": 80}]
        status, p = send(self.server, "POST", path, {"name": "dns full", "rules": rules})
        self.assertEqual(status, 201, p)
        pid = p["id"]
        self.assertIn(pid, [x["id"] for x in self.server.get(path)["profiles"]])
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "profile": pid, "expression": "port == 53 or port == 80"})
        got = read_pcapng(body)
        dns_full = [q for q in got if q[2] == q[3] and q[3] > 80]
        self.assertTrue(dns_full, "classified DNS packets are kept whole")
        self.assertTrue(all(q[2] <= 80 or q[2] == q[3] for q in got))
        self.assertTrue(any(q[2] == 80 for q in got), "the catch-all rule cuts other packets")
        # Errors name the rule; at most 10 rules and 10 profiles.
        status, e = send(self.server, "POST", path, {"name": "bad", "rules": [{"expression": "port = 1", "snapLength": 1}]})
        self.assertEqual((status, e["parameter"]), (400, "rules[0].expression"))
        status, e = send(self.server, "POST", path, {"name": "many", "rules": [{"snapLength": 1}] * 11})
        self.assertEqual((status, e["parameter"]), (400, "rules"))
        status, p2 = send(self.server, "PUT", path + "/" + pid, {"name": "renamed", "rules": rules[:1]})
        self.assertEqual((status, p2["name"], p2["id"]), (200, "renamed", pid))
        created = [pid]
        while len(self.server.get(path)["profiles"]) < 10:
            status, x = send(self.server, "POST", path, {"name": "p", "rules": []})
            self.assertEqual(status, 201)
            created.append(x["id"])
        status, e = send(self.server, "POST", path, {"name": "eleventh", "rules": []})
        self.assertEqual(status, 400)
        for x in created:
            self.assertEqual(send(self.server, "DELETE", path + "/" + x)[0], 204)
        self.assertEqual(send(self.server, "DELETE", path + "/" + pid)[0], 404)

    def test_favorites_and_recent(self):
        path = "/API/stats/modules/capture/favorites"
        status, f = send(self.server, "POST", path, {"expression": "port == 443", "description": "web"},
                         user="capturer", password="capturer-password-1")
        self.assertEqual(status, 201)
        mine = self.server.get(path, user="capturer", password="capturer-password-1")["favorites"]
        self.assertEqual([(x["expression"], x["description"]) for x in mine], [("port == 443", "web")])
        self.assertEqual(self.server.get(path)["favorites"], [], "favorites are per user")
        status, e = send(self.server, "POST", path, {"expression": "port =="}, user="capturer",
                         password="capturer-password-1")
        self.assertEqual((status, e["parameter"]), (400, "expression"))
        self.assertEqual(send(self.server, "DELETE", path + "/" + f["id"], user="capturer",
                              password="capturer-password-1")[0], 204)
        self.assertEqual(self.server.get(path, user="capturer", password="capturer-password-1")["favorites"], [])
        for e in ("port == 1", "port == 2"):
            capture(self.server, {"fromCaptureBuffer": "true", "expression": e}, user="capturer",
                    password="capturer-password-1")
        recent = self.server.get("/API/stats/modules/capture/recent", user="capturer",
                                 password="capturer-password-1")["recent"]
        self.assertEqual([r["expression"] for r in recent[:2]], ["port == 2", "port == 1"])
        self.assertEqual(send(self.server, "DELETE", "/API/stats/modules/capture/recent", user="capturer",
                              password="capturer-password-1")[0], 204)
        self.assertEqual(self.server.get("/API/stats/modules/capture/recent", user="capturer",
                                         password="capturer-password-1")["recent"], [])

    def test_to_disk_split_and_download(self):
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "captureToMedia": "true", "splitSize": 1,
                                           "fileName": "split_%Y%m%d_%H%M%S", "expression": "port == 80"})
        c = wait_state(self.server, json.loads(body)["id"])
        self.assertEqual(c["state"], "finished")
        self.assertGreaterEqual(len(c["files"]), 2)
        listed = {f["name"]: f for f in self.server.get("/API/stats/modules/capture/files")["files"]}
        packets = []
        for name in c["files"]:
            self.assertRegex(name, r"^split_\d{8}_\d{6}(_\d+)?\.pcapng$")
            self.assertIn(name, listed)
            resp, data = self.server.get("/API/data/modules/capture/files/" + urllib.parse.quote(name))
            self.assertEqual(len(data), listed[name]["size"])
            part = read_pcapng(data)
            # Named by the packet time of its first packet (UTC).
            first = time.strftime("%Y%m%d_%H%M%S", time.gmtime(part[0][1] // 10**9))
            self.assertTrue(name.startswith("split_" + first), (name, first))
            packets += part
        self.assertLessEqual(sum(p[2] for p in packets[:-1]) / len(c["files"]), 1 << 20)
        self.assertEqual(packets, read_pcapng(offline(self.path, "port == 80", ["--pcapng"])))
        for bad in ("..%2Fusers.json", ".hidden", "nope.pcapng"):
            resp, _ = self.server.request("GET", "/API/data/modules/capture/files/" + bad)
            self.assertIn(resp.status, (400, 404), bad)

    def test_zip(self):
        resp, body = capture(self.server, {"fromCaptureBuffer": "true", "zip": "true", "zipSplitSize": 1,
                                           "expression": "port == 80", "fileName": "z_%H%M%S"})
        self.assertEqual(resp.getheader("Content-Type"), "application/zip")
        self.assertRegex(resp.getheader("Content-Disposition"), r'filename="z_\d{6}\.zip"')
        z = zipfile.ZipFile(io.BytesIO(body))
        self.assertIsNone(z.testzip())
        names = z.namelist()
        self.assertGreaterEqual(len(names), 2)
        packets = []
        for n in names:
            self.assertTrue(n.startswith("z_") and n.endswith(".pcapng"), n)
            packets += read_pcapng(z.read(n))
        self.assertEqual(packets, read_pcapng(offline(self.path, "port == 80", ["--pcapng"])))


class LiveCaptureTest(unittest.TestCase):
    """Captures of the packets as the engine analyzes them."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="netmeter-capture-")
        cls.trace = os.path.join(cls.dir.name, "trace.pcap")
        subprocess.run([ARGS.netmeter, "generate", "--out", cls.trace, "--packets", str(ARGS.packets),
                        "--hosts", "2000", "--connections", "20000", "--rate", "100000", "--quiet"], check=True)
        cls.first = 1705309200 * 10**6  # the generator's default start, µs

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def live_equals_buffer(self, threads, extra=()):
        span_us = ARGS.packets * 10  # 100,000 packets/s
        start, end = self.first + span_us * 6 // 10, self.first + span_us * 8 // 10
        expression = "l4Protocol == UDP or serverport == 443"
        server = base.Server([self.trace], threads, ["--pace", str(ARGS.pace), *extra])
        try:
            # Attached while the analysis reads the first half; the window starts at 60 % of the trace.
            resp, live = capture(server, {"expression": expression, "startTime": start, "endTime": end})
            server.wait_finished()
            cid = int(resp.getheader("X-Capture-Id"))
            c = wait_state(server, cid)
            self.assertEqual((c["state"], c["dropped"], c["fromCaptureBuffer"]), ("finished", 0, False))
            _, stored = capture(server, {"expression": expression, "startTime": start, "endTime": end,
                                         "fromCaptureBuffer": "true"})
            got, want = read_pcapng(live), read_pcapng(stored)
            self.assertGreater(len(want), 1000)
            self.assertEqual(len(got), len(want), "threads %d" % threads)
            self.assertEqual(got, want, "threads %d" % threads)
            self.assertEqual(live, stored)
        finally:
            server.stop()

    def test_live_equals_buffer_one_thread(self):
        self.live_equals_buffer(1)

    def test_live_equals_buffer_two_threads(self):
        self.live_equals_buffer(2)

    def test_live_equals_buffer_workers_reading_in_turn(self):
        # The reader role moves between the workers; the one reading processes its own batches
        # whenever the paced input waits, so its watermark (which the capture's merger waits for)
        # keeps up.
        self.live_equals_buffer(2, ["--reader", "workers"])

    def test_slow_reader_gets_drops_and_stop_ends_cleanly(self):
        server = base.Server([self.trace], 2, ["--pace", str(ARGS.pace)])
        try:
            # A reader that does not read while the analysis runs: the pipe and the rings fill, and
            # the workers count drops instead of buffering.
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            auth = base64.b64encode(("admin:" + PASSWORD).encode()).decode()
            conn.request("GET", "/API/data/modules/capture", headers={"Authorization": "Basic " + auth})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            cid = int(resp.getheader("X-Capture-Id"))
            # A second live capture, stopped with DELETE while it runs.
            conn2 = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            conn2.request("GET", "/API/data/modules/capture?expression=port%20%3D%3D%20443",
                          headers={"Authorization": "Basic " + auth})
            resp2 = conn2.getresponse()
            cid2 = int(resp2.getheader("X-Capture-Id"))
            self.assertEqual(send(server, "DELETE", "/API/stats/modules/capture/captures/%d" % cid2)[0], 204)
            stopped = resp2.read()
            c2 = wait_state(server, cid2)
            self.assertEqual(c2["state"], "stopped")
            self.assertEqual(len(read_pcapng(stopped)), c2["captured"])
            server.wait_finished()
            data = resp.read()
            c = wait_state(server, cid)
            self.assertGreater(c["dropped"], 0)
            self.assertEqual(c["state"], "finished")
            got = read_pcapng(data)
            self.assertEqual(len(got), c["captured"])
            self.assertTrue(all(got[i][1] <= got[i + 1][1] for i in range(len(got) - 1)), "timestamp order")
        finally:
            server.stop()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--netmeter", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--packets", type=int, default=300000)
    # The analysis replays the trace at this rate (serve --pace), so that live captures attach while
    # it runs: 300,000 packets take 1.5 s.
    parser.add_argument("--pace", type=int, default=200000)
    ARGS, rest = parser.parse_known_args()
    base.ARGS = ARGS
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
