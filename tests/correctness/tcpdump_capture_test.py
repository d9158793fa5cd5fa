#!/usr/bin/env python3
"""`netmeter capture` versus `tcpdump -r FILE -w OUT 'BPF'`: byte-identical output files.

For pairs of equivalent expressions (netmeter filter language <-> BPF), on every capture in
<shared>/pcaps that tcpdump can read, this test runs

    netmeter capture FILE -e EXPR -w A.pcap --pcap
    tcpdump -r FILE -w B.pcap 'BPF'

and requires A.pcap and B.pcap to be identical byte for byte: same file header (magic and timestamp
precision, version, snap length, link type) and the same records (timestamps, captured and original
lengths, bytes) in the same order. tcpdump writes classic pcap with microsecond timestamps unless it
is told `--time-stamp-precision=nano`; netmeter writes nanoseconds when the input has them, so the
test gives tcpdump that flag for those inputs (the nanosecond digits are then compared too).

Addresses, ports and VLAN ids are taken from each capture (the first packet that has them, as
tcpdump prints it), so every pair selects real packets; the test fails if the pairs select fewer than
a minimum number of packets overall.

Exclusions, each a documented semantic difference (docs/filter-language.md, "Differences from
tcpdump / BPF"). Where a capture holds packets of these kinds, the test still compares both outputs
record by record, but leaves those records out: it finds them with extra tcpdump runs over the input
("guard" filters, one run per filter because `vlan`, `mpls` and `pppoes` shift later offsets):

  * VLAN tags, MPLS labels, PPPoE: netmeter's ip/port/... look through them, BPF needs `vlan`,
    `mpls`, `pppoes` spelled out (pairs on vlan operands are compared on every packet instead).
  * Tunnels (IP-in-IP, 6in4, GRE, VXLAN, Geneve, GTP-U, Teredo, MPLS over UDP): netmeter's ip/port/
    l4Protocol/tcpFlags/icmpType describe the innermost packet, BPF the outer one.
  * IPv6 packets whose next header is not TCP/UDP/ICMPv6/SCTP/no-next-header (extension headers):
    netmeter walks them to the L4 header, BPF's `port`, `tcp[]`, `icmp6[]` do not.
  * Pairs on tcpFlags/icmpType restrict netmeter to IPv4 (BPF's tcp[]/icmp[] are IPv4 only).
The file headers are always compared. Captures tcpdump cannot read at all (pcapng with interfaces
of different link types, link types libpcap rejects) are listed as skipped; so are pairs whose
parameters a capture does not have (no IPv6, no VLAN, ...).

Exit status: 0 all equal, 1 a difference, 77 (ctest SKIP) when tcpdump is missing, 2 usage error.
"""

import argparse
import concurrent.futures
import ipaddress
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP_RETURN_CODE = 77
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TUNNELS = ("ip proto 4 or ip proto 41 or ip proto 47 or ip6 proto 4 or ip6 proto 41 or ip6 proto 47 "
           "or udp port 4789 or udp port 2152 or udp port 3544 or udp port 6635 or udp dst port 6081"
           # Teredo on another port, as netmeter recognizes it: one IPv6 packet filling the datagram,
           # to or from 2001:0::/32
           " or (udp and udp[8] & 0xf0 = 0x60 and udp[4:2] = udp[12:2] + 48"
           " and (udp[16:4] = 0x20010000 or udp[32:4] = 0x20010000))")
# (Written with ip6[6], not `ip6 proto`: libpcap's `ip6 proto N` also accepts N after a fragment
# header, while its `port` does not look past that header.)
IPV6_EXTENSIONS = "ip6 and ip6[6] != 6 and ip6[6] != 17 and ip6[6] != 58 and ip6[6] != 132 and ip6[6] != 59"
# DLT_PPP frames without the FF 03 address/control bytes: BPF assumes them and reads the protocol two
# bytes too far (netmeter's decoder accepts both forms).
PPP_WITHOUT_ADDRESS_CONTROL = "link[0] != 0xff"
# Guard filters of the plain scope: records matching any of them are not compared.
PLAIN_GUARDS = ["vlan", "mpls", "pppoes", TUNNELS, IPV6_EXTENSIONS]

