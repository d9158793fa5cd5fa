#!/usr/bin/env python3
"""Writes the crafted trace of tshark_counts_test.py: hand-made packets for corners of counting that
the reference captures miss. Standard library only; the output is the same on every run.

    edge_cases.py OUT.pcap

Cases: IP-in-IP deeper than netmeter's 4 levels; VXLAN in GRE in IPv6; IPv4 options; an IPv6
first fragment behind extension headers and a later fragment; UDP lengths beyond the IP payload
and below 8; TCP port reuse after FIN both ways; a SYN after RST with the same ISN; UDP gaps of
exactly 120 s and of 120.5 s (netmeter's idle timeout is strict); bad IPv4 header lengths; three
VLAN tags; IPv4-mapped IPv6; out-of-order timestamps; a host talking to itself on one port; MPLS
with IPv6; GTP-U with an extension header; GRE with checksum, key and sequence; Teredo with origin
indication; a VXLAN packet cut by the snap length inside the inner IP header; Ethernet padding;
Geneve with options and IPv6 inside, and Geneve from port 6081 (not decapsulated by netmeter).
IP reassembly (netmeter's IpReassembler): fragments out of order (a later one before the first);
fragmented VXLAN and Geneve carriers (the completing fragment counts on the inner packet); a repeated
fragment with the same bytes; an overlap with different bytes (the datagram dropped); fragments 31 s
apart (the first given up after 30 s); a first fragment cut by the snap length; a RST in a first
fragment whose datagram never completes, then a new SYN (the RST is not followed).
"""

import socket
import struct
import sys

SYN, RST, PSH, ACK, FIN = 0x02, 0x04, 0x08, 0x10, 0x01


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload, opts=b"", total_length=None):
    ihl = 5 + len(opts) // 4
    tl = total_length if total_length is not None else ihl * 4 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl, 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst)) + opts
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload


def ip4_fragment(src, dst, proto, ident, offset, more, data):
    """An IPv4 fragment: `data` at byte `offset` of datagram `ident`."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ident, (0x2000 if more else 0) | offset // 8,
                    64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + data


def fragments(src, dst, proto, ident, datagram, size):
    """The datagram's payload in fragments of `size` bytes (a multiple of 8), in order."""
    return [ip4_fragment(src, dst, proto, ident, off, off + size < len(datagram), datagram[off:off + size])
            for off in range(0, len(datagram), size)]


