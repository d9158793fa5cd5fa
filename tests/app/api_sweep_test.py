#!/usr/bin/env python3
"""Sweeps the whole REST API: `netmeter serve` on a few varied shared captures, the OPTIONS tree
walked from /API with every placeholder (`:ip`, `:port`, `:mac`, `:protocol`, `:id`, `:name`) replaced
by values taken from the list routes, every node that answers GET asked for (200 and well-formed JSON,
or the documented CSV / capture file), a known-but-absent key and a malformed key of every
placeholder (404 / 400 JSON errors), and every common parameter of docs/api.md sent once valid and
several times invalid (not a number, negative, huge, empty, reversed interval, unknown sort column,
filter syntax error): 2xx for the valid ones, a 4xx JSON error naming the parameter (its `parameter`
member and its message) for the invalid ones. Never a 5xx, a timeout, a dropped connection or an
answer that is not what its Content-Type says. At the end the server must still answer and, when
stopped, exit with status 0 and nothing from the sanitizers on stderr (ASan+UBSan build).

POST/PUT/DELETE are sent only where harmless and documented: capture favorites and profiles (created,
read, changed and deleted in the server's temporary state directory), a capture of 10 packets from the
analyzed files written to disk (for `files/:name`), login/logout. Not sent: uploads (they replace the
analysis), `POST /API/data/pcap`, user and dashboard changes, live captures.

Usage: api_sweep_test.py --netmeter BIN --shared DIR [--threads N] [--timeout S] [-v]
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
import urllib.parse

PASSWORD = "api-sweep-secret"

# Two servers (paths relative to the shared pcaps directory): the first has DNS, HTTP, TLS, QUIC and
# VLANs (QinQ); the second IPv6, 6in4 and VXLAN tunnels, MPLS. No shared capture has SCTP: its routes
# are asked with absent and malformed ports only.
SERVERS = [
    ["ndpi/alexa-app.pcapng", "ndpi/quic-29.pcap", "zeek/traces/http-qinq-0.pcap"],
    ["ndpi/http_ipv6.pcap", "ndpi/6in4tunnel.pcap", "zeek/traces/tunnels/vxlan.pcap",
     "zeek/traces/mixed-vlan-mpls.pcap"],
]

# Placeholders each server's traces must give values for (so that the routes under them are asked
# with real keys, not only absent ones).
_M = "/API/stats/modules"
REQUIRED = [
    [_M + p for p in ("/ip/ips/:ip", "/ip/connections/:id", "/mac/macs/:mac", "/l4_ports/tcp_port/:port",
                      "/l4_ports/udp_port/:port", "/dpi/protocols/:protocol", "/dns/servers/:ip",
                      "/http/servers/:ip", "/ssl/servers/:ip", "/ssl/clients/:ip", "/quic/servers/:ip")],
    [_M + p for p in ("/ip/ips/:ip", "/ip/connections/:id", "/mac/macs/:mac", "/ssl/servers/:ip")],
]

# Routes without a time selection (docs/api.md, "Time selection (every statistics route with
# counters)").
NO_TIME_WINDOW = {
    "/API/stats/time", "/API/stats/load", "/API/stats/processing", "/API/stats/modules",
    "/API/stats/modules/ip/ips/:ip/macs",
}

ARGS = None

# Absent keys of the capture management and system routes (404).
SPECIAL_ABSENT = {
    "/API/stats/modules/capture/captures/:id": "999999",
    "/API/stats/modules/capture/favorites/:id": "999999",
    "/API/stats/modules/capture/profiles/:id": "999999",
    "/API/data/modules/capture/files/:name": "no-such-capture.pcapng",
    "/API/system/users/:name": "no-such-user",
    "/API/system/dashboards/templates/:name": "no-such-template",
}


class Failures:
    def __init__(self):
        self.items = []
        self.requests = 0
        self.routes = set()

    def add(self, what):
        self.items.append(what)
        if ARGS.verbose or len(self.items) <= 200:
            print("FAIL: " + what, flush=True)


FAIL = Failures()


class Server:
    """`netmeter serve` on an ephemeral loopback port with its own state directory; stderr is kept to
    look for sanitizer reports."""

    def __init__(self, files):
        self.state = tempfile.TemporaryDirectory(prefix="netmeter-sweep-")
        env = dict(os.environ, NETMETER_ADMIN_PASSWORD=PASSWORD)
        cmd = [ARGS.netmeter, "serve", "--listen", "127.0.0.1:0", "--state", self.state.name,
               "--threads", str(ARGS.threads)]
        for f in files:
            cmd += ["--pcap", f]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        self.stderr = []
        self.finished = threading.Event()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        line = self.proc.stdout.readline()
        m = re.search(r"serving (https?)://[^:]+:(\d+)/", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("serve did not print its URL: %r %s" % (line, "".join(self.stderr)))
        self.port = int(m.group(2))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if "analysis finished" in line:
                self.finished.set()

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def wait_finished(self, timeout=300):
        if not self.finished.wait(timeout):
            raise RuntimeError("analysis did not finish")

    def request(self, method, path, params=None, body=None, headers=None, auth=True):
        """(status, headers dict (lower-case names), body bytes), or raises on a timeout or a dropped
        connection."""
        if params:
            path += "?" + urllib.parse.urlencode(params)
        h = dict(headers or {})
        if auth:
            h["Authorization"] = "Basic " + base64.b64encode(("admin:%s" % PASSWORD).encode()).decode()
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        FAIL.requests += 1
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=ARGS.timeout)
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def stop(self):
        """Stops the server: its exit status and stderr."""
        self.proc.terminate()
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            FAIL.add("the server did not stop within 120 s of SIGTERM")
        time.sleep(0.2)  # the stderr reader takes the last lines
        self.state.cleanup()
        return self.proc.returncode, "".join(self.stderr)


def show(path, params):
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


class Sweep:
    def __init__(self, server, name, required):
        self.s = server
        self.name = name
        self.required = required
        self.values = {}  # placeholder pattern -> [values]
        self.not_tcp = set()  # connection ids of other protocols than TCP

    # --- requests and checks --------------------------------------------------------------------
    def call(self, method, path, params=None, body=None, auth=True):
        """The answer, or None after recording a timeout / dropped connection / 5xx."""
        what = "%s %s" % (method, show(path, params))
        try:
            status, headers, data = self.s.request(method, path, params, body, auth=auth)
        except socket.timeout:
            FAIL.add("%s: no answer within %g s" % (what, ARGS.timeout))
            return None
        except (http.client.HTTPException, OSError) as e:
            FAIL.add("%s: connection dropped (%s: %s)" % (what, type(e).__name__, e))
            return None
        if status >= 500:
            FAIL.add("%s: %d %s" % (what, status, data[:300]))
            return None
        return status, headers, data

    def json_body(self, what, headers, data):
        ctype = headers.get("content-type", "")
        if not ctype.startswith("application/json"):
            FAIL.add("%s: Content-Type %r, expected JSON: %r" % (what, ctype, data[:200]))
            return None
        try:
            return json.loads(data)
        except ValueError as e:
            FAIL.add("%s: malformed JSON (%s): %r" % (what, e, data[:200]))
            return None

    def get_ok(self, path, params=None):
        """GET that must answer 200 with JSON: the document, or None after recording why not."""
        what = "GET " + show(path, params)
        r = self.call("GET", path, params)
        if r is None:
            return None
        status, headers, data = r
        if status != 200:
            FAIL.add("%s: %d, expected 200: %r" % (what, status, data[:300]))
            return None
        return self.json_body(what, headers, data)

    def expect_error(self, method, path, params, statuses, parameter=None, body=None):
        """An error answer with one of `statuses`, JSON {"error": text, "parameter": name}; with
        `parameter`, the member names it and so does the message."""
        what = "%s %s" % (method, show(path, params))
        r = self.call(method, path, params, body)
        if r is None:
            return None
        status, headers, data = r
        if status not in statuses:
            FAIL.add("%s: %d, expected %s: %r" % (what, status, "/".join(map(str, statuses)), data[:300]))
            return None
        doc = self.json_body(what, headers, data)
        if doc is None:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("error"), str) or not doc["error"]:
            FAIL.add("%s: %d without an \"error\" message: %r" % (what, status, data[:300]))
            return None
        if parameter is not None:
            if doc.get("parameter") != parameter:
                FAIL.add("%s: %d names parameter %r, expected %r: %r" % (what, status, doc.get("parameter"),
                                                                       parameter, data[:300]))
            elif not all(part.lower() in doc["error"].lower() for part in parameter.split(".")):
                FAIL.add("%s: the message does not name %r: %r" % (what, parameter, doc["error"]))
        return doc

    # --- placeholder values -------------------------------------------------------------------------
    def rows(self, path, params=None):
        doc = self.get_ok(path, dict(params or {}, count=100))
        return doc["displayedItems"] if doc else []

    def collect_values(self):
        """Values of every placeholder, from the list routes (the busiest first)."""
        M = "/API/stats/modules"
        busy = {"sort": "bytes", "reverse": "true"}
        v = self.values
        ips = [r["ip"] for r in self.rows(M + "/ip/ips_paged", busy)]
        v4 = [ip for ip in ips if ":" not in ip]
        v6 = [ip for ip in ips if ":" in ip]
        v[M + "/ip/ips/:ip"] = (v4[:1] + v6[:1]) or []
        conns = self.rows(M + "/ip/globalConnections", busy)
        ids = [c["id"] for c in conns[:1]]
        ids += [c["id"] for c in conns if c["l4Protocol"] != conns[0]["l4Protocol"]][:1]
        v[M + "/ip/connections/:id"] = ids
        # The TCP flow chart is for TCP connections: another protocol's id is a bad `id` (400).
        self.not_tcp = {c["id"] for c in conns if c["l4Protocol"] != 6}
        v[M + "/mac/macs/:mac"] = [r["mac"] for r in self.rows(M + "/mac/mac_paged", busy)][:1]
        for l4 in ("tcp", "udp", "sctp"):
            ports = [r["serverPort"] for r in self.rows(M + "/l4_ports/%s_ports_paged" % l4, busy)]
            v[M + "/l4_ports/%s_port/:port" % l4] = [str(p) for p in ports[:1]]
        protocols = [r for r in self.rows(M + "/dpi/protocols", busy) if r["protocol"] != 0]
        v[M + "/dpi/protocols/:protocol"] = [str(protocols[0]["protocol"]), protocols[0]["name"]] if protocols else []
        v[M + "/dns/servers/:ip"] = [r["ip"] for r in self.rows(M + "/dns/servers")][:1]
        v[M + "/http/servers/:ip"] = [r["ip"] for r in self.rows(M + "/http/servers")][:1]
        tls = self.rows(M + "/ssl/servers")[:1]
        v[M + "/ssl/servers/:ip"] = [r["ip"] for r in tls]
        v[M + "/ssl/servers/:ip/:port"] = [str(r["port"]) for r in tls]
        v[M + "/ssl/clients/:ip"] = [r["ip"] for r in self.rows(M + "/ssl/clients")][:1]
        quic = self.rows(M + "/quic/servers")[:1]
        v[M + "/quic/servers/:ip"] = [r["ip"] for r in quic]
        v[M + "/quic/servers/:ip/:port"] = [str(r["port"]) for r in quic]
        v["/API/system/users/:name"] = ["admin"]
        v["/API/system/dashboards/templates/:name"] = []  # DELETE only: not sent
        # Keys known to the API but absent from the traces (404), and malformed ones (400 naming the
        # placeholder). Ports: one no list shows.
        seen_ports = set()
        for l4 in ("tcp", "udp", "sctp"):
            seen_ports |= set(v[M + "/l4_ports/%s_port/:port" % l4])
        seen_ports |= set(v[M + "/ssl/servers/:ip/:port"]) | set(v[M + "/quic/servers/:ip/:port"])
        self.absent = {":ip": "192.0.2.77", ":mac": "02:00:5e:00:53:77",
                       ":port": next(p for p in ("4", "6", "8", "65001") if p not in seen_ports),
                       ":name": "no-such-user"}
        overview = self.get_ok(M + "/dpi") or {}
        seen = {r["protocol"] for r in self.rows(M + "/dpi/protocols")}
        unseen = next(i for i in range(1, overview.get("supportedProtocols", 100)) if i not in seen)
        self.absent[":protocol"] = str(unseen)
        if ids:
            worker, slot, serial = ids[0].split("-")
            self.absent[":id"] = "%s-%s-%d" % (worker, slot, int(serial) + 1000000)
        else:
            self.absent[":id"] = "0-0-1000000"
        self.malformed = {":ip": ["not-an-ip", "10.0.0.256"], ":port": ["http", "70000", "-1"],
                          ":mac": ["02:00:5e:00:53", "zz:00:5e:00:53:77"], ":protocol": ["NoSuchProtocol"],
                          ":id": ["1-2", "a-b-c"]}

    def require_values(self, patterns):
        """The sweep would test little without these: each must have a value from the trace."""
        for pattern in patterns:
            if not self.values.get(pattern):
                FAIL.add("%s: no value found in %s (the lists answered nothing)" % (pattern, self.name))

    def value_for(self, pattern):
        if pattern not in self.values:
            FAIL.add("%s: a placeholder the sweep has no value for (add one to collect_values)" % pattern)
            return []
        return self.values[pattern]

    # --- the walk -----------------------------------------------------------------------------------
    def options(self, path):
        r = self.call("OPTIONS", path)
        if r is None:
            return [], ""
        status, headers, data = r
        if status != 200:
            FAIL.add("OPTIONS %s: %d %r" % (path, status, data[:200]))
            return [], ""
        doc = self.json_body("OPTIONS " + path, headers, data)
        if not isinstance(doc, dict) or not isinstance(doc.get("subResources"), list):
            FAIL.add("OPTIONS %s: no subResources list: %r" % (path, data[:200]))
            return [], ""
        return doc["subResources"], headers.get("allow", "")

    def walk(self, pattern="/API", path="/API", bad=None, out=None):
        """Visits the node and everything under it; returns the visited nodes as (pattern, path,
        methods, bad), `bad` None for real keys, or ("absent" | "malformed", placeholder) when a key
        on the way is one the trace has not / not a valid key."""
        out = [] if out is None else out
        children, allow = self.options(path)
        methods = {m.strip() for m in allow.split(",") if m.strip()}
        out.append((pattern, path, methods, bad))
        for child in children:
            if not child.startswith(":"):
                self.walk(pattern + "/" + child, path + "/" + child, bad, out)
                continue
            sub = pattern + "/" + child
            quote = lambda v: path + "/" + urllib.parse.quote(v, safe=":")  # noqa: E731
            if bad is None:
                for value in self.value_for(sub):
                    self.walk(sub, quote(value), None, out)
            stats = sub.startswith("/API/stats/") and "/capture/" not in sub
            key = self.absent.get(child) if stats else SPECIAL_ABSENT.get(sub)
            if key is not None:
                # The subtree once more with a key the API knows but the trace has not: 404 below.
                self.walk(sub, quote(key), bad or ("absent", child), out)
            if bad is None and stats:
                for value in self.malformed.get(child, []):
                    self.walk(sub, quote(value), ("malformed", child), out)
        return out

    # --- the nodes ----------------------------------------------------------------------------------
    def check_node(self, pattern, path, methods, bad):
        if "GET" not in methods:
            if bad is None and methods:
                # Known path, no GET: 405 JSON naming the methods it has.
                self.expect_error("GET", path, None, (405,))
            return
        if bad is not None:
            kind, placeholder = bad
            if kind == "absent":
                self.expect_error("GET", path, None, (404,))
            else:
                self.expect_error("GET", path, None, (400,), placeholder[1:])
            return
        FAIL.routes.add(pattern)
        if pattern.endswith("/tcpFlowChart") and path.split("/")[-2] in self.not_tcp:
            self.expect_error("GET", path, None, (400,), "id")
            return
        if pattern == "/API/data/modules/capture":
            return self.check_capture_download(path)
        if pattern == "/API/data/modules/capture/files/:name":
            return self.check_download(path, None, "application/x-pcapng", b"\x0a\x0d\x0d\x0a")
        if pattern == "/API/stats/modules/ip/globalConnections/csv":
            self.check_csv(path, {"csv": "true"})
            self.check_csv(path, {"csv": "true", "starttime": self.first, "sort": "start",
                                  "filter": "(l4Protocol == TCP)"})
            for name, value in (("starttime", "abc"), ("endtime", "-1"), ("sort", "noSuchColumn"),
                                ("filter", "(ip =="), ("count", "0")):
                self.expect_error("GET", path, {"csv": "true", name: value}, (400,), name)
            return
        if methods == {"GET", "OPTIONS"}:
            # A method the route has not: 405 JSON (DELETE only where nothing can be deleted).
            self.expect_error("DELETE", path, None, (405,))
        doc = self.get_ok(path)
        if doc is None:
            return
        if pattern.startswith("/API/stats/") and "/capture/" not in pattern and pattern not in NO_TIME_WINDOW:
            self.check_time_parameters(path, doc)
        if isinstance(doc, dict) and "sort" in doc and "displayedItems" in doc:
            self.check_list_parameters(pattern, path, doc)
        for name, valid, invalid in ROUTE_PARAMETERS.get(pattern, ()):
            for value in valid:
                self.get_ok(path, {name: value})
            for value in invalid:
                self.expect_error("GET", path, {name: value}, (400,), name)

    def check_download(self, path, params, ctype, magic):
        """A file download: 200, its Content-Type, and its first bytes `magic` (or one of them)."""
        what = "GET " + show(path, params)
        r = self.call("GET", path, params)
        if r is None:
            return None
        status, headers, data = r
        if status != 200 or not headers.get("content-type", "").startswith(ctype) or not data.startswith(magic):
            FAIL.add("%s: %d %s %r, expected 200 %s" % (what, status, headers.get("content-type"), data[:100], ctype))
            return None
        return headers

    def check_csv(self, path, params):
        what = "GET " + show(path, params)
        r = self.call("GET", path, params)
        if r is None:
            return
        status, headers, data = r
        if status != 200 or not headers.get("content-type", "").startswith("text/csv"):
            FAIL.add("%s: %d %s %r, expected 200 CSV" % (what, status, headers.get("content-type"), data[:200]))
            return
        try:
            lines = list(csv.reader(io.StringIO(data.decode())))
        except (UnicodeDecodeError, csv.Error) as e:
            FAIL.add("%s: malformed CSV (%s)" % (what, e))
            return
        if not lines:
            # The lists without a CSV writer of their own name their columns by a row
            # (query/json_rows_csv.h): an empty list is an empty document.
            page = self.call("GET", path, {k: v for k, v in params.items() if k != "csv"})
            if page is None or page[0] != 200 or json.loads(page[2]).get("totalItems") != 0:
                FAIL.add("%s: an empty CSV document for a list that is not empty" % what)
            return
        if not lines[0]:
            FAIL.add("%s: CSV without a header line" % what)
            return
        ragged = [i for i, line in enumerate(lines) if len(line) != len(lines[0])]
        if ragged:
            FAIL.add("%s: CSV lines %s have not the header's %d columns" % (what, ragged[:5], len(lines[0])))

    def check_capture_download(self, path):
        """A capture of 10 packets from the analyzed files (never a live one), and its parameters'
        errors (capture_api_test checks the contents)."""
        base = {"fromCaptureBuffer": "true", "maxPackets": "10"}
        self.check_download(path, base, "application/x-pcapng", b"\x0a\x0d\x0d\x0a")
        self.check_download(path, dict(base, useSingleInterface="true"), "application/vnd.tcpdump.pcap",
                            (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"))
        for name, value in (("expression", "port =="), ("expression", "(ip"), ("maxPackets", "many"),
                            ("maxPackets", "-1"), ("startTime", "yesterday"), ("endTime", ""),
                            ("snapPacketLength", "0"), ("snapPacketLength", "99999999999999999999"),
                            ("fromCaptureBuffer", "maybe"), ("timespan", "abc"), ("profile", "no-such-profile"),
                            ("noSuchParameter", "1")):
            self.expect_error("GET", path, dict(base, **{name: value}), (400,), name)

    # --- common parameters ------------------------------------------------------------------------
    def check_time_parameters(self, path, doc):
        first, last = self.first, self.last
        for params in ({"starttime": first, "endtime": last + 1}, {"starttime": first}, {"endtime": last + 1},
                       {"starttime": last, "endtime": last + 1}, {"timespan": 60},
                       {"starttime": first, "endtime": last + 1, "timespan": 3600}, {"values": 0},
                       {"values": 5}, {"values": 10000}, {"skiphistorydata": "true"},
                       {"skiphistorydata": "false"}, {"starttime": 0, "endtime": 1}):
            got = self.get_ok(path, params)
            if got is None:
                continue
            histories = list(find_histories(got))
            if histories and (params.get("skiphistorydata") == "true" or params.get("values") == 0):
                FAIL.add("GET %s: still has history" % show(path, params))
            if "values" in params and any(len(h["values"]) > params["values"] for h in histories):
                FAIL.add("GET %s: a history of more than %d points" % (show(path, params), params["values"]))
        numbers = ["abc", "-1", "99999999999999999999", "", "1.5", "0x10"]
        for name, values in (("starttime", numbers), ("endtime", numbers), ("timespan", numbers + ["0"]),
                             ("values", numbers + ["10001"]), ("skiphistorydata", ["maybe", "2"])):
            for value in values:
                self.expect_error("GET", path, {name: value}, (400,), name)
        for params in ({"starttime": last + 1, "endtime": first}, {"starttime": first, "endtime": first}):
            self.expect_error("GET", path, params, (400,), "endtime")

    def check_list_parameters(self, pattern, path, doc):
        err = self.expect_error("GET", path, {"sort": "noSuchColumn"}, (400,), "sort")
        columns = re.findall(r"[A-Za-z0-9_]+", err["error"].split("one of:", 1)[1]) if err and "one of:" in err[
            "error"] else []
        if err and not columns:
            FAIL.add("GET %s?sort=noSuchColumn: the error does not list the columns: %r" % (path, err["error"]))
        for column in columns:
            got = self.get_ok(path, {"sort": column, "reverse": "true"})
            if got is not None and got.get("sort", "").lower() != column.lower():
                FAIL.add("GET %s?sort=%s: answers sort %r" % (path, column, got.get("sort")))
        if columns:
            self.get_ok(path, {"sort": columns[-1].upper()})  # case-insensitive
        total = doc["totalItems"]
        for params in ({"reverse": "true"}, {"reverse": "false"}, {"page": 1}, {"page": 2**31}, {"count": 1},
                       {"count": 100}, {"count": 9999}, {"filter": ""}, {"page": 0, "count": 3}):
            got = self.get_ok(path, params)
            if got is None:
                continue
            rows = got.get("displayedItems")
            want = max(0, min(total - int(params.get("page", 0)) * got["count"], got["count"]))
            if "filter" not in params and (not isinstance(rows, list) or len(rows) != want):
                FAIL.add("GET %s: %s rows of %d, expected %d" % (show(path, params), len(rows or []), total, want))
            if params.get("count") == 9999 and got.get("count") != 100:
                FAIL.add("GET %s: count %r, expected 100" % (show(path, params), got.get("count")))
        # A substring filter: applied, or refused by a list without filter (never ignored).
        r = self.call("GET", path, {"filter": "1"})
        if r is not None and r[0] != 200:
            err = self.expect_error("GET", path, {"filter": "1"}, (400,), "filter")
            if err is not None and "no filter" not in err["error"]:
                FAIL.add("GET %s?filter=1: %r" % (path, err))
        numbers = ["abc", "-1", "99999999999999999999", "", "1.5"]
        for name, values in (("sort", ["", "bytes;drop"]), ("reverse", ["maybe", "2"]), ("page", numbers),
                             ("count", numbers + ["0"]), ("filter", ["(ip ==", "(", "(port == 80"]),
                             ("csv", ["maybe"])):
            for value in values:
                self.expect_error("GET", path, {name: value}, (400,), name)
        # CSV: the whole list as CSV where a list offers it, else a 400 naming csv.
        r = self.call("GET", path, {"csv": "true"})
        if r is not None:
            status, headers, data = r
            if headers.get("content-type", "").startswith("text/csv"):
                self.check_csv(path, {"csv": "true"})
            elif status == 400:
                self.expect_error("GET", path, {"csv": "true"}, (400,), "csv")
            else:
                FAIL.add("GET %s?csv=true: %d %s, expected CSV or a 400 naming csv: %r" % (
                    path, status, headers.get("content-type"), data[:200]))

    # --- writes that are harmless: capture favorites, profiles, a capture to disk, login ------------
    def create(self, path, body, key="id"):
        r = self.call("POST", path, body=body)
        if r is None:
            return None
        status, headers, data = r
        doc = self.json_body("POST " + path, headers, data)
        if status not in (200, 201) or not isinstance(doc, dict) or key not in doc:
            FAIL.add("POST %s %s: %d %r" % (path, body, status, data[:200]))
            return None
        return doc

    def setup_writes(self):
        C = "/API/stats/modules/capture"
        fav = self.create(C + "/favorites", {"expression": "port == 53", "description": "sweep"})
        self.values[C + "/favorites/:id"] = [str(fav["id"])] if fav else []
        self.profile = {"name": "sweep", "rules": [{"expression": "port == 53", "snapLength": 64}, {"snapLength": 0}]}
        prof = self.create(C + "/profiles", self.profile)
        self.values[C + "/profiles/:id"] = [str(prof["id"])] if prof else []
        # A capture of 10 packets from the files, written to the state directory.
        cap = self.get_ok("/API/data/modules/capture", {"fromCaptureBuffer": "true", "captureToMedia": "true",
                                                        "maxPackets": "10"})
        self.values[C + "/captures/:id"] = [str(cap["id"])] if cap and "id" in cap else []
        files = []
        for _ in range(100):
            files = [f["name"] for f in (self.get_ok(C + "/files") or {}).get("files", [])]
            captures = (self.get_ok(C + "/captures") or {}).get("captures", [])
            if files and all(c["state"] != "running" for c in captures):
                break
            time.sleep(0.1)
        if not files:
            FAIL.add("the capture to disk wrote no file")
        self.values["/API/data/modules/capture/files/:name"] = files[:1]

    def check_writes(self):
        C = "/API/stats/modules/capture"
        for pid in self.values[C + "/profiles/:id"]:
            r = self.call("PUT", C + "/profiles/" + pid, body=dict(self.profile, name="sweep2"))
            if r is not None and r[0] != 200:
                FAIL.add("PUT %s/profiles/%s: %d %r" % (C, pid, r[0], r[2][:200]))
            self.expect_error("PUT", C + "/profiles/" + pid, None, (400,), "rules[0].expression",
                              body={"name": "bad", "rules": [{"expression": "port ==", "snapLength": 64}]})
        self.expect_error("POST", C + "/favorites", None, (400,), "expression", body={"expression": "(ip"})
        for what in ("favorites", "profiles", "captures"):
            for key in self.values[C + "/%s/:id" % what]:
                r = self.call("DELETE", "%s/%s/%s" % (C, what, key))
                if r is not None and r[0] not in (200, 204):
                    FAIL.add("DELETE %s/%s/%s: %d %r" % (C, what, key, r[0], r[2][:200]))
            self.expect_error("DELETE", "%s/%s/999999" % (C, what), None, (404,))
        # Login and logout (public), and a request without credentials.
        r = self.call("POST", "/API/auth/login", body={"user": "admin", "password": PASSWORD}, auth=False)
        if r is None or r[0] != 200 or "set-cookie" not in r[1]:
            FAIL.add("POST /API/auth/login: %r" % (r[:2] if r else None,))
        self.expect_error("POST", "/API/auth/login", None, (400, 401), body={"user": "admin"})
        r = self.call("POST", "/API/auth/logout", body={}, auth=False)
        if r is not None and r[0] not in (200, 204):
            FAIL.add("POST /API/auth/logout: %d %r" % (r[0], r[2][:200]))
        r = self.call("GET", "/API/stats/modules/ip/ips_paged", auth=False)
        if r is not None and r[0] != 401:
            FAIL.add("GET /API/stats/modules/ip/ips_paged without credentials: %d" % r[0])

    # --- all of it ----------------------------------------------------------------------------------
    def run(self):
        t = self.get_ok("/API/stats/time")
        self.first, self.last = t["firstSecond"], t["lastSecond"]
        self.collect_values()
        self.require_values(self.required)
        self.setup_writes()
        nodes = self.walk()
        for pattern, path, methods, bad in nodes:
            self.check_node(pattern, path, methods, bad)
        self.check_writes()
        # The routes of docs/api.md are those of the tree.
        walked = {p for p, _, _, _ in nodes}
        routes = {p for p, _, methods, bad in nodes if bad is None and methods - {"OPTIONS"}}
        documented = documented_routes()
        for route in sorted(documented - walked):
            FAIL.add("%s: in docs/api.md but not in the OPTIONS tree" % route)
        for route in sorted(routes - documented):
            FAIL.add("%s: a route of the OPTIONS tree that docs/api.md does not name" % route)
        return nodes


def find_histories(doc):
    """Every history dataset ({"starttime", "timespan", "values": [...]}) in a document."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "history" and isinstance(value, dict) and isinstance(value.get("values"), list):
                yield value
            else:
                yield from find_histories(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from find_histories(value)


ROUTE_PARAMETERS = {
    "/API/stats/modules/qos/classes": [("kind", ["all", "ipDscp", "vlanPcp", "mplsTc"], ["bogus", ""])],
    "/API/stats/modules/ip/ips/:ip/protocols": [("layer", ["l7", "l4"], ["l9", ""])],
    "/API/stats/modules/http/transactions": [("all", ["true", "false"], ["maybe"])],
    "/API/stats/modules/ip/ips/:ip/httpTransactions": [("all", ["true", "false"], ["maybe"])],
}


def documented_routes():
    """The route patterns docs/api.md names (`GET /API/...`, `.../ips/:ip/x` relative to the IP module
    or to the section's base path, `{a,b}` alternatives), with their `:placeholder`s."""
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "api.md")
    routes = set()
    with open(doc) as f:
        text = f.read()
    for section in re.split(r"\n(?=#)", text):
        m = re.match(r"#[^\n]*`(/API/[^`]*)`", section)
        base = m.group(1) if m else None
        for span in re.findall(r"`([^`]*)`", section):
            parts = re.split(r",\s*", span) if span.startswith("GET .../ips/:ip/dns") else [span]
            for part in parts:
                routes |= expand_route(part, base)
    return routes