# (name, netmeter expression, BPF, scope, needed parameters). Parameters: A4/P4 an IPv4 address and a
# port it uses, B4 its peer, N4 the /16 of A4, A6/P6 likewise for IPv6, V an outer VLAN id, M a MAC.
PAIRS = [
    ("ip", "ip == {A4}", "ip host {A4}", "plain", ("A4",)),
    ("ip and port", "ip == {A4} and port == {P4}", "ip host {A4} and port {P4}", "plain", ("A4", "P4")),
    ("ip pair", "ip == {A4} && ip == {B4}", "ip host {A4} and ip host {B4}", "plain", ("A4", "B4")),
    ("netmask /16", "ip == {N4}/16", "ip net {N4}/16", "plain", ("N4",)),
    ("netmask dotted", "ip == {N4}/255.255.0.0", "ip net {N4} mask 255.255.0.0", "plain", ("N4",)),
    ("ip:port", "ip == {A4}:{P4}",
     "(ip src host {A4} and (tcp src port {P4} or udp src port {P4} or sctp src port {P4})) or "
     "(ip dst host {A4} and (tcp dst port {P4} or udp dst port {P4} or sctp dst port {P4}))",
     "plain", ("A4", "P4")),
    ("ip !=", "ip == {A4} and ip != {B4}", "ip host {A4} and not ip host {B4}", "plain", ("A4", "B4")),
    ("ipv6", "ip == {A6}", "ip6 host {A6}", "plain", ("A6",)),
    ("[ipv6]:port", "ip == [{A6}]:{P6}",
     "(ip6 src host {A6} and (tcp src port {P6} or udp src port {P6} or sctp src port {P6})) or "
     "(ip6 dst host {A6} and (tcp dst port {P6} or udp dst port {P6} or sctp dst port {P6}))",
     "plain", ("A6", "P6")),
    ("ipv6 /64", "ip == {A6}/64", "ip6 net {N6}/64", "plain", ("A6", "N6")),
    ("port", "port == 53", "port 53", "plain", ()),
    ("portrange", "portrange == 1-1023", "portrange 1-1023", "plain", ()),
    ("portrange list", "portrange == 80,443,8000-8100,-22,65000-",
     "port 80 or port 443 or portrange 8000-8100 or portrange 0-22 or portrange 65000-65535", "plain", ()),
    ("l4Protocol tcp", "l4Protocol == TCP", "tcp", "plain", ()),
    ("l4Protocol list", "l4Protocol == ICMP,ICMPv6", "icmp or icmp6", "plain", ()),
    ("l4Protocol number", "l4Protocol == 17,132", "udp or sctp", "plain", ()),
    ("l4Protocol !=", "l4Protocol != UDP and macProtocol == IPv4", "ip and not udp", "plain", ()),
    ("macProtocol", "macProtocol == ARP", "arp", "plain", ()),
    ("macProtocol ipv6", "macProtocol == IPv6", "ip6", "plain", ()),
    ("tcpFlags syn+ack", "tcpFlags == syn+ack and macProtocol == IPv4",
     "tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)", "plain", ()),
    ("tcpFlags syn", "tcpFlags == SYN and macProtocol == IPv4", "tcp[tcpflags] & tcp-syn != 0", "plain", ()),
    ("tcpFlags fin/rst", "(tcpFlags == fin || tcpFlags == rst) && macProtocol == IPv4",
     "tcp[tcpflags] & (tcp-fin|tcp-rst) != 0", "plain", ()),
    ("icmpType echo", "icmpType == 8 and macProtocol == IPv4", "icmp[icmptype] == icmp-echo", "plain", ()),
    ("icmpType reply/unreach", "(icmpType == 0 or icmpType == 3) and l4Protocol == ICMP",
     "icmp[icmptype] == icmp-echoreply or icmp[icmptype] == icmp-unreach", "plain", ()),
    ("icmpv6 type", "icmpType == 135 and l4Protocol == ICMPv6", "icmp6 and ip6[40] == 135", "plain", ()),
    ("ipFragment", "ipFragment == 1", "ip[6:2] & 0x3fff != 0", "plain", ()),
    ("dscp", "qosIpDscp == 0 and macProtocol == IPv4", "ip[1] & 0xfc == 0", "plain", ()),
    ("mac", "mac == {M}", "ether host {M}", "plain", ("M",)),
    ("outervlan", "outervlan == {V}", "vlan {V}", "all", ("V",)),
    ("vlan any", "vlan == any", "vlan", "all", ()),
    # `ip` first: libpcap's `vlan` shifts the offsets of everything after it, even under `not`.
    ("vlan none and ip", "vlan == none and macProtocol == IPv4", "ip and not vlan", "plain-but-vlan", ()),
]

