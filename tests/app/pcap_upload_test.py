#!/usr/bin/env python3
"""Pcap upload and analysis over the API (the reference's "Pcap upload and analysis"): an uploaded
capture replaces the running analysis, is analyzed while it arrives, and "stop" resumes the original.
Figures are cross-checked with `netmeter analyze --json` on the same files.

Usage: pcap_upload_test.py --netmeter BIN --shared DIR [--threads N]
"""
import argparse
import base64
import gzip
import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_api_test as api  # noqa: E402  (the Server helper and analyze())

BOUNDARY = "netmeter-test-boundary-7d3f"


def auth(user="admin", password=api.PASSWORD):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def multipart(data, name="capture.pcap"):
    head = ("--%s\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfile\r\n"
            "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n" % (BOUNDARY, BOUNDARY, name)).encode()
    return head, ("\r\n--%s--\r\n" % BOUNDARY).encode()


def post(server, path, body, headers, user="admin"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    h = dict(headers)
    if user:
        h["Authorization"] = auth(user)
    conn.request("POST", path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, (json.loads(data) if data.startswith(b"{") else data)


def wait_state(server, states, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = server.get("/API/data/pcap")
        if st["state"] in states:
            return st
        time.sleep(0.1)
    raise AssertionError("upload state did not reach %s: %s" % (states, st))


def global_packets(server):
    doc = server.get("/API/stats/modules/global")
    return doc["total"]["allTime"][0]


class PcapUploadTest(unittest.TestCase):
    ORIGINAL = "ndpi/1kxun.pcap"
    UPLOAD = "ndpi/alexa-app.pcapng"

    @classmethod
    def setUpClass(cls):
        cls.original = os.path.join(api.ARGS.shared, "pcaps", cls.ORIGINAL)
        cls.upload = os.path.join(api.ARGS.shared, "pcaps", cls.UPLOAD)
        with open(cls.upload, "rb") as f:
            cls.upload_bytes = f.read()
        cls.original_packets = api.analyze(cls.original, api.ARGS.threads)["trace"]["packets"]
        cls.upload_packets = api.analyze(cls.upload, api.ARGS.threads)["trace"]["packets"]
        cls.server = api.Server([cls.original], api.ARGS.threads, ["--reader", api.ARGS.reader])
        cls.server.wait_finished()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def tearDown(self):
        post(self.server, "/API/data/pcap", json.dumps({"command": "stop"}), {"Content-Type": "application/json"})
        wait_state(self.server, ["idle"])

    def test_1_reference_sequence_then_resume(self):
        s = self.server
        self.assertEqual(s.get("/API/data/pcap")["state"], "idle")
        self.assertEqual(global_packets(s), self.original_packets)
        status, doc = post(s, "/API/system/replay/upload",
                           json.dumps({"fileName": "abc.pcapng", "fileSize": len(self.upload_bytes),
                                       "replaySlotID": 1, "forceSlotID": True, "useReplayBuffer": True}),
                           {"Content-Type": "application/json"})
        self.assertEqual(status, 200, doc)
        status, doc = post(s, "/API/data/pcap?mm-id=:1", json.dumps({"command": "start"}), {})
        self.assertEqual(status, 200, doc)
        head, tail = multipart(self.upload_bytes, "abc.pcapng")
        status, doc = post(s, "/API/system/analyze-pcap?replaySlotID=1", head + self.upload_bytes + tail,
                           {"Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["bytesReceived"], len(self.upload_bytes))
        st = wait_state(s, ["finished", "error"])
        self.assertEqual(st["state"], "finished", st)
        self.assertEqual(st["fileName"], "abc.pcapng")
        self.assertEqual(st["fileSize"], len(self.upload_bytes))
        self.assertEqual(st["packets"], self.upload_packets)
        self.assertEqual(st["analysisProgress"], 1.0)
        self.assertIsNotNone(st["lastPacketTime"])
        # Every module now answers for the upload.
        self.assertEqual(global_packets(s), self.upload_packets)
        processing = s.get("/API/stats/processing")
        self.assertTrue(processing["sources"][0].endswith("upload-abc.pcapng"), processing)
        # Resume normal operation: the original capture is analyzed again.
        status, doc = post(s, "/API/data/pcap", json.dumps({"command": "stop"}), {})
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["mode"], "normal")
        deadline = time.time() + 60
        while s.get("/API/stats/processing")["state"] != "finished" and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(global_packets(s), self.original_packets)

    def test_2_raw_compressed_body_streamed_slowly(self):
        # A gzip-compressed capture as a raw body, sent in pieces: statistics are there before the end.
        s = self.server
        data = gzip.compress(self.upload_bytes)
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(("POST /API/system/analyze-pcap?fileName=slow.pcapng.gz HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                      % (auth(), len(data))).encode())
        half = len(data) // 2
        sock.sendall(data[:half])
        st = wait_state(s, ["receiving"])
        deadline = time.time() + 30
        # The server takes the body as it arrives: wait until all of the first half is in and analyzed.
        while (st["packets"] == 0 or st["bytesReceived"] < half) and time.time() < deadline:
            time.sleep(0.1)
            st = s.get("/API/data/pcap")
        self.assertEqual(st["state"], "receiving", st)
        self.assertGreater(st["packets"], 0)
        self.assertLess(st["packets"], self.upload_packets)
        self.assertEqual(st["bytesReceived"], half)
        self.assertEqual(st["fileSize"], len(data))
        # While the upload waits for the rest, every packet read so far is in the statistics: the
        # pause flushed every worker, the one reading too (--reader workers). The reader may still be
        # reading the first half when bytesReceived says it arrived (slowly under ASan): compare once
        # the packets read stay the same around the statistics' read.
        deadline = time.time() + 10
        while time.time() < deadline:
            before = s.get("/API/data/pcap")["packets"]
            counted = global_packets(s)
            st = s.get("/API/data/pcap")
            if before == st["packets"] == counted:
                break
            time.sleep(0.1)
        self.assertEqual(st["state"], "receiving", st)
        self.assertLess(st["packets"], self.upload_packets)
        self.assertEqual(global_packets(s), st["packets"])
        # A second upload meanwhile is refused.
        status, doc = post(s, "/API/system/analyze-pcap", b"xxxx", {"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 409, doc)
        sock.sendall(data[half:])
        reply = sock.recv(65536).decode(errors="replace")
        sock.close()
        self.assertIn(" 200 ", reply.split("\r\n")[0])
        st = wait_state(s, ["finished", "error"])
        self.assertEqual(st["state"], "finished", st)
        self.assertEqual(st["packets"], self.upload_packets)
        self.assertEqual(global_packets(s), self.upload_packets)

    def test_3_aborted_upload_keeps_what_arrived(self):
        s = self.server
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(("POST /API/system/analyze-pcap?fileName=cut.pcapng HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: %s\r\nContent-Length: %d\r\n\r\n"
                      % (auth(), len(self.upload_bytes))).encode())
        sock.sendall(self.upload_bytes[:len(self.upload_bytes) // 3])
        wait_state(s, ["receiving"])
        sock.close()
        st = wait_state(s, ["error"])
        self.assertIn("upload aborted", st["error"])
        self.assertGreater(st["packets"], 0)  # what came before the cut is accounted
        self.assertEqual(global_packets(s), st["packets"])

    def test_4_bad_requests(self):
        s = self.server
        status, doc = post(s, "/API/system/analyze-pcap", b"not a capture at all",
                           {"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 200, doc)  # the body was stored; its analysis fails, naming the file
        st = wait_state(s, ["error"])
        self.assertIn("unknown file format", st["error"])
        self.assertIn("upload-upload.pcap", st["error"])
        head, _ = multipart(b"")
        status, doc = post(s, "/API/system/analyze-pcap", head + b"truncated",
                           {"Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
        self.assertEqual(status, 400, doc)
        self.assertIn("closing boundary", doc["error"])
        status, doc = post(s, "/API/system/analyze-pcap", b"x", {"Content-Type": "multipart/form-data"})
        self.assertEqual(status, 400, doc)
        status, doc = post(s, "/API/system/analyze-pcap?replaySlotID=5", b"x", {})
        self.assertEqual((status, doc["parameter"]), (400, "replaySlotID"))
        status, doc = post(s, "/API/system/replay/upload", json.dumps({"fileSize": "big"}), {})
        self.assertEqual((status, doc["parameter"]), (400, "fileSize"))
        status, doc = post(s, "/API/data/pcap", json.dumps({"command": "rewind"}), {})
        self.assertEqual((status, doc["parameter"]), (400, "command"))
        status, _ = post(s, "/API/system/analyze-pcap", b"x", {}, user=None)
        self.assertEqual(status, 401)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netmeter", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reader", default="auto", help="serve --reader: auto, thread or workers")
    args, rest = parser.parse_known_args()
    api.ARGS = args
    unittest.main(argv=[sys.argv[0], "-v"] + rest)


if __name__ == "__main__":
    main()
