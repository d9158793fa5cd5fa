#!/usr/bin/env python3
"""Per-IP, per-IP-pair and per-TCP/UDP-conversation packet and byte counts: netmeter versus tshark.

For every capture under <shared>/pcaps (all folders, *.pcap and *.pcapng), for a crafted trace of
corner cases (edge_cases.py) and for two traces made by netmeter-generate, this test runs tshark and `netmeter analyze FILE --json OUT` and compares

  * per IP address: rx/tx packets and bytes        (tshark -z endpoints,ip / endpoints,ipv6)
  * per IP pair, each direction: packets, bytes    (tshark -z conv,ip / conv,ipv6)
  * per TCP and UDP conversation, each direction   (tshark -z conv,tcp / conv,udp)

Bytes are the original frame length (pcap "len", layer 2 included, FCS not), as tshark counts them.
See README.md next to this file for how tshark counts and for every known, justified difference.

How the comparison is built (each link checked):

 1. tshark's own tables (`-z endpoints,ip -z endpoints,ipv6 -z conv,ip -z conv,ipv6 -z conv,tcp
    -z conv,udp`) are the reference. Their conversation tables print bytes rounded down to kB/MB
    above 9999 bytes, so exact bytes come from link 2.
 2. tshark prints one line per packet (frame length, protocol stack, every IP / TCP / UDP layer)
    together with the same tables. The test rebuilds tshark's tables from those lines ("tshark
    model") and requires them to equal tshark's printed tables exactly (frames, exact bytes where
    printed, the kB/MB rendering otherwise). Only then are the per-packet lines trusted. This run
    has IP reassembly off, so that every fragment shows its own headers. For a capture with IP
    fragments, a second such run with reassembly on (tshark's default) is checked the same way
    against its own tables, and the two runs' tables must differ only where fragments are.
 3. netmeter reassembles IP datagrams (src/decode/ip_reassembler.*). Its rules are replayed on the
    fragments (ip_reassembly_model.py: which fragments it can use, the datagram key, overlaps,
    inconsistent ends, the 30 s timeout, when a datagram becomes whole), reading each fragment's
    header and data from the frame bytes of a third tshark run (JSON with raw bytes, fragments
    only) at the position tshark dissected it. Every datagram the replay completes must be one
    tshark's reassembly completes in the same frame with the same length; the reassembly-on line of
    that frame then gives the whole datagram's layers (the inner packet of a tunnel carrier). A
    datagram only tshark completes needs a reason from the replay (netmeter dropped it or gave it
    up). The replay's totals must equal the ones netmeter reports (trace.ipReassembly).
 4. From the per-packet lines (reassembly off) and the replay the test derives "netmeter's view" of
    the traffic by applying netmeter's documented semantics, each one explained where it is applied
    below (innermost IP of a tunnel, no ICMP-error payloads, fragments as its reassembly treats them,
    netmeter's connection split rules and VLAN key). netmeter's JSON must equal that view exactly.
    Where the view differs from tshark's raw tables the test prints what was excluded or split and
    why.

Exit status: 0 when every capture matches, 1 on any unexplained mismatch, 77 (ctest SKIP) when
tshark is not installed, 2 on usage errors.
"""

import argparse
import concurrent.futures
import copy
import ipaddress
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import ip_reassembly_model  # noqa: E402 (after the line above)
from shared_captures import SKIP_RETURN_CODE, find_captures
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Connection split rules of netmeter's flow table (src/flow/flow_table.h, FlowTimeouts, and
# FlowTable::update): a packet starts a NEW connection for the same key when the existing one has
# been idle for longer than its timeout (strictly greater), or when it is a pure SYN (SYN without
# ACK) and the existing TCP connection is closed (FIN seen in both directions, or a RST). Keep these
# in step with the engine; they are options so that a changed engine default can be tried quickly.
NETMETER_TCP_TIMEOUT_S = 300
NETMETER_TCP_CLOSED_TIMEOUT_S = 30
NETMETER_UDP_TIMEOUT_S = 120

# Link types netmeter does not decode (it counts their packets as "unsupported_link_type" in
# global.malformed and nothing else), by the first protocol tshark shows for them. A deliberate scope
# limit of the decoder, not a counting difference: those packets are left out of the comparison only
# when netmeter reports exactly that many unsupported packets. Remove an entry once supported.
NETMETER_UNDECODED_LINKS = {
    "netlink": "LINKTYPE_NETLINK (253), Linux kernel messages (no IP)",
}

TSHARK_TABLES = ["endpoints,ip", "endpoints,ipv6", "conv,ip", "conv,ipv6", "conv,tcp", "conv,udp"]

# Per-packet fields of tshark's second run. With "-E occurrence=a" a field that occurs in several
# layers (outer and inner IP of a tunnel) prints all occurrences, comma-separated, outermost first.
FIELDS = [
    "frame.number", "frame.len", "frame.time_epoch", "frame.time_relative", "frame.protocols",
    "ip.src", "ip.dst", "ip.flags.mf", "ip.frag_offset",
    "ipv6.src", "ipv6.dst", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
    "ipv6.routing.type", "ipv6.routing.segleft", "ipv6.routing.src.addr",
    "tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.flags", "tcp.hdr_len",
    "udp.srcport", "udp.dstport", "udp.stream",
    "vlan.id", "ieee8021ad.id", "tcp.len",
    # Only in the run with IP reassembly on: on the IP header of the fragment that completes a datagram.
    "ip.reassembled.length", "ipv6.reassembled.length",
    "ip.fragment.overlap.conflict", "ipv6.fragment.overlap.conflict",
    "_ws.short", "_ws.malformed", "_ws.unreassembled",
]
F = {name: i for i, name in enumerate(FIELDS)}

TCP, UDP = 6, 17
PROTO_NAME = {TCP: "tcp", UDP: "udp"}


class HarnessError(Exception):
    """The test could not establish tshark's reference (not a netmeter mismatch)."""


# --------------------------------------------------------------------------------------------------
# tshark's text tables
# --------------------------------------------------------------------------------------------------