def expand_route(text, base=None):
    if not re.match(r"(GET|POST|PUT|DELETE)(/(GET|POST|PUT|DELETE))*\s+", text.strip()):
        return set()
    text = re.sub(r"^(GET|POST|PUT|DELETE)(/(GET|POST|PUT|DELETE))*\s+", "", text.strip()).split("?")[0]
    if text.endswith("[/:id]"):
        text = text[:-len("[/:id]")]
        routes = expand_route("GET " + text + "/:id", base)
    else:
        routes = set()
    if text.startswith(".../ips/"):
        text = "/API/stats/modules/ip" + text[3:]
    elif text.startswith(".../") and base:
        text = base + text[3:]
    if not text.startswith("/API/"):
        return set()
    m = re.search(r"\{([^}]*)\}", text)
    if m:
        return routes.union(*(expand_route("GET " + text[:m.start()] + alt + text[m.end():])
                              for alt in m.group(1).split(",")))
    return routes | {text}


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--netmeter", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("-v", "--verbose", action="store_true")
    ARGS = parser.parse_args()
    started = time.monotonic()
    walked = 0
    for i, files in enumerate(SERVERS):
        paths = [os.path.join(ARGS.shared, "pcaps", f) for f in files]
        server = Server(paths)
        try:
            server.wait_finished()
            sweep = Sweep(server, "server %d (%s)" % (i + 1, ", ".join(files)), REQUIRED[i])
            nodes = sweep.run()
            walked += len(nodes)
            if sweep.get_ok("/API/stats/processing") is None:
                FAIL.add("the server does not answer after the sweep")
        finally:
            status, stderr = server.stop()
        reports = [line for line in stderr.splitlines()
                   if re.search(r"Sanitizer|runtime error:|ERROR: |SUMMARY: ", line)]
        if status != 0 or reports:
            FAIL.add("server %d exited with status %s after SIGTERM%s; stderr:\n%s" % (
                i + 1, status, ", with sanitizer reports" if reports else "", stderr[-5000:]))
    if len(FAIL.routes) < 60:
        FAIL.add("only %d routes answered GET: the walk missed most of the tree" % len(FAIL.routes))
    print("api_sweep: %d nodes walked (%d routes answering GET), %d requests, %d failures, %.1f s" % (
        walked, len(FAIL.routes), FAIL.requests, len(FAIL.items), time.monotonic() - started))
    return 1 if FAIL.items else 0


if __name__ == "__main__":
    sys.exit(main())