# Captures whose differences come from damaged headers: netmeter's decoder stops at the first damage
# (a packet with an invalid IP version or header length is not IPv4 for any operand, a TCP header cut
# by the IP length has no ports or flags), while BPF reads whatever bytes sit at its fixed offsets.
# BPF cannot single these packets out, so the captures are compared but differences are reported as
# known instead of failing; every packet concerned was checked by hand (tcpdump -v prints them as
# "IPn (invalid)" or "[|tcp]").
DAMAGED = {
    "ndpi/fuzz-2006-06-26-2594.pcap": "fuzzed capture: IP headers with invalid versions / lengths",
    "ndpi/ip_fragmented_garbage.pcap": "first fragments whose IP length cuts the TCP header ([|tcp])",
    # Not damage of headers but of timestamps: records whose microsecond field is >= 1,000,000.
    # netmeter's reader keeps such a packet in the second its record names (the last nanosecond of
    # it); tcpdump copies the invalid field as is. The same packets are selected.
    "tcpdump/timestamp_invalid_micro.pcap": "invalid microsecond fields are clamped by netmeter's reader",
    # Packets after 2106: classic pcap has 32-bit seconds. libpcap writes them wrapped around (a
    # wrong time); netmeter leaves them out and says so (pcapng output keeps them).
    "tcpdump/time_2106_overflow.pcapng": "times past 2106 do not fit classic pcap; netmeter leaves them out",
}

# Fewest packets all pairs together must have selected (on tcpdump's side) for the test to count.
MIN_SELECTED_PACKETS = 2000

IPV4_RE = re.compile(r" (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+):")
IPV6_RE = re.compile(r" ([0-9a-f:]*:[0-9a-f:.]*)\.(\d+) > ([0-9a-f:]*:[0-9a-f:.]*)\.(\d+):")
VLAN_RE = re.compile(r"vlan (\d+)")
MAC_RE = re.compile(r"^\S+ ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) > ")


def find_captures(shared):
    root = os.path.join(shared, "pcaps")
    out = []
    manifest = os.path.join(root, "MANIFEST.tsv")
    with open(manifest) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 1 and cols[1] == "capture":
                out.append(os.path.join(root, cols[0]))
    return sorted(out)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def first_line(path, bpf, extra=()):
    r = run(["tcpdump", "-nn", "-c", "1", "-r", path] + list(extra) + [bpf])
    return r.stdout.decode("utf-8", "replace").splitlines()[0] if r.stdout else ""


def parameters(path):
    """Addresses, ports, VLAN id and MAC taken from the capture's first packets that have them."""
    p = {}
    guard = " and ".join("not (%s)" % g for g in [TUNNELS, IPV6_EXTENSIONS])
    m = IPV4_RE.search(first_line(path, "ip and (tcp or udp) and %s" % guard))
    if m:
        p["A4"], p["P4"] = m.group(1), m.group(2)
        if m.group(3) != m.group(1):
            p["B4"] = m.group(3)
        p["N4"] = ".".join(p["A4"].split(".")[:2]) + ".0.0"
    m = IPV6_RE.search(first_line(path, "ip6 and (tcp or udp)"))
    if m:
        p["A6"], p["P6"] = m.group(1), m.group(2)
        p["N6"] = str(ipaddress.ip_network(p["A6"] + "/64", strict=False).network_address)
    m = VLAN_RE.search(first_line(path, "vlan", ["-e"]))
    if m:
        p["V"] = m.group(1)
    m = MAC_RE.search(first_line(path, "ether[0] & 1 == 0", ["-e"]))
    if m:
        p["M"] = m.group(1)
    return p