def ip6(src, dst, next_header, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def tcp(sport, dport, flags, seq=1000, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 8192, 0, 0) + data


def udp(sport, dport, data=b"", length=None):
    return struct.pack("!HHHH", sport, dport, length if length is not None else 8 + len(data), 0) + data


def eth(payload, ethertype=0x0800, tags=()):
    h = bytes.fromhex("001122334455" "0066778899aa")  # destination, source
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", ethertype) + payload


def vxlan(vni, frame):
    return struct.pack("!II", 0x08000000, vni << 8) + frame


def geneve(vni, protocol, payload, option_words=0):
    """Geneve (RFC 8926) version 0; one option of `option_words` 4-byte words (critical, C set)."""
    options = b""
    if option_words:
        options = struct.pack("!HBB", 0x0102, 0x80, option_words - 1) + b"\0" * (4 * (option_words - 1))
    return struct.pack("!BBHI", option_words, 0x40 if option_words else 0, protocol, vni << 8) + options + payload


def packets():
    """[(time, frame bytes, original length or None)]"""
    out = []
    now = [1700000000.0]

    def add(frame, dt=0.001, orig=None):
        now[0] += dt
        out.append((now[0], frame, orig))

    # IP-in-IP, 6 IP headers: netmeter decapsulates at most 4 levels.
    inner = ip4("10.9.9.1", "10.9.9.2", 6, tcp(1111, 80, SYN))
    for i in range(5):
        inner = ip4("172.16.%d.1" % i, "172.16.%d.2" % i, 4, inner)
    add(eth(inner))
    # VXLAN in GRE in IPv6.
    vx = vxlan(42, eth(ip4("10.1.1.1", "10.1.1.2", 17, udp(5000, 53, b"x" * 20))))
    gre = struct.pack("!HH", 0, 0x0800) + ip4("192.0.2.1", "192.0.2.2", 17, udp(40000, 4789, vx))
    add(eth(ip6("2001:db8::1", "2001:db8::2", 47, gre), 0x86DD))
    # IPv4 options (router alert).
    add(eth(ip4("10.2.0.1", "10.2.0.2", 6, tcp(2222, 443, PSH | ACK, data=b"hello"),
                opts=b"\x94\x04\x00\x00")))
    # IPv6 hop-by-hop + destination options + fragment header (first fragment, TCP), then a
    # later fragment.
    pad = b"\x01\x04\x00\x00\x00\x00"
    frag = struct.pack("!BBHI", 6, 0, 1, 0xABCD) + tcp(3333, 22, SYN)
    dstopts = struct.pack("!BB", 44, 0) + pad + frag
    hbh = struct.pack("!BB", 60, 0) + pad + dstopts
    add(eth(ip6("2001:db8::10", "2001:db8::20", 0, hbh), 0x86DD))
    later = struct.pack("!BBHI", 6, 0, 8 << 3, 0xABCD) + b"y" * 16
    add(eth(ip6("2001:db8::10", "2001:db8::20", 44, later), 0x86DD))
    # UDP length beyond the IP payload, and below the header size.
    add(eth(ip4("10.3.0.1", "10.3.0.2", 17, udp(6000, 7000, b"abc", length=200))))
    add(eth(ip4("10.3.0.1", "10.3.0.2", 17, udp(6000, 7000, b"abc", length=4))))
    # TCP: handshake, FIN both ways, then a new SYN on the same ports 1 s later.
    a, b = "10.4.0.1", "10.4.0.2"
    for flags, src, seq in ((SYN, a, 100), (SYN | ACK, b, 500), (ACK, a, 101), (FIN | ACK, a, 101),
                            (FIN | ACK, b, 501), (ACK, a, 102)):
        sp, dp = (4444, 80) if src == a else (80, 4444)
        add(eth(ip4(src, b if src == a else a, 6, tcp(sp, dp, flags, seq=seq))))
    add(eth(ip4(a, b, 6, tcp(4444, 80, SYN, seq=9000))), dt=1)
    # SYN, RST, then the same SYN again (same ISN: one tcp.stream for tshark).
    c, d = "10.5.0.1", "10.5.0.2"
    add(eth(ip4(c, d, 6, tcp(5555, 80, SYN, seq=77))))
    add(eth(ip4(d, c, 6, tcp(80, 5555, RST | ACK, seq=0))))
    add(eth(ip4(c, d, 6, tcp(5555, 80, SYN, seq=77))), dt=0.5)
    # UDP idle gaps of exactly 120 s (same flow) and 120.5 s (new flow).
    add(eth(ip4("10.6.0.1", "10.6.0.2", 17, udp(1234, 9999, b"a"))))
    add(eth(ip4("10.6.0.1", "10.6.0.2", 17, udp(1234, 9999, b"b"))), dt=120.0)
    add(eth(ip4("10.6.0.1", "10.6.0.2", 17, udp(1234, 9999, b"c"))), dt=120.5)
    # IPv4 header length 16 (IHL 4), and a total length below the header length.
    bad = bytearray(ip4("10.7.0.1", "10.7.0.2", 17, udp(1, 2, b"z")))
    bad[0] = 0x44
    add(eth(bytes(bad)))
    add(eth(ip4("10.7.0.3", "10.7.0.4", 17, udp(1, 2, b"z"), total_length=12)))
    # 802.1ad + two 802.1Q tags.
    add(eth(ip4("10.8.0.1", "10.8.0.2", 17, udp(1000, 2000, b"q")),
            tags=((0x88A8, 100), (0x8100, 200), (0x8100, 300))))
    # IPv4-mapped IPv6 addresses.
    add(eth(ip6("::ffff:10.9.0.1", "::ffff:10.9.0.2", 17, udp(1, 53, b"m")), 0x86DD))
    # Out-of-order timestamps inside a TCP connection.
    add(eth(ip4("10.10.0.1", "10.10.0.2", 6, tcp(7777, 80, SYN))))
    add(eth(ip4("10.10.0.2", "10.10.0.1", 6, tcp(80, 7777, SYN | ACK))), dt=-0.5)
    add(eth(ip4("10.10.0.1", "10.10.0.2", 6, tcp(7777, 80, ACK))), dt=1.0)
    # Same address and port on both sides ("land").
    add(eth(ip4("10.11.0.1", "10.11.0.1", 6, tcp(139, 139, SYN))))
    # MPLS (one label) carrying IPv6.
    label = struct.pack("!I", (16 << 12) | (1 << 8) | 64)
    add(eth(label + ip6("2001:db8:1::1", "2001:db8:1::2", 17, udp(1, 2, b"mpls")), 0x8847))
    # GTP-U with a PDU session container extension header.
    inner = ip4("10.12.0.1", "10.12.0.2", 17, udp(3000, 4000, b"gtp"))
    gtp = struct.pack("!BBHI", 0x34, 0xFF, 8 + len(inner), 0x1234) + struct.pack("!HBB", 0, 0, 0x85) \
        + struct.pack("!BBBB", 1, 0x10, 0x01, 0) + inner
    add(eth(ip4("192.0.2.10", "192.0.2.11", 17, udp(2152, 2152, gtp))))
    # GRE with checksum, key and sequence number, carrying IPv6.
    inner = ip6("2001:db8:2::1", "2001:db8:2::2", 17, udp(10, 20, b"gre"))
    gre = struct.pack("!HHHHII", 0xB000, 0x86DD, 0, 0, 7, 1)
    add(eth(ip4("192.0.2.20", "192.0.2.21", 47, gre + inner)))
    # Teredo with an origin indication.
    inner = ip6("2001::1", "2001:db8:3::2", 17, udp(30, 40, b"teredo"))
    add(eth(ip4("192.0.2.30", "192.0.2.31", 17, udp(3544, 50000, b"\x00\x00" + b"\x11" * 6 + inner))))
    # VXLAN cut by the snap length inside the inner IPv4 header.
    vx = vxlan(43, eth(ip4("10.13.0.1", "10.13.0.2", 6, tcp(8080, 80, PSH | ACK, data=b"D" * 400))))
    frame = eth(ip4("192.0.2.40", "192.0.2.41", 17, udp(40001, 4789, vx)))
    add(frame[:14 + 20 + 8 + 8 + 14 + 10], orig=len(frame))
    # Ethernet padding after the IP packet.
    add(eth(ip4("10.14.0.1", "10.14.0.2", 6, tcp(1, 2, ACK))) + b"\0" * 6)
    # Geneve with IPv6 right after two option words (protocol type 0x86DD), then a Geneve packet
    # from port 6081 to another port: tshark takes it for Geneve, netmeter not (RFC 8926: the
    # destination port), so it stays on its outer addresses.
    inner = ip6("2001:db8:4::1", "2001:db8:4::2", 6, tcp(4000, 443, SYN))
    add(eth(ip4("192.0.2.60", "192.0.2.61", 17, udp(50000, 6081, geneve(0x123456, 0x86DD, inner, 2)))))
    inner = eth(ip4("10.15.0.1", "10.15.0.2", 17, udp(5353, 53, b"g" * 12)))
    add(eth(ip4("192.0.2.61", "192.0.2.60", 17, udp(6081, 50001, geneve(7, 0x6558, inner)))))

    # IP reassembly. Out of order: the last fragment (before the first: a port-0 connection for
    # netmeter), the first, the middle one (completes the datagram).
    first, middle, last = fragments("10.20.0.1", "10.20.0.2", 17, 0x1001, udp(7001, 7002, b"o" * 40), 16)
    for f in (last, first, middle):
        add(eth(f))
    # A fragmented VXLAN carrier: the first fragment counts on the outer addresses and UDP
    # connection, the last one (it completes the datagram) on the inner packet.
    vx = vxlan(44, eth(ip4("10.21.0.1", "10.21.0.2", 17, udp(9000, 9001, b"v" * 100))))
    for f in fragments("192.0.2.50", "192.0.2.51", 17, 0x1002, udp(40002, 4789, vx), 64):
        add(eth(f))
    # The same with Geneve (an option word, Ethernet inside).
    gv = geneve(45, 0x6558, eth(ip4("10.21.1.1", "10.21.1.2", 17, udp(9002, 9003, b"g" * 100))), 1)
    for f in fragments("192.0.2.52", "192.0.2.53", 17, 0x1003, udp(40003, 6081, gv), 64):
        add(eth(f))
    # A repeated first fragment (same bytes: kept), then the rest.
    frags = fragments("10.22.0.1", "10.22.0.2", 17, 0x2001, udp(7101, 7102, b"r" * 16), 16)
    for f in (frags[0], frags[0], frags[1]):
        add(eth(f))
    # An overlap with different bytes: netmeter drops the datagram there; the last fragment then
    # starts a datagram without its first fragment (tshark reassembles all four).
    frags = fragments("10.23.0.1", "10.23.0.2", 17, 0x3001, udp(7201, 7202, b"c" * 32), 16)
    other = ip4_fragment("10.23.0.1", "10.23.0.2", 17, 0x3001, 16, True, b"C" * 16)
    for f in (frags[0], frags[1], other, frags[2]):
        add(eth(f))
    # Fragments 31 s apart: the first is given up after 30 s; the last has no first fragment then.
    frags = fragments("10.24.0.1", "10.24.0.2", 17, 0x4001, udp(7301, 7302, b"t" * 16), 16)
    add(eth(frags[0]))
    add(eth(frags[1]), dt=31)
    # A first fragment cut by the snap length (analyzed alone), then the last fragment.
    frags = fragments("10.25.0.1", "10.25.0.2", 17, 0x5001, udp(7401, 7402, b"s" * 40), 32)
    add(eth(frags[0])[:14 + 20 + 16], orig=len(eth(frags[0])))
    add(eth(frags[1]))
    # A RST in a first fragment whose datagram never completes: netmeter does not follow the flags
    # of a fragment until its datagram is whole, so the SYN after it stays on the same connection.
    add(eth(ip4("10.26.0.1", "10.26.0.2", 6, tcp(6001, 80, SYN, seq=100))))
    rst = tcp(80, 6001, RST | ACK, seq=0, data=b"x" * 20)
    add(eth(ip4_fragment("10.26.0.2", "10.26.0.1", 6, 0x6001, 0, True, rst[:24])))
    add(eth(ip4("10.26.0.1", "10.26.0.2", 6, tcp(6001, 80, SYN, seq=5000))), dt=1)
    return out


def write(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, frame, orig in packets():
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), orig or len(frame)))
            f.write(frame)


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else "edge-cases.pcap")