def format_size(n):
    """tshark 4.0 prints conversation bytes with format_size(n, FORMAT_SIZE_UNIT_BYTES, 0)
    (wsutil/str_util.c): SI prefixes, the integer part only (rounded DOWN), a prefix only once the
    value reaches 10 of that unit: 9999 -> "9999 bytes", 13844 -> "13 kB", 10**7 -> "10 MB"."""
    p = 1000
    for exp, unit in ((4, "TB"), (3, "GB"), (2, "MB"), (1, "kB")):
        if n // p**exp >= 10:
            return "%d %s" % (n // p**exp, unit)
    return "%d bytes" % n


def norm_ip(text):
    """One spelling per address (RFC 5952 for IPv6) so that tshark's and netmeter's strings compare."""
    return str(ipaddress.ip_address(text))


def split_endpoint(text):
    """'10.0.0.1:80' or '2001:db8::1:443' (tshark conv,tcp/udp) -> ('10.0.0.1', 80)."""
    addr, _, port = text.rpartition(":")
    return norm_ip(addr), int(port)


_SIZE = r"\d+ (?:bytes|kB|MB|GB|TB)"
_CONV_ROW = re.compile(
    r"^(?P<a>\S+)\s+<->\s+(?P<b>\S+)\s+(?P<rxf>\d+)\s+(?P<rxb>%s)\s+(?P<txf>\d+)\s+(?P<txb>%s)\s+"
    r"(?P<tf>\d+)\s+(?P<tb>%s)\s+(?P<start>-?[\d.]+)\s+(?P<dur>-?[\d.]+)\s*$" % (_SIZE, _SIZE, _SIZE))
_EP_ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")
_SECTION = re.compile(r"^(IPv4|IPv6|TCP|UDP) (Conversations|Endpoints)$")


def parse_tables(lines):
    """Parses tshark's -z endpoints/conv output.

    Conversation columns (tshark 4.0 ui/cli/tap-iousers.c): A <-> B, then "<-" frames/bytes (B to A),
    "->" frames/bytes (A to B), total, start relative to the first packet, duration. A is the source
    of the conversation's first packet. Endpoint columns: packets, bytes, tx packets, tx bytes, rx
    packets, rx bytes, all exact.

    Returns {"endpoints": {ip: (txp, txb, rxp, rxb)}, "ip": [row], "tcp": [row], "udp": [row]} where
    a row is a dict with a, b (ip or (ip, port)), ab = (frames, size text) for A to B, ba likewise,
    start (text)."""
    tables = {"endpoints": {}, "ip": [], "tcp": [], "udp": []}
    section = None
    for line in lines:
        line = line.rstrip("\n")
        m = _SECTION.match(line)
        if m:
            section = (m.group(1), m.group(2))
            continue
        if section is None or not line.strip() or line.startswith("Filter:") or "|" in line:
            continue
        if line.startswith("====="):
            section = None
            continue
        kind, what = section
        if what == "Endpoints":
            m = _EP_ROW.match(line)
            if not m:
                raise HarnessError("unparsed tshark endpoint line: %r" % line)
            ip = norm_ip(m.group(1))
            if ip in tables["endpoints"]:
                raise HarnessError("address listed twice by tshark: %s" % ip)
            tables["endpoints"][ip] = tuple(int(m.group(i)) for i in (4, 5, 6, 7))
        else:
            m = _CONV_ROW.match(line)
            if not m:
                raise HarnessError("unparsed tshark conversation line: %r" % line)
            if kind in ("IPv4", "IPv6"):
                a, b, table = norm_ip(m.group("a")), norm_ip(m.group("b")), "ip"
            else:
                a, b, table = split_endpoint(m.group("a")), split_endpoint(m.group("b")), kind.lower()
            tables[table].append({
                "a": a, "b": b,
                "ab": (int(m.group("txf")), m.group("txb")),
                "ba": (int(m.group("rxf")), m.group("rxb")),
                "start": m.group("start"),
            })
    return tables


# --------------------------------------------------------------------------------------------------
# tshark runs
# --------------------------------------------------------------------------------------------------

def tshark_env(config_dir):
    env = dict(os.environ)
    env["LC_ALL"] = "C"  # no thousands separators in the tables
    env["WIRESHARK_CONFIG_DIR"] = config_dir  # an empty profile: default preferences only
    return env


def run_tshark(tshark, capture, extra, env):
    cmd = [tshark, "-n", "-r", capture] + extra
    for t in TSHARK_TABLES:
        cmd += ["-z", t]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    stderr = [l for l in proc.stderr.splitlines() if l.strip() and "Running as user" not in l
              and "This could be dangerous" not in l]
    return proc.returncode, proc.stdout.splitlines(), stderr


class IpLayer:
    # frag: any fragment; later_frag: a fragment other than the first (offset > 0);
    # tapped: tshark's IP tap counts this layer (see parse_packet).
    # l4dst: the destination tshark gives the TCP/UDP header (see parse_packet).
    # damaged: tshark's dissection of this header raised an exception (cut short or malformed).
    # reassembled: with IP reassembly on, the datagram length tshark reassembled at this header
    # (this frame completes it), else None.
    __slots__ = ("fam", "src", "dst", "frag", "later_frag", "tok", "in_error", "tapped", "l4dst",
                 "damaged", "reassembled")


class L4Layer:
    # tapped: tshark's TCP/UDP tap counts this layer; ports: netmeter can read the ports.
    # bogus: a TCP header length below 20 with 20 bytes there: tshark stops before the flags and
    # its tap, netmeter reads the ports and flags (flags then None: the model supplies them).
    __slots__ = ("proto", "sport", "dport", "stream", "flags", "tok", "in_error", "ip", "tapped",
                 "ports", "bogus")


class Packet:
    # bogus_l3: the first IP header has no addresses (tshark: "Bogus IPv4 version" and the like).
    # bad_time: the record's sub-second field is out of range (tshark prints 10 fraction digits).
    # conflict: tshark reports conflicting bytes in the fragments it reassembled in this frame.
    __slots__ = ("num", "length", "ns", "rel", "tokens", "ips", "l4s", "vlans", "bogus_l3",
                 "bad_time", "conflict")


def _occ(row, name):
    v = row[F[name]]
    return v.split(",") if v else []


_EXCEPTION = re.compile(r"\[(?:Packet size limited during capture: (.+?) truncated|Malformed Packet: (.+?)"
                        r"|BoundError Unreassembled Packet: (.+?))\]")


def _exception_token(name):
    """Protocol named by an exception -> token of the layer whose tap it prevents. IPv6 extension
    headers ("IPv6 Fragment", "IPv6 Hop-by-Hop", ...) are parsed before the IPv6 tap runs."""
    if name == "IPv4":
        return "ip"
    if name == "IPv6" or name.startswith("IPv6 "):
        return "ipv6"
    return {"TCP": "tcp", "UDP": "udp"}.get(name)


def _last_index(tokens, tok):
    return max((i for i, t in enumerate(tokens) if t == tok), default=-1)


def parse_packet(line, reassembly=False):
    """One per-packet line -> Packet (`reassembly`: from the run with IP reassembly on). Layers are
    placed with frame.protocols (the protocol stack, outermost first); every IP / TCP / UDP token
    consumes the next occurrence of its fields.

    Which layers tshark's taps count (each rule is checked against tshark's tables, link 2):
    - not the IP/TCP/UDP headers quoted inside an ICMP/ICMPv6 error (pinfo->flags.in_error_pkt);
    - not a layer whose dissection raised an exception (truncated by the capture length or
      malformed): the IP, TCP and UDP dissectors queue their tap after parsing their header, so a
      header cut short is dissected partly but not counted;
    - not an IPv6 header whose fragment header has a non-zero offset: tshark's IPv6 tap runs only
      for a packet whose payload it dissects (the first fragment when reassembly is off, the
      reassembling fragment when it is on: with reassembly on, an IPv6 fragment header's packet is
      counted only in the frame that completes the datagram), whereas the IPv4 tap counts every
      fragment;
    - not a TCP header that does not fit in the IP payload (a first fragment carrying only part of
      it): tshark shows the fields it can read but leaves before its tap (no tcp.len);
    - not a TCP header whose length field says less than 20 bytes ("bogus TCP header length"):
      tshark shows the ports and leaves before the flags and its tap. netmeter reads the ports
      and flags of such a header when 20 bytes are there (src/decode/transport_layer.cpp).
    An IPv6 type 0 routing header with segments left makes tshark give the TCP/UDP header the
    routing header's final address as destination (pinfo->dst, for the pseudo-header)."""
    row = line.split("\t")
    if len(row) != len(FIELDS):
        raise HarnessError("unexpected per-packet line: %r" % line)
    p = Packet()
    p.num = int(row[F["frame.number"]])
    p.length = int(row[F["frame.len"]])
    sec, _, frac = row[F["frame.time_epoch"]].partition(".")
    p.ns = int(sec) * 10**9 + int((frac + "000000000")[:9])
    p.bad_time = len(frac) > 9
    p.rel = row[F["frame.time_relative"]]
    p.tokens = row[F["frame.protocols"]].split(":")
    occ = {name: _occ(row, name) for name in FIELDS[5:-3]}
    pos = defaultdict(int)
    excepted = {}  # token -> kind of exception: "short", "malformed" or "unreassembled"
    for m in _EXCEPTION.finditer(row[F["_ws.short"]] + row[F["_ws.malformed"]] + row[F["_ws.unreassembled"]]):
        tok = _exception_token(m.group(1) or m.group(2) or m.group(3))
        if tok:
            excepted[tok] = "short" if m.group(1) else "malformed" if m.group(2) else "unreassembled"

    def take(name):
        """The next occurrence of a field, None when the layer has no more (header cut short:
        a dissector stops at the first field it cannot read, so only the last layer can lack)."""
        i = pos[name]
        pos[name] += 1
        lst = occ[name]
        return lst[i] if i < len(lst) else None

    p.ips, p.l4s, p.vlans = [], [], []
    p.bogus_l3 = False
    in_error = False
    l2 = True
    for t_index, tok in enumerate(p.tokens):
        if l2 and tok in ("vlan", "ieee8021ad"):
            # Tags of the outermost frame (netmeter keys connections by the first tag).
            tag = take("vlan.id" if tok == "vlan" else "ieee8021ad.id")
            if tag is not None:
                p.vlans.append(int(tag))
        elif tok == "vlan":
            take("vlan.id")
        elif tok == "ieee8021ad":
            take("ieee8021ad.id")
        if tok in ("ip", "ipv6", "tcp", "udp", "icmp", "icmpv6", "arp", "mpls", "pppoes", "ppp"):
            l2 = False
        if tok in ("icmp", "icmpv6"):
            # An IP header after ICMP is the offending packet quoted by an ICMP error: tshark
            # dissects it but its taps ignore it (pinfo->flags.in_error_pkt), and netmeter counts
            # the ICMP packet under its own (outer) header only.
            in_error = True
        if tok == "ip" or tok == "ipv6":
            layer = IpLayer()
            layer.fam = 4 if tok == "ip" else 6
            suffix = "ip." if tok == "ip" else "ipv6."
            layer.src = take(suffix + "src")
            layer.dst = take(suffix + "dst")
            layer.frag = layer.later_frag = False
            if tok == "ip":
                mf, off = take("ip.flags.mf"), take("ip.frag_offset")
                layer.later_frag = off not in ("0", "", None)
                layer.frag = mf in ("1", "True") or layer.later_frag
            layer.tok = t_index
            layer.in_error = in_error
            layer.tapped = not in_error and layer.dst is not None
            layer.damaged = False
            layer.reassembled = None
            if layer.src is None or layer.dst is None:
                # No addresses: tshark could not read this header and does not count it. When it is
                # the first one (an IPv4 EtherType with a version 6 header, which tshark then
                # dissects as IPv6), netmeter has no IP header for the packet at all.
                if not p.ips:
                    p.bogus_l3 = True
                continue
            layer.src, layer.dst = norm_ip(layer.src), norm_ip(layer.dst)
            layer.l4dst = layer.dst
            p.ips.append(layer)
        elif tok == "ipv6.routing":
            rtype, segleft = take("ipv6.routing.type"), take("ipv6.routing.segleft")
            if rtype == "0" and segleft not in ("0", None) and p.ips and occ["ipv6.routing.src.addr"]:
                if p.tokens.count("ipv6.routing") != 1:
                    raise HarnessError("frame %d: several routing headers" % p.num)
                p.ips[-1].l4dst = norm_ip(occ["ipv6.routing.src.addr"][-1])
        elif tok == "ipv6.fraghdr":
            off, more = take("ipv6.fraghdr.offset"), take("ipv6.fraghdr.more")
            if p.ips and p.ips[-1].fam == 6:
                p.ips[-1].later_frag = off not in ("0", "", None)
                p.ips[-1].frag = more in ("1", "True") or p.ips[-1].later_frag
                if p.ips[-1].later_frag:
                    p.ips[-1].tapped = False
        elif tok in ("tcp", "udp"):
            layer = L4Layer()
            layer.proto = TCP if tok == "tcp" else UDP
            sport, dport = take(tok + ".srcport"), take(tok + ".dstport")
            stream = take(tok + ".stream")
            flags = take("tcp.flags") if tok == "tcp" else "0"
            hlen = take("tcp.hdr_len") if tok == "tcp" else "8"
            seglen = take("tcp.len") if tok == "tcp" else None
            # A TCP header length below 20 is bogus (tshark stops before the flags and its tap;
            # netmeter reads ports and flags when the 20 bytes of a header are there, tcp.len then
            # being what follows the bogus length). A header that runs past the end of a first
            # fragment raises an exception that tshark reports as "Unreassembled Packet" (also
            # before the tap); netmeter has no complete header then.
            complete = hlen is not None and int(hlen) >= 20 if tok == "tcp" else True
            layer.bogus = (tok == "tcp" and hlen is not None and int(hlen) < 20 and seglen is not None
                           and int(hlen) + int(seglen) >= 20)
            if excepted.get(tok) == "unreassembled" and t_index == _last_index(p.tokens, tok):
                complete = False
            layer.ports = sport is not None and dport is not None and (
                flags is not None and complete or layer.bogus)
            layer.sport = int(sport) if sport is not None else 0
            layer.dport = int(dport) if dport is not None else 0
            layer.stream = int(stream) if stream is not None else -1
            layer.flags = int(flags, 16) if flags not in (None, "0") else 0
            if layer.bogus:
                layer.flags = None  # not shown by tshark; netmeter reads them
            layer.tok = t_index
            layer.in_error = in_error
            layer.ip = len(p.ips) - 1  # the IP header this segment travels in (pinfo->src/dst)
            layer.tapped = (not in_error and layer.ports and not layer.bogus and stream is not None
                            and layer.ip >= 0)
            p.l4s.append(layer)
    p.conflict = False
    if reassembly:
        # The reassembled datagram's fields are in the IP tree of the header whose fragment
        # completed it: one occurrence per such header, which must be a fragment.
        for fam, name in ((4, "ip."), (6, "ipv6.")):
            lengths = occ[name + "reassembled.length"]
            frags = [l for l in p.ips if l.fam == fam and l.frag and not l.in_error]
            if lengths and len(lengths) != len(frags):
                raise HarnessError("frame %d: %d reassembled %s datagram(s) for %d fragment header(s)"
                                   % (p.num, len(lengths), name[:-1], len(frags)))
            for layer, length in zip(frags if lengths else [], lengths):
                layer.reassembled = int(length)
            for layer in frags:
                if fam == 6:
                    # IPv6 tap: only where tshark dissects the payload (see above).
                    layer.tapped = layer.reassembled is not None
            p.conflict = p.conflict or bool(occ[name + "fragment.overlap.conflict"])
    # An exception names the protocol that raised it; it is the last layer of that protocol (a
    # layer without addresses, which is not in p.ips, may be the one).
    for tok in excepted:
        last = _last_index(p.tokens, tok)
        for layer in p.ips + p.l4s:
            if layer.tok == last:
                layer.tapped = False
                if tok in ("ip", "ipv6"):
                    layer.damaged = True
    return p


def split_output(lines):
    """Per-packet lines come first, then the tables (first line of ='s)."""
    for i, line in enumerate(lines):
        if line.startswith("====="):
            return lines[:i], lines[i:]
    return lines, []


# --------------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------------

class Counts:
    """Directional packet/byte counters: endpoints {ip: [txp, txb, rxp, rxb]}, pairs {(src, dst):
    [p, b]}, conversations {key: Conv}."""

    def __init__(self):
        self.endpoints = defaultdict(lambda: [0, 0, 0, 0])
        self.pairs = defaultdict(lambda: [0, 0])
        self.convs = {}
        self.reasons = Counter()  # netmeter view: why a packet is counted differently from tshark

    def add_ip(self, src, dst, length):
        s, d = self.endpoints[src], self.endpoints[dst]
        s[0] += 1
        s[1] += length
        d[2] += 1
        d[3] += length
        pr = self.pairs[(src, dst)]
        pr[0] += 1
        pr[1] += length


class Conv:
    __slots__ = ("proto", "vlan", "first_src", "dirs", "start_ns", "last_ns", "rel", "streams",
                 "fin", "rst", "packets")

    def __init__(self, proto, vlan, src, p):
        self.proto, self.vlan, self.first_src = proto, vlan, src
        self.dirs = defaultdict(lambda: [0, 0])  # (src_ep, dst_ep) -> [packets, bytes]
        self.start_ns = self.last_ns = p.ns
        self.rel = p.rel
        self.streams = set()
        self.fin = set()
        self.rst = False
        self.packets = []

    def add(self, src, dst, p):
        d = self.dirs[(src, dst)]
        d[0] += 1
        d[1] += p.length
        self.last_ns = max(self.last_ns, p.ns)
        self.packets.append(p.num)

    def endpoints(self):
        return frozenset(e for k in self.dirs for e in k)


def tshark_model(packets):
    """tshark's tables rebuilt from the per-packet lines: every IP layer's tap (all tunnel levels,
    not ICMP-error payloads), every TCP/UDP layer's tap keyed by tcp.stream/udp.stream."""
    c = Counts()
    for p in packets:
        for layer in p.ips:
            if layer.tapped:
                c.add_ip(layer.src, layer.dst, p.length)
        for l4 in p.l4s:
            if not l4.tapped:
                continue
            ip = p.ips[l4.ip]
            src, dst = (ip.src, l4.sport), (ip.l4dst, l4.dport)
            key = (l4.proto, l4.stream, frozenset((src, dst)))
            conv = c.convs.get(key)
            if conv is None:
                conv = c.convs[key] = Conv(l4.proto, None, src, p)
            conv.add(src, dst, p)
            conv.streams.add(l4.stream)
    return c


# Protocol tokens tshark shows between two IP layers, for the encapsulations netmeter decapsulates
# (src/decode/decoded_packet.h: IP-in-IP, 6in4, GRE, VXLAN, Geneve, GTP-U, Teredo, MPLS over UDP; up
# to 4 levels). Anything else between two IP layers (Cisco MetaData in GRE, ...) is not a tunnel for
# netmeter: it counts that packet under the outer header. tshark takes UDP port 6081 either way for
# Geneve, netmeter only as the destination (RFC 8926): `udp_dport`, the carrier's UDP destination.
_L2_INSIDE = {"eth", "ethertype", "vlan", "ieee8021ad", "ppp", "mpls", "pwethheuristic", "pwethcw"}
NETMETER_MAX_TUNNEL_DEPTH = 4
GENEVE_PORT = 6081


def netmeter_decapsulates(between, udp_dport=None):
    between = [t for t in between if not t.startswith("ipv6.")]  # IPv6 extension headers
    if not between:
        return True  # IP-in-IP, 6in4, 4in6, 6in6
    head, rest = between[0], between[1:]
    if head == "gre":
        return all(t in _L2_INSIDE for t in rest)
    if head == "udp" and rest:
        if rest[0] in ("vxlan", "mpls") or rest[0] == "geneve" and udp_dport == GENEVE_PORT:
            return all(t in _L2_INSIDE for t in rest[1:])
        if rest[0] in ("gtp", "teredo"):
            return len(rest) == 1
    return False


def innermost_ip(p, first_fragment=None):
    """Index of the IP layer netmeter accounts the packet to (None without IP). `first_fragment`:
    the index of a first fragment's IP header to decode as if it were the whole datagram, as
    netmeter's reassembly does to find the view it gives the datagram's fragments (the inner
    addresses of a tunnel the first fragment holds)."""
    candidates = [i for i, layer in enumerate(p.ips) if not layer.in_error]
    if not candidates or p.bogus_l3:
        return None
    cur, depth = candidates[0], 0
    for nxt in candidates[1:]:
        # A fragment is not decapsulated (its first piece shows the carrier's ports, later ones no
        # ports); the fragment that completes the datagram is decoded from the whole datagram,
        # which the replay of netmeter's reassembly gives as a packet whose header is no fragment.
        if p.ips[cur].frag and cur != first_fragment:
            break
        udp_dport = next((l.dport for l in p.l4s if l.ip == cur and l.proto == UDP), None)
        if not netmeter_decapsulates(p.tokens[p.ips[cur].tok + 1:p.ips[nxt].tok], udp_dport):
            break
        # A tunnel whose inner IP header is damaged is accounted to the carrier
        # (src/decode/decoded_packet.h).
        if p.ips[nxt].damaged:
            break
        depth += 1
        if depth > NETMETER_MAX_TUNNEL_DEPTH:
            break
        cur = nxt
    return cur


def classify(p, idx, reasons):
    """Counts, per reason, the packets netmeter's view accounts differently from tshark's tables."""
    tapped = [i for i, layer in enumerate(p.ips) if layer.tapped]
    if idx is None:
        if tapped:
            reasons["no IP for netmeter (first IP header unreadable), tshark counts a later one"] += 1
        return
    if any(i < idx for i in tapped):
        reasons["tunnel: outer IP header(s) not counted, netmeter counts the innermost one"] += 1
    if any(i > idx for i in tapped):
        cur = p.ips[idx]
        if cur.frag:
            why = "carrier is an IP fragment whose datagram is not whole with it"
        elif sum(1 for i in range(idx) if not p.ips[i].in_error) >= NETMETER_MAX_TUNNEL_DEPTH:
            why = "more than %d tunnel levels" % NETMETER_MAX_TUNNEL_DEPTH
        elif idx + 1 < len(p.ips) and p.ips[idx + 1].damaged:
            why = "inner IP header damaged"
        else:
            why = "encapsulation %s" % ":".join(p.tokens[cur.tok + 1:p.ips[idx + 1].tok])
        reasons["not decapsulated by netmeter (%s): inner IP layers tshark counts are not" % why] += 1
    if idx not in tapped:
        layer = p.ips[idx]
        if layer.later_frag and layer.fam == 6:
            reasons["IPv6 non-first fragment: netmeter counts it per packet, tshark's IPv6 tap "
                    "skips it"] += 1
        else:
            reasons["IP header tshark could not dissect cleanly (not in its tables), netmeter "
                    "counts it"] += 1
    view_l4 = [l for l in p.l4s if l.ip == idx and not l.in_error and l.ports]
    for l4 in p.l4s:
        if l4.tapped and l4 not in view_l4:
            reasons["%s header on a tunnel carrier or inside an undecapsulated tunnel: tshark "
                    "conversation, not a netmeter connection" % PROTO_NAME[l4.proto]] += 1
    for l4 in view_l4:
        if l4.bogus:
            reasons["tcp header length below 20 (tshark: \"bogus TCP header length\", no flags, no "
                    "conversation): netmeter reads its ports and counts it, not its flags"] += 1
        elif not l4.tapped:
            reasons["%s header tshark dissected with an exception (malformed, or options cut by "
                    "the capture length): not in tshark's table, netmeter read the ports and counts "
                    "it" % PROTO_NAME[l4.proto]] += 1
        elif p.ips[idx].l4dst != p.ips[idx].dst:
            reasons["IPv6 routing header: tshark keys %s by the final destination, netmeter by the "
                    "header's destination" % PROTO_NAME[l4.proto]] += 1


def netmeter_view(packets, timeouts, plan=None):
    """The traffic as netmeter's documented semantics count it, from tshark's dissection:
    - IP statistics for the innermost IP header of a decapsulated tunnel only;
    - connections from the TCP/UDP header carried by that innermost IP header, keyed by protocol,
      outer VLAN id and both endpoints, split by netmeter's rules (module docstring);
    - IP fragments as netmeter's reassembly treats them (`plan`, from replay_reassembly): each is
      counted with its own frame and addresses; a later fragment whose datagram's first fragment
      came before it on the datagram's connection (else on a port-0 connection, not compared);
      the fragment that completes a datagram as the whole datagram (tunnels inside decapsulated);
      no TCP flags of a fragment that does not complete its datagram (FlowTable follows them only
      from the whole datagram)."""
    c = Counts()
    active = {}
    tcp_to, tcp_closed_to, udp_to = (t * 10**9 for t in timeouts)
    plan = plan or {}
    for p in packets:
        dec = plan.get(p.num)
        q = dec.whole if dec is not None and dec.role == "whole" else p
        idx = innermost_ip(q)
        piece_view = dec.view if dec is not None and dec.role == "piece" else None
        # A first fragment counts where its view says (inside the tunnel it holds).
        classify(q, piece_view[0] if piece_view is not None and dec.ports == "own" else idx, c.reasons)
        if dec is not None:
            c.reasons[REASSEMBLY_REASONS[dec.role if dec.role != "piece" else
                                         "first" if dec.ports == "own" else
                                         "later" if dec.ports is not None else "orphan"]] += 1
        if idx is None:
            continue
        ip = q.ips[idx]
        src_ip, dst_ip = (piece_view[1], piece_view[2]) if piece_view is not None else (ip.src, ip.dst)
        c.add_ip(src_ip, dst_ip, p.length)
        l4 = next((l for l in q.l4s if l.ip == idx and not l.in_error and l.ports), None)
        flags = l4.flags if l4 is not None else 0
        if l4 is not None and l4.bogus:
            flags = 0  # an impossible data offset: its flags are not followed (DecodedPacket::badTcpHeader)
        if dec is not None and dec.role == "piece":
            flags = 0  # not followed (FlowTable isTcp: not a kPiece)
            if piece_view is None:
                if dec.ports != "own":
                    l4 = None  # a port-0 connection (not compared); a first fragment keeps its own header
            elif piece_view[3] is None:
                l4 = None  # a port-0 connection (not compared)
            else:
                proto, sport, dport = piece_view[3]
                l4 = L4Layer()
                l4.proto, l4.sport, l4.dport, l4.stream = proto, sport, dport, -1
        if l4 is None:
            continue
        if l4.proto == TCP and flags is None:
            raise HarnessError("frame %d: a bogus TCP header length outside a datagram the model "
                               "reassembled: its flags are not known" % p.num)
        src, dst = (src_ip, l4.sport), (dst_ip, l4.dport)
        vlan = p.vlans[0] if p.vlans else None
        key = (l4.proto, vlan, frozenset((src, dst)))
        conv = active.get(key)
        if conv is not None:
            closed = conv.proto == TCP and (len(conv.fin) == 2 or conv.rst)
            timeout = (tcp_closed_to if closed else tcp_to) if conv.proto == TCP else udp_to
            idle = p.ns - conv.last_ns > timeout
            pure_syn = l4.proto == TCP and (flags & 0x12) == 0x02
            if idle or (closed and pure_syn):
                conv = None
        if conv is None:
            conv = active[key] = Conv(l4.proto, vlan, src, p)
            c.convs[(key, len(c.convs))] = conv
        conv.add(src, dst, p)
        if l4.stream >= 0:
            conv.streams.add(l4.stream)
        if l4.proto == TCP:
            if flags & 0x01:
                conv.fin.add(src)
            if flags & 0x04:
                conv.rst = True
    return c


REASSEMBLY_REASONS = {
    "none": "IP fragment netmeter's reassembly cannot use (IP length missing or beyond the frame, "
            "cut by the snap length): analyzed alone, as without reassembly",
    "first": "first IP fragment, datagram not whole with it: counted on the connection of the "
             "transport header it holds (port 0 without one), TCP flags not followed",
    "later": "later IP fragment counted on its datagram's TCP/UDP connection (the first fragment "
             "came before it); tshark's per-packet tables count it in no conversation",
    "orphan": "later IP fragment before its datagram's first fragment (or without ports): netmeter's "
              "port-0 connection, not compared",
    "whole": "IP fragment that completes its datagram: counted as the whole datagram (its transport "
             "header and tunnels inside), as tshark's reassembly counts it",
}


def replay_reassembly(packets, packets3, frags):
    """netmeter's IP reassembly replayed on the capture (ip_reassembly_model.Reassembler), each link
    checked: the fragments' headers read from the frame bytes must be the ones tshark dissected;
    every datagram the replay completes must be one tshark's reassembly (run with reassembly on,
    `packets3`) completes in the same frame, with the same length and without conflicting bytes,
    and tshark's dissection of that frame then gives the whole datagram's layers (the inner ones of
    a tunnel carrier); a datagram tshark completes and the replay does not needs a reason from the
    replay (netmeter dropped or gave it up, or could not use the completing fragment).

    Returns ({frame: Decision}, model, notes); a "whole" Decision carries `whole`, the frame's
    packet from `packets3` with the completed header made a whole packet."""
    model = ip_reassembly_model.Reassembler()
    plan, notes = {}, []
    by_num = {q.num: q for q in packets3}
    for p in packets:
        idx = innermost_ip(p)
        if idx is None or not p.ips[idx].frag:
            continue
        f = frags.get(p.num)
        # The IP headers tshark's JSON lists are the packet's, quoted ones (ICMP errors) aside.
        ordinal = sum(1 for layer in p.ips[:idx] if not layer.in_error)
        h = f.ips[ordinal] if f is not None and ordinal < len(f.ips) else None
        if h is None or (h.src, h.dst) != (p.ips[idx].src, p.ips[idx].dst) or not h.frag:
            raise HarnessError("frame %d: the fragment's header is not where tshark's JSON puts it" % p.num)
        own = next(((l.proto, l.sport, l.dport) for l in p.l4s
                    if l.ip == idx and not l.in_error and l.ports and l.proto in (TCP, UDP)), None)
        # What a first fragment shows of its datagram (IpReassembler::View): decoded as if whole,
        # the inner addresses and ports of a tunnel it holds, else its own.
        view = None
        if not p.ips[idx].later_frag:
            inner = innermost_ip(p, first_fragment=idx)
            if inner is not None and inner != idx:
                l4 = next(((l.proto, l.sport, l.dport) for l in p.l4s
                           if l.ip == inner and l.ports and l.proto in (TCP, UDP)), None)
                view = (inner, p.ips[inner].src, p.ips[inner].dst, l4)
            else:
                view = (idx, p.ips[idx].src, p.ips[idx].dst, own)
        dec = model.add(p.num, p.ns, f, ordinal, p.vlans, ordinal, own, view)
        dec.whole = None
        plan[p.num] = dec
        if dec.role != "whole":
            continue
        q = by_num.get(p.num)
        layer = q.ips[idx] if q is not None and idx < len(q.ips) else None
        if layer is None or (layer.src, layer.dst) != (p.ips[idx].src, p.ips[idx].dst) or \
                layer.reassembled is None:
            raise HarnessError("frame %d completes a datagram (frames %s) for netmeter; tshark's reassembly "
                               "does not complete it there, so its inner layers are unknown"
                               % (p.num, frames_text(dec.frames)))
        if layer.reassembled != dec.length:
            raise HarnessError("frame %d: tshark reassembled %d bytes, the replay %d"
                               % (p.num, layer.reassembled, dec.length))
        if q.conflict:
            raise HarnessError("frame %d: tshark reports conflicting fragment bytes the replay found equal"
                               % p.num)
        whole = copy.copy(q)
        whole.ips = list(q.ips)
        whole.ips[idx] = copy.copy(layer)
        whole.ips[idx].frag = whole.ips[idx].later_frag = False
        whole.l4s = [copy.copy(l) for l in q.l4s]
        for l4 in whole.l4s:
            if l4.ip != idx or l4.in_error or not l4.ports:
                continue
            # The transport header right after the reassembled IP header is the datagram's first
            # bytes: its ports must be tshark's; a bogus TCP header's flags come from there.
            if dec.data[0:4] != struct.pack("!HH", l4.sport, l4.dport):
                raise HarnessError("frame %d: the reassembled datagram's ports are not tshark's" % p.num)
            if l4.bogus:
                l4.flags = dec.data[13]
        dec.whole = whole
    model.finish()
    for q in packets3:
        dec = plan.get(q.num)
        for k, layer in enumerate(q.ips):
            if layer.reassembled is None or (dec is not None and dec.role == "whole"):
                continue
            # Why the replay does not complete it: what happened to datagrams with that header's
            # addresses and identification up to this frame.
            f = frags.get(q.num)
            ordinal = sum(1 for x in q.ips[:k] if not x.in_error)
            h = f.ips[ordinal] if f is not None and ordinal < len(f.ips) else None
            why = [text for frame, key, text in model.events
                   if h is not None and frame <= q.num and key[1:4] == (h.src, h.dst, h.ident)]
            if not why:
                raise HarnessError("tshark completes a datagram in frame %d that netmeter's reassembly "
                                   "(replayed) does not, for no reason the replay knows" % q.num)
            notes.append("reassembly: tshark completes a datagram in frame %d, netmeter does not: %s"
                         % (q.num, "; ".join(why[-2:])))
    return plan, model, notes


# --------------------------------------------------------------------------------------------------
# Link 2: the tshark model must reproduce tshark's tables
# --------------------------------------------------------------------------------------------------

def check_model_against_tables(model, tables, what):
    """Raises HarnessError when the per-packet reconstruction differs from tshark's own tables."""
    errors = []
    ep_model = {ip: tuple(v) for ip, v in model.endpoints.items()}
    if ep_model != tables["endpoints"]:
        for ip in sorted(set(ep_model) | set(tables["endpoints"])):
            if ep_model.get(ip) != tables["endpoints"].get(ip):
                errors.append("endpoint %s: model %s, tshark %s"
                              % (ip, ep_model.get(ip), tables["endpoints"].get(ip)))
    seen = set()
    for row in tables["ip"]:
        a, b = row["a"], row["b"]
        seen.add(frozenset((a, b)))
        if a == b:
            # A host talking to itself (loopback captures): tshark counts every packet as "->"
            # (A to B) and prints 0 for "<-".
            checks = (((a, a), row["ab"] if row["ba"][0] == 0 else (-1, "")),)
        else:
            checks = (((a, b), row["ab"]), ((b, a), row["ba"]))
        for (x, y), (frames, size) in checks:
            m = model.pairs.get((x, y), [0, 0])
            if m[0] != frames or format_size(m[1]) != size:
                errors.append("ip pair %s -> %s: model %s, tshark %s %s" % (x, y, m, frames, size))
    extra = {frozenset(k) for k in model.pairs} - seen
    errors += ["ip pair %s only in the model" % sorted(k) for k in extra]
    for proto in (TCP, UDP):
        rows = tables[PROTO_NAME[proto]]
        convs = [cv for cv in model.convs.values() if cv.proto == proto]
        by_ep = defaultdict(list)
        for cv in convs:
            by_ep[cv.endpoints()].append(cv)
        used = set()
        for row in rows:
            cands = [cv for cv in by_ep.get(frozenset((row["a"], row["b"])), []) if id(cv) not in used]
            match = [cv for cv in cands if cv.rel == row["start"]] or cands
            if not match:
                errors.append("%s %s <-> %s (start %s) not in the model"
                              % (PROTO_NAME[proto], row["a"], row["b"], row["start"]))
                continue
            cv = match[0]
            used.add(id(cv))
            checks = (((row["a"], row["b"]), row["ab"]), ((row["b"], row["a"]), row["ba"]))
            if row["a"] == row["b"]:  # same address and port on both sides: all "->", as for IP
                checks = (((row["a"], row["a"]), row["ab"] if row["ba"][0] == 0 else (-1, "")),)
            for (x, y), (frames, size) in checks:
                m = cv.dirs.get((x, y), [0, 0])
                if m[0] != frames or format_size(m[1]) != size:
                    errors.append("%s %s -> %s: model %s, tshark %s %s"
                                  % (PROTO_NAME[proto], x, y, m, frames, size))
        for cv in convs:
            if id(cv) not in used:
                errors.append("%s conversation %s only in the model" % (PROTO_NAME[proto], sorted(cv.endpoints())))
    if errors:
        raise HarnessError("tshark model differs from tshark's tables (%s):\n      " % what
                           + "\n      ".join(errors[:20]))


def fragment_scope(packets):
    """Addresses, address pairs and TCP/UDP endpoint pairs that IP reassembly can affect: those of a
    fragmented IP layer and of every layer it carries."""
    addrs, pairs, l4 = set(), set(), set()
    for p in packets:
        first = next((i for i, layer in enumerate(p.ips) if layer.frag), None)
        if first is None:
            continue
        for layer in p.ips[first:]:
            addrs.update((layer.src, layer.dst))
            pairs.add(frozenset((layer.src, layer.dst)))
        for x in p.l4s:
            if x.ip >= first:
                ip = p.ips[x.ip]
                l4.add((x.proto, frozenset(((ip.src, x.sport), (ip.dst, x.dport)))))
    return addrs, pairs, l4


def check_reassembly_effect(spec, nodefrag, packets):
    """tshark's tables with reassembly on must differ from the ones with reassembly off only where
    fragments are: reassembly moves the counting of a datagram's payload (and of the IPv6 header,
    see parse_packet) to the fragment that completes it. Returns notes; raises HarnessError for a
    difference elsewhere."""
    addrs, pairs, l4 = fragment_scope(packets)
    notes = []
    diff = [ip for ip in set(spec["endpoints"]) | set(nodefrag["endpoints"])
            if spec["endpoints"].get(ip) != nodefrag["endpoints"].get(ip)]
    if any(ip not in addrs for ip in diff):
        raise HarnessError("IP endpoints %s change with IP reassembly disabled but carry no fragment"
                           % sorted(ip for ip in diff if ip not in addrs))
    tables = [("ip", "ip", lambda r: frozenset((r["a"], r["b"])), pairs)]
    tables += [(PROTO_NAME[p], PROTO_NAME[p], lambda r: frozenset((r["a"], r["b"])),
                {k for (q, k) in l4 if q == p}) for p in (TCP, UDP)]
    changed = len(diff)
    for _, name, key, scope in tables:
        a, b = defaultdict(list), defaultdict(list)
        for r in spec[name]:
            a[key(r)].append((r["ab"], r["ba"]))
        for r in nodefrag[name]:
            b[key(r)].append((r["ab"], r["ba"]))
        for k in set(a) | set(b):
            if sorted(a.get(k, [])) != sorted(b.get(k, [])):
                if k not in scope:
                    raise HarnessError("%s conversation %s changes with IP reassembly disabled but "
                                       "carries no fragment" % (name, sorted(k)))
                changed += 1
    if changed:
        notes.append("reassembly: tshark's tables with and without IP reassembly differ in %d entr(ies), "
                     "all where fragments are (with reassembly a datagram's transport header, and an "
                     "IPv6 fragment's header, count only on the fragment that completes it); netmeter's "
                     "view follows the replay of its own reassembly" % changed)
    return notes


# --------------------------------------------------------------------------------------------------
# netmeter
# --------------------------------------------------------------------------------------------------

def run_netmeter(netmeter, capture, out_json, threads):
    cmd = [netmeter, "analyze", capture, "--json", out_json]
    if threads:
        cmd += ["--threads", str(threads)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, errors="replace", timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, "cannot run netmeter: %s" % e, None
    report = None
    if os.path.exists(out_json) and os.path.getsize(out_json) > 0:
        with open(out_json, encoding="utf-8") as f:
            try:
                report = json.load(f)
            except ValueError as e:
                return proc.returncode, "invalid JSON report: %s" % e, None
    return proc.returncode, proc.stdout + proc.stderr, report


def fmt_ep(ep):
    ip, port = ep
    return ("[%s]:%d" % (ip, port)) if ":" in ip else ("%s:%d" % (ip, port))


def fmt_eps(eps):
    return " <-> ".join(fmt_ep(e) for e in sorted(eps))


def _directions(a, b, ab, ba):
    """{(a, b): counts of a to b, (b, a): counts of b to a}. A host talking to itself (a == b: same
    address, or same address and port) has no direction; both tools then count it once, so the two
    are added (tshark prints it all as "->", netmeter as tx)."""
    if a == b:
        return {(a, a): (ab[0] + ba[0], ab[1] + ba[1])}
    return {(a, b): ab, (b, a): ba}


def _presence(key, tshark, netmeter):
    if key not in netmeter:
        return " (absent from netmeter)"
    if key not in tshark:
        return " (not in tshark)"
    return ""


def compare_with_netmeter(view, report, compare_times=True):
    """Returns (stats, mismatches). stats: {table: [compared, matched]}. Connections with equal
    counts must also have the same first and last packet time (ns) unless compare_times is off."""
    stats = {"ips": [0, 0], "pairs": [0, 0], "tcp": [0, 0], "udp": [0, 0]}
    bad = []

    # Per IP: [rxPackets, rxBytes, txPackets, txBytes].
    nm_ips = {}
    for e in report.get("ips", []):
        nm_ips[norm_ip(e["ip"])] = tuple(e["allTime"][:4])
    exp_ips = {ip: (v[2], v[3], v[0], v[1]) for ip, v in view.endpoints.items()}
    for ip in sorted(set(nm_ips) | set(exp_ips), key=lambda s: (":" in s, s)):
        stats["ips"][0] += 1
        t, n = exp_ips.get(ip, (0, 0, 0, 0)), nm_ips.get(ip, (0, 0, 0, 0))
        if t == n:
            stats["ips"][1] += 1
        else:
            bad.append("ip %s [rxP rxB txP txB]: tshark %s, netmeter %s%s"
                       % (ip, list(t), list(n), _presence(ip, exp_ips, nm_ips)))

    # Per IP pair, from ipA's view: [rx(B->A) packets, bytes, tx(A->B) packets, bytes].
    nm_pairs = {}
    for e in report.get("ipPairs", []):
        a, b = norm_ip(e["ipA"]), norm_ip(e["ipB"])
        rxp, rxb, txp, txb = e["allTime"][:4]
        nm_pairs[frozenset((a, b))] = _directions(a, b, (txp, txb), (rxp, rxb))
    exp_pairs = defaultdict(dict)
    for (s, d), (pk, by) in view.pairs.items():
        exp_pairs[frozenset((s, d))][(s, d)] = (pk, by)
    for k in sorted(set(nm_pairs) | set(exp_pairs), key=lambda k: sorted(k)):
        stats["pairs"][0] += 1
        ends = sorted(k) if len(k) == 2 else sorted(k) * 2
        dirs = [(ends[0], ends[1]), (ends[1], ends[0])] if len(k) == 2 else [(ends[0], ends[0])]
        t = [exp_pairs.get(k, {}).get(d, (0, 0)) for d in dirs]
        n = [nm_pairs.get(k, {}).get(d, (0, 0)) for d in dirs]
        if t == n:
            stats["pairs"][1] += 1
        else:
            bad.append("pair %s -> %s [P B] / reverse: tshark %s, netmeter %s%s"
                       % (ends[0], ends[1], t, n, _presence(k, exp_pairs, nm_pairs)))

    # Connections. netmeter's TCP/UDP connections without ports are the non-first fragments (no L4
    # header to read): tshark has no conversation for them (it dissects TCP/UDP only where the
    # header is), so they are left out here; their packets are still compared per IP and IP pair.
    nm_convs = defaultdict(list)
    for e in report.get("connections", []):
        proto = e.get("l4Protocol")
        if proto not in (TCP, UDP) or (e.get("clientPort", 0) == 0 and e.get("serverPort", 0) == 0):
            continue
        cl = (norm_ip(e["clientIp"]), int(e["clientPort"]))
        sv = (norm_ip(e["serverIp"]), int(e["serverPort"]))
        rxp, rxb, txp, txb = e["allTime"][:4]
        dirs = _directions(cl, sv, (txp, txb), (rxp, rxb))
        nm_convs[(proto, e.get("outerVlan"), frozenset((cl, sv)))].append(
            {"dirs": dirs, "start": e.get("start"), "last": e.get("lastActivity")})
    exp_convs = defaultdict(list)
    for (key, _), cv in view.convs.items():
        exp_convs[key].append(cv)
    for key in sorted(set(nm_convs) | set(exp_convs), key=repr):
        proto, vlan, eps = key
        name = PROTO_NAME[proto]
        ends = sorted(eps) if len(eps) == 2 else sorted(eps) * 2
        dirs = [(ends[0], ends[1]), (ends[1], ends[0])] if len(eps) == 2 else [(ends[0], ends[0])]
        t_list = sorted(exp_convs.get(key, []), key=lambda c: c.start_ns)
        n_list = sorted(nm_convs.get(key, []), key=lambda c: (c["start"] is None, c["start"]))
        label = "%s %s%s" % (name, fmt_eps(eps), "" if vlan is None else " vlan %s" % vlan)
        for i in range(max(len(t_list), len(n_list))):
            stats[name][0] += 1
            t = [tuple(t_list[i].dirs.get(d, (0, 0))) for d in dirs] if i < len(t_list) else None
            n = [tuple(n_list[i]["dirs"].get(d, (0, 0))) for d in dirs] if i < len(n_list) else None
            if compare_times and t == n and i < len(t_list) and i < len(n_list):
                # Same counts: the first and last packet times must agree too (exact, ns).
                want = (t_list[i].start_ns, t_list[i].last_ns)
                got = (n_list[i]["start"], n_list[i]["last"])
                if want != got:
                    t, n = "start/last %s" % (want,), "start/last %s" % (got,)
            if t == n:
                stats[name][1] += 1
                continue
            where = "" if max(len(t_list), len(n_list)) == 1 else " #%d of tshark %d / netmeter %d" % (
                i + 1, len(t_list), len(n_list))
            extra = ""
            if t is not None:
                extra = " (tshark stream %s, frames %s)" % (
                    ",".join(map(str, sorted(t_list[i].streams))), frames_text(t_list[i].packets))
            bad.append("%s%s [%s P B, reverse P B]: tshark %s, netmeter %s%s"
                       % (label, where, "->".join(map(fmt_ep, dirs[0])), t, n, extra))
    return stats, bad


def frames_text(nums):
    if len(nums) <= 6:
        return ",".join(map(str, nums))
    return "%s..%s (%d)" % (nums[0], nums[-1], len(nums))


# --------------------------------------------------------------------------------------------------
# One capture
# --------------------------------------------------------------------------------------------------

class Result:
    def __init__(self, name):
        self.name = name
        self.ok = True
        self.harness = False
        self.lines = []
        self.notes = []
        self.stats = None


def explain_view(tsm, view):
    """Notes on where netmeter's view differs from tshark's raw tables, and why."""
    notes = ["%d packet(s): %s" % (n, why) for why, n in sorted(view.reasons.items())]
    # Conversations: how tshark's streams map onto netmeter's connections.
    tsm_keys = defaultdict(set)
    for cv in tsm.convs.values():
        tsm_keys[(cv.proto, cv.endpoints())].update(cv.streams)
    view_keys = defaultdict(list)
    for (key, _), cv in view.convs.items():
        view_keys[(key[0], key[2])].append(cv)
    split_diff = []
    for k, convs in view_keys.items():
        streams = tsm_keys.get(k, set())
        if streams and len(streams) != len(convs):
            split_diff.append("%s %s: tshark %d stream(s), netmeter %d connection(s)"
                              % (PROTO_NAME[k[0]], fmt_eps(k[1]), len(streams), len(convs)))
    if split_diff:
        notes.append("split rules: %d tuple(s) split differently (tshark: a new tcp.stream on a SYN "
                     "with a new ISN; UDP streams are Wireshark conversations, which dissectors such "
                     "as SDP start anew at a setup frame; netmeter: idle timeout, SYN after FIN/RST, "
                     "outer VLAN), compared per netmeter's rules: %s%s"
                     % (len(split_diff), "; ".join(split_diff[:3]), "; ..." if len(split_diff) > 3 else ""))
    return notes


# Decoding tshark needs to be told about: netmeter recognizes Teredo by content on any UDP port (an
# IPv6 packet to or from 2001:0::/32 filling the datagram), tshark only on 3544.
DECODE_AS = {
    "zeek/traces/tunnels/Teredo.pcap": ["-d", "udp.port==32900,teredo"],  # a Teredo relay's port
}


def check_capture(name, path, opts, workdir):
    res = Result(name)
    env = tshark_env(opts.tshark_config)
    decode_as = DECODE_AS.get(name, [])
    try:
        rc, out, err = run_tshark(
            opts.tshark, path, decode_as +
            ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields",
             "-E", "occurrence=a", "-E", "separator=/t"] + sum((["-e", f] for f in FIELDS), []), env)
        rows, table_lines = split_output(out)
        if rc != 0 and not rows and not table_lines:
            raise HarnessError("tshark failed (%d): %s" % (rc, " ".join(err)))
        tshark_damage = err
        packets = [parse_packet(l) for l in rows if l.strip()]
        nodefrag = parse_tables(table_lines)
        tsm = tshark_model(packets)
        check_model_against_tables(tsm, nodefrag, "IP reassembly off")
        plan = model = None
        if any(layer.frag for p in packets for layer in p.ips):
            # tshark's default tables (reassembly on) differ only where fragments are; without
            # fragments the two runs are the same (the two preferences act on fragments only), so
            # the default run is only needed here. It prints the per-packet lines too, checked
            # against its own tables like the first run's: they give the layers of the frames that
            # complete a datagram. A third run gives the fragments' bytes for the replay of
            # netmeter's reassembly (replay_reassembly).
            fields = ["-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"] + sum((["-e", f] for f in FIELDS), [])
            rc2, out2, err2 = run_tshark(opts.tshark, path, decode_as + fields, env)
            rows3, tables3 = split_output(out2)
            packets3 = [parse_packet(l, reassembly=True) for l in rows3 if l.strip()]
            defrag = parse_tables(tables3)
            check_model_against_tables(tshark_model(packets3), defrag, "IP reassembly on")
            if [q.num for q in packets3] != [p.num for p in packets]:
                raise HarnessError("the runs with and without IP reassembly show different frames")
            res.notes += check_reassembly_effect(defrag, nodefrag, packets)
            try:
                frags = ip_reassembly_model.fragment_layers(opts.tshark, path, decode_as, env)
                plan, model, notes = replay_reassembly(packets, packets3, frags)
            except ip_reassembly_model.ModelError as e:
                raise HarnessError("IP reassembly replay: %s" % e)
            res.notes += notes
        view = netmeter_view(packets, (opts.tcp_timeout, opts.tcp_closed_timeout, opts.udp_timeout), plan)
        res.notes += explain_view(tsm, view)
        if tshark_damage:
            res.notes.append("tshark: %s" % "; ".join(tshark_damage[:2]))
    except HarnessError as e:
        res.ok, res.harness = False, True
        res.lines.append("harness: %s" % e)
        return res

    if opts.tshark_only:
        res.stats = {"ips": [len(view.endpoints)] * 2, "pairs": [len({frozenset(k) for k in view.pairs})] * 2,
                     "tcp": [sum(1 for k in view.convs if k[0][0] == TCP)] * 2,
                     "udp": [sum(1 for k in view.convs if k[0][0] == UDP)] * 2}
        return res

    out_json = os.path.join(workdir, re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".json")
    nrc, nout, report = run_netmeter(opts.netmeter, path, out_json, opts.threads)
    if report is None:
        res.ok = False
        res.lines.append("netmeter exited %d without a JSON report: %s" % (nrc, nout.strip()[-400:]))
        return res
    errors = report.get("trace", {}).get("errors") or []
    if nrc != 0 or errors:
        # A damaged file: netmeter reports it (exit status, trace.errors) and keeps what it read
        # before the damage; tshark stops at the same record (checked below with the packet
        # counts), so the comparison covers the packets before the damage.
        msg = "; ".join(e.get("message", "") for e in errors) or nout.strip()[-200:]
        res.notes.append("damaged file: netmeter exited %d (%s); compared the packets before the damage"
                         % (nrc, msg))
        if not tshark_damage:
            res.ok = False
            res.lines.append("netmeter reports damage (%s) but tshark read the file without error" % msg)
    unsupported = report.get("global", {}).get("malformed", {}).get("unsupported_link_type", 0)
    if unsupported:
        skipped = [p for p in packets if p.tokens and p.tokens[0] in NETMETER_UNDECODED_LINKS]
        if len(skipped) == unsupported:
            links = sorted({p.tokens[0] for p in skipped})
            res.notes.append("link type: netmeter does not decode %s; its %d packet(s) are reported as "
                             "unsupported_link_type and left out" % (
                                 ", ".join(NETMETER_UNDECODED_LINKS[l] for l in links), unsupported))
            kept = [p for p in packets if not (p.tokens and p.tokens[0] in NETMETER_UNDECODED_LINKS)]
            view = netmeter_view(kept, (opts.tcp_timeout, opts.tcp_closed_timeout, opts.udp_timeout), plan)
        else:
            res.ok = False
            res.lines.append("netmeter reports %d packet(s) of an unsupported link type; tshark decodes "
                             "them (%d on a link type listed as undecoded)" % (unsupported, len(skipped)))
    # Both tools must have read the same packets: the whole file, or for a damaged file the
    # records before the damage (both stop at the first record they cannot read).
    trace = report.get("trace", {})
    frames, frame_bytes = len(packets), sum(p.length for p in packets)
    if (trace.get("packets"), trace.get("bytes")) != (frames, frame_bytes):
        res.ok = False
        res.lines.append("packets read: tshark %d frames / %d bytes, netmeter %s / %s%s"
                         % (frames, frame_bytes, trace.get("packets"), trace.get("bytes"),
                            " (tshark: %s)" % "; ".join(tshark_damage) if tshark_damage else ""))
    bad_times = [p.num for p in packets if p.bad_time]
    if bad_times:
        # Records whose microsecond/nanosecond field is out of range (tcpdump's
        # timestamp_invalid_micro.pcap): tshark adds the overflow to the time (and wraps it in 32
        # bits), netmeter clamps it. No right answer; connection times are not compared here.
        res.notes.append("invalid timestamps in frame(s) %s: tshark and netmeter normalise them "
                         "differently; connection start/last times not compared" % frames_text(bad_times))
    if model is not None:
        # netmeter's own reassembly totals (the report's trace.ipReassembly) against the replay's.
        got = trace.get("ipReassembly")
        if got != model.stats:
            res.ok = False
            res.lines.append("IP reassembly totals: replay %s, netmeter %s" % (model.stats, got))
    res.stats, bad = compare_with_netmeter(view, report, compare_times=not bad_times)
    if bad:
        res.ok = False
        res.lines += bad
    return res


# --------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------

def generated_traces(opts, workdir):
    gen = opts.generator
    if not gen or not os.path.exists(gen):
        print("notice: netmeter-generate not found (%s); generated traces skipped" % gen, flush=True)
        return []
    traces = []
    # Two small traces: a dense one (many hosts, VLANs, IPv6, TCP and UDP), and a slow one (a few
    # packets per second over ~10 minutes) so that UDP and TCP idle timeouts split connections.
    variants = (
        (1, 20000, ["--hosts", "300", "--servers", "40", "--connections", "800"]),
        (7, 3000, ["--hosts", "40", "--servers", "10", "--connections", "150", "--rate", "5",
                   "--ipv6-share", "0.5", "--vlan-share", "0.5", "--udp-share", "0.5"]),
    )
    for seed, packets, extra in variants:
        out = os.path.join(workdir, "generated-seed%d.pcap" % seed)
        cmd = [gen, "--out", out, "--packets", str(packets), "--seed", str(seed), "--quiet"] + extra
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if proc.returncode != 0 or not os.path.exists(out):
            print("FAIL generated seed %d: %s exited %d: %s" % (seed, " ".join(cmd), proc.returncode,
                                                                proc.stdout.strip()[-300:]), flush=True)
            traces.append(("generated/seed%d" % seed, None))
            continue
        traces.append(("generated/seed%d (%d packets)" % (seed, packets), out))
    return traces


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--netmeter", help="netmeter binary (default: <repo>/build/src/app/netmeter)")
    ap.add_argument("--shared", default=os.path.join(REPO_ROOT, "..", "shared"),
                    help="the shared folder holding pcaps/ (default: ../shared from the repository root)")
    ap.add_argument("--only", action="append", help="only captures whose path contains this text (repeatable)")
    ap.add_argument("--generator", help="netmeter-generate binary (default: next to netmeter's build tree)")
    ap.add_argument("--no-generated", action="store_true", help="skip the generated traces")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--jobs", type=int, default=2, help="captures checked in parallel (default 2)")
    ap.add_argument("--threads", type=int, default=2, help="netmeter --threads (default 2)")
    ap.add_argument("--tshark-only", action="store_true",
                    help="validate the tshark side (parsing, model, netmeter view) without netmeter")
    ap.add_argument("--tcp-timeout", type=int, default=NETMETER_TCP_TIMEOUT_S)
    ap.add_argument("--tcp-closed-timeout", type=int, default=NETMETER_TCP_CLOSED_TIMEOUT_S)
    ap.add_argument("--udp-timeout", type=int, default=NETMETER_UDP_TIMEOUT_S)
    ap.add_argument("-v", "--verbose", action="store_true", help="print the notes of passing captures too")
    opts = ap.parse_args()

    if shutil.which(opts.tshark) is None:
        print("SKIP: tshark not found; this test needs tshark 4.x")
        return SKIP_RETURN_CODE
    if not opts.tshark_only:
        if not opts.netmeter:
            opts.netmeter = os.path.join(REPO_ROOT, "build", "src", "app", "netmeter")
        if not os.access(opts.netmeter, os.X_OK):
            print("error: netmeter binary not found: %s (use --netmeter, or --tshark-only)" % opts.netmeter)
            return 2
        if not opts.generator:
            opts.generator = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(opts.netmeter))),
                                          "generate", "netmeter-generate")
    version = subprocess.run([opts.tshark, "-v"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True).stdout.splitlines()[:1]
    print("reference: %s" % (version[0] if version else opts.tshark), flush=True)

    captures = find_captures(opts.shared)
    if not captures:
        print("error: no captures under %s/pcaps" % opts.shared)
        return 2
    with tempfile.TemporaryDirectory(prefix="netmeter-tshark-") as workdir:
        opts.tshark_config = os.path.join(workdir, "wireshark-profile")
        os.makedirs(opts.tshark_config)
        # The crafted corner cases (edge_cases.py, no build needed) and netmeter-generate's traces.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        sys.dont_write_bytecode = True  # no __pycache__ in the source tree
        import edge_cases
        crafted = os.path.join(workdir, "edge-cases.pcap")
        edge_cases.write(crafted)
        captures.append(("crafted/edge-cases.pcap", crafted))
        if not opts.tshark_only and not opts.no_generated and not opts.only:
            captures += generated_traces(opts, workdir)
        if opts.only:
            captures = [c for c in captures if any(o in c[0] for o in opts.only)]
        passed = failed = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            futures = []
            for name, path in captures:
                if path is None:
                    failed += 1
                    continue
                futures.append(pool.submit(check_capture, name, path, opts, workdir))
            for fut in futures:
                res = fut.result()
                s = res.stats
                counts = ("ips %d/%d, pairs %d/%d, tcp %d/%d, udp %d/%d"
                          % tuple(x for k in ("ips", "pairs", "tcp", "udp") for x in s[k])) if s else "-"
                print("%s %s: %s (compared/matched)" % ("PASS" if res.ok else "FAIL", res.name, counts), flush=True)
                for line in res.lines:
                    print("    " + line)
                if opts.verbose or not res.ok:
                    for note in res.notes:
                        print("    explained: " + note)
                if res.ok:
                    passed += 1
                else:
                    failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