def read_pcap(path):
    """(header bytes, [record bytes]) of a classic pcap file written in host byte order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return data, []
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    records, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        records.append(data[pos:pos + 16 + caplen])
        pos += 16 + caplen
    return data[:24], records


def tcpdump_readable(path):
    r = run(["tcpdump", "-r", path, "-c", "1", "-w", "/dev/null"])
    return r.returncode == 0 or b"truncated" in r.stderr or b"bogus" in r.stderr, r.stderr.decode(errors="replace")


def check_capture(path, netmeter, workdir):
    """Returns (notes, failures, packets selected by tcpdump over all pairs, pairs compared)."""
    notes, failures = [], []
    readable, why = tcpdump_readable(path)
    if not readable:
        return ["skipped: tcpdump cannot read it (%s)" % why.strip().splitlines()[-1]], [], 0, 0
    # Named by the whole path: captures of the same name (geneve.pcap, vxlan.pcap, ntp.pcap, pppoe.pcap
    # in tcpdump/, zeek/ and ndpi/) are checked at the same time.
    base = os.path.join(workdir, os.path.abspath(path).strip(os.sep).replace(os.sep, "_").replace(".", "_"))
    params = parameters(path)
    # netmeter's precision decides tcpdump's: read it from an unfiltered capture's header.
    probe = base + "-probe.pcap"
    r = run([netmeter, "capture", path, "-w", probe, "--pcap", "--quiet", "--count", "1"])
    if r.returncode not in (0, 3) or not os.path.exists(probe):
        return [], ["netmeter capture (no filter) failed: %s" % r.stderr.decode(errors="replace").strip()], 0, 0
    header, _ = read_pcap(probe)
    nano = struct.unpack("<I", header[:4])[0] == 0xa1b23c4d
    link_type = struct.unpack("<I", header[20:24])[0] & 0xffff
    precision = ["--time-stamp-precision=nano"] if nano else []

    guard_cache = {}

    def guard_records(filters):
        keys = set()
        for g in filters:
            if g not in guard_cache:
                out = base + "-guard%d.pcap" % len(guard_cache)
                run(["tcpdump", "-r", path, "-w", out] + precision + [g])
                guard_cache[g] = set(read_pcap(out)[1]) if os.path.exists(out) else set()
            keys |= guard_cache[g]
        return keys

    selected, compared = 0, 0
    for i, (name, expr, bpf, scope, needs) in enumerate(PAIRS):
        if any(n not in params for n in needs):
            continue
        expr, bpf = expr.format(**params), bpf.format(**params)
        ours, theirs = base + "-%d-netmeter.pcap" % i, base + "-%d-tcpdump.pcap" % i
        r = run([netmeter, "capture", path, "-e", expr, "-w", ours, "--pcap", "--quiet"])
        if r.returncode not in (0, 3):
            failures.append("%s: netmeter capture -e '%s' failed (%d): %s"
                            % (name, expr, r.returncode, r.stderr.decode(errors="replace").strip()))
            continue
        t = run(["tcpdump", "-r", path, "-w", theirs] + precision + [bpf])
        if not os.path.exists(theirs) and (b"no VLAN support" in t.stderr or b"filtering not implemented" in t.stderr):
            continue  # libpcap cannot filter this link type (NFLOG, netlink) or has no `vlan` for it
        if not os.path.exists(theirs) and b"expression rejects all packets" in t.stderr:
            # libpcap proved at compile time that nothing matches (e.g. `arp` on a loopback link) and
            # wrote no file: netmeter must then have captured nothing either.
            if read_pcap(ours)[1]:
                failures.append("%s: '%s' captured %d packets where BPF '%s' can match none"
                                % (name, expr, len(read_pcap(ours)[1]), bpf))
            compared += 1
            continue
        if not os.path.exists(theirs):
            failures.append("%s: tcpdump '%s' wrote nothing: %s" % (name, bpf, t.stderr.decode(errors="replace")))
            continue
        compared += 1
        with open(ours, "rb") as a, open(theirs, "rb") as b:
            if a.read() == b.read():
                selected += len(read_pcap(theirs)[1])
                continue
        h1, r1 = read_pcap(ours)
        h2, r2 = read_pcap(theirs)
        if h1 != h2:
            failures.append("%s: file headers differ: netmeter %s, tcpdump %s" % (name, h1.hex(), h2.hex()))
            continue
        guards = PLAIN_GUARDS if scope == "plain" else [g for g in PLAIN_GUARDS if g != "vlan"] \
            if scope == "plain-but-vlan" else []
        if link_type == 9:
            guards = guards + [PPP_WITHOUT_ADDRESS_CONTROL]
        excluded = guard_records(guards)
        k1 = [x for x in r1 if x not in excluded]
        k2 = [x for x in r2 if x not in excluded]
        selected += len(k2)
        if k1 != k2:
            only1 = [x for x in k1 if x not in set(k2)]
            only2 = [x for x in k2 if x not in set(k1)]
            failures.append("%s: '%s' vs '%s': %d records only in netmeter's output, %d only in tcpdump's"
                            " (of %d / %d compared)%s"
                            % (name, expr, bpf, len(only1), len(only2), len(k1), len(k2),
                               "" if only1 or only2 else ", same records in another order"))
        else:
            notes.append("%s: equal after leaving out %d+%d records of the excluded kinds"
                         % (name, len(r1) - len(k1), len(r2) - len(k2)))
    return notes, failures, selected, compared


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--netmeter", default=os.path.join(REPO_ROOT, "build", "src", "app", "netmeter"))
    ap.add_argument("--shared", default=os.path.join(REPO_ROOT, "..", "shared"))
    ap.add_argument("--only", action="append", help="only captures whose path contains this text")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()
    if shutil.which("tcpdump") is None:
        print("SKIP: tcpdump not found")
        return SKIP_RETURN_CODE
    if not os.access(opts.netmeter, os.X_OK):
        print("error: netmeter binary not found: %s" % opts.netmeter)
        return 2
    captures = find_captures(opts.shared)
    if opts.only:
        captures = [c for c in captures if any(o in c for o in opts.only)]
    if not captures:
        print("error: no captures under %s/pcaps" % opts.shared)
        return 2
    print(run(["tcpdump", "--version"]).stdout.decode().splitlines()[0], flush=True)
    total_selected = total_compared = 0
    bad = 0
    with tempfile.TemporaryDirectory(prefix="netmeter-tcpdump-") as workdir:
        with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
            futures = {c: pool.submit(check_capture, c, opts.netmeter, workdir) for c in captures}
            for c in captures:
                notes, failures, selected, compared = futures[c].result()
                total_selected += selected
                total_compared += compared
                rel = os.path.relpath(c, os.path.join(opts.shared, "pcaps"))
                if failures and rel in DAMAGED:
                    print("known %s: %s" % (rel, DAMAGED[rel]))
                    for f in failures:
                        print("     %s" % f)
                    failures = []
                if failures:
                    bad += 1
                    print("FAIL %s" % rel)
                    for f in failures:
                        print("     %s" % f)
                elif opts.verbose or any(n.startswith("skipped") for n in notes):
                    print("ok   %s (%d pairs)" % (rel, compared))
                for n in notes if (opts.verbose or failures or any(n.startswith("skipped") for n in notes)) else []:
                    print("     %s" % n)
    print("%d captures, %d (capture, pair) comparisons, %d packets selected by tcpdump, %d captures differ"
          % (len(captures), total_compared, total_selected, bad))
    if bad:
        return 1
    if total_selected < MIN_SELECTED_PACKETS:
        print("FAIL: the pairs selected only %d packets (< %d): the comparison says too little"
              % (total_selected, MIN_SELECTED_PACKETS))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
