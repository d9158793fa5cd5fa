#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_ip_reassembly (fuzz/corpus/ip_reassembly/): fragments of IPv4 and
IPv6 datagrams in the target's input format (see fuzz_ip_reassembly.cpp): a byte of limits, a byte of
packet time step, then frames, each a 2-byte header (length; bit 14 flood, bit 15 snap length) and an
Ethernet frame."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "ip_reassembly")

SRC4 = bytes([192, 0, 2, 10])
DST4 = bytes([198, 51, 100, 20])
SRC6 = bytes.fromhex("20010db8000000000000000000000001")
DST6 = bytes.fromhex("20010db8000000000000000000000002")


def ethernet(ethertype, vlan=None):
    head = bytes(range(0x10, 0x16)) + bytes(range(0x90, 0x96))
    if vlan is not None:
        return head + struct.pack(">HHH", 0x8100, vlan, ethertype)
    return head + struct.pack(">H", ethertype)


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def pattern(n, seed=3):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def ipv4_fragment(payload, start, end, more, ident=0x4242, proto=17, vlan=None, total=None, options=b""):
    data = payload[start:end]
    flags = (0x2000 if more else 0) | (start // 8)
    length = 20 + len(options) + len(data) if total is None else total
    header = struct.pack(">BBHHHBBH4s4s", 0x45 + len(options) // 4, 0, length, ident, flags, 64, proto, 0, SRC4,
                         DST4) + options
    return ethernet(0x0800, vlan) + header + data


def ipv6_fragment(fragmentable, start, end, more, ident=0xDEADBEEF, next_header=17, dest_options=False):
    data = fragmentable[start:end]
    frag = struct.pack(">BBHI", next_header, 0, (start & 0xFFF8) | (1 if more else 0), ident)
    ext = b""
    first_next = 44
    if dest_options:
        ext = struct.pack(">BBBB4s", 44, 0, 1, 4, b"\0" * 4)
        first_next = 60
    payload_length = len(ext) + len(frag) + len(data)
    header = struct.pack(">IHBB16s16s", 0x60000000, payload_length, first_next, 64, SRC6, DST6)
    return ethernet(0x86DD) + header + ext + frag + data


def cut(make, payload, starts, **kw):
    frames = []
    for i, start in enumerate(starts):
        last = i + 1 == len(starts)
        frames.append(make(payload, start, len(payload) if last else starts[i + 1], not last, **kw))
    return frames


def frame_record(frame, snap=False, flood=None, pieces=None, holes=False):
    """flood: offered flood + 1 times with the next identification; pieces: offered pieces times, each
    where the previous one ended (8 bytes further with holes)."""
    repeat = None
    if flood is not None:
        assert flood < 0x80
        repeat = flood
    elif pieces is not None:
        assert 1 <= pieces <= 64
        repeat = 0x80 | (0x40 if holes else 0) | (pieces - 1)
    header = len(frame) | (0x8000 if snap else 0) | (0x4000 if repeat is not None else 0)
    record = struct.pack(">H", header) + frame
    if repeat is not None:
        record += bytes([repeat])
    return record


def seed(limits, step, records):
    return bytes([limits, step & 0xFF]) + b"".join(records)


# limits byte: memory 4 KiB << (bits 0-2 % 7), timeout (bits 3-7) * 250 ms
LIMITS = (8 << 3) | 6  # 256 KiB, 2 s
SMALL = (8 << 3) | 0  # 4 KiB, 2 s


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    dns = udp(5353, 53, pattern(1200))
    v4 = cut(ipv4_fragment, dns, [0, 512, 1024])
    seeds["ipv4_in_order"] = seed(LIMITS, 1, [frame_record(f) for f in v4])
    seeds["ipv4_reversed"] = seed(LIMITS, 1, [frame_record(f) for f in reversed(v4)])
    seeds["ipv4_shuffled_repeated"] = seed(LIMITS, 1, [frame_record(v4[i]) for i in (1, 2, 1, 0)])
    changed = bytearray(dns)
    changed[600] ^= 0xFF
    seeds["ipv4_overlap_conflict"] = seed(
        LIMITS, 1, [frame_record(v4[0]), frame_record(v4[1]),
                    frame_record(ipv4_fragment(bytes(changed), 512, 1024, True)), frame_record(v4[2])])
    seeds["ipv4_overlap_agreeing"] = seed(
        LIMITS, 1, [frame_record(v4[0]), frame_record(ipv4_fragment(dns, 256, 768, True)), frame_record(v4[1]),
                    frame_record(v4[2])])
    too_large = bytearray(ipv4_fragment(pattern(16), 0, 16, False))
    too_large[14 + 6:14 + 8] = b"\x1f\xff"
    seeds["ipv4_too_large"] = seed(LIMITS, 1, [frame_record(v4[0]), frame_record(bytes(too_large))])
    seeds["ipv4_two_ends"] = seed(
        LIMITS, 1, [frame_record(ipv4_fragment(dns, 512, 600, False)), frame_record(ipv4_fragment(dns, 512, 700, False))])
    seeds["ipv4_snap_length"] = seed(LIMITS, 1, [frame_record(v4[0]), frame_record(v4[1][:200], snap=True),
                                                frame_record(v4[2])])
    seeds["ipv4_length_beyond_frame"] = seed(
        LIMITS, 1, [frame_record(v4[0]), frame_record(ipv4_fragment(dns, 512, 1024, True, total=700)), frame_record(v4[2])])
    seeds["ipv4_vlans"] = seed(
        LIMITS, 1, [frame_record(ipv4_fragment(dns, 0, 512, True, vlan=10)),
                    frame_record(ipv4_fragment(dns, 512, 1024, True, vlan=20)),
                    frame_record(ipv4_fragment(dns, 1024, len(dns), False, vlan=10)),
                    frame_record(ipv4_fragment(dns, 512, 1024, True, vlan=10))])
    seeds["ipv4_timeout"] = seed(LIMITS, 15, [frame_record(f) for f in v4])  # 1.5 s apart, 2 s timeout
    seeds["ipv4_backwards"] = seed(LIMITS, -15, [frame_record(f) for f in v4])
    seeds["ipv4_flood"] = seed(SMALL, 0, [frame_record(v4[0], flood=120), frame_record(v4[0]), frame_record(v4[1]),
                                          frame_record(v4[2])])

    # 41 disjoint pieces of one datagram: more than the 32 runs a datagram may have.
    holes = ipv4_fragment(pattern(16), 8, 16, True)
    seeds["ipv4_holes"] = seed(LIMITS, 0, [frame_record(ipv4_fragment(pattern(16), 0, 8, True)),
                                           frame_record(holes, pieces=40, holes=True)])
    # 65515 bytes of data in 44 pieces of 1480 and a last one of 395: a datagram of exactly 65535
    # bytes, or of 65539 when the first fragment has 4 bytes of options.
    big = pattern(65515, 5)
    for name, options in (("ipv4_largest", b""), ("ipv4_options_too_large", b"\x01\x01\x01\x00")):
        seeds[name] = seed(LIMITS, 0, [frame_record(ipv4_fragment(big, 0, 1480, True, proto=253, options=options),
                                                    pieces=44),
                                       frame_record(ipv4_fragment(big, 65120, len(big), False, proto=253))])
    seeds["ipv4_larger_than_limit"] = seed(SMALL, 0, [seeds["ipv4_largest"][2:]])  # 4 KiB: given up

    v6 = cut(ipv6_fragment, dns, [0, 512, 1024], dest_options=True)
    seeds["ipv6_dest_options"] = seed(LIMITS, 1, [frame_record(f) for f in (v6[2], v6[0], v6[1])])
    body = struct.pack(">BBBB4s", 17, 0, 1, 4, b"\0" * 4) + dns  # destination options in the fragmentable part
    seeds["ipv6_options_after_fragment"] = seed(
        LIMITS, 1, [frame_record(f) for f in cut(ipv6_fragment, body, [0, 640], next_header=60)])
    seeds["ipv6_flood"] = seed(SMALL, 0, [frame_record(v6[1], flood=100), frame_record(v6[0]), frame_record(v6[2])])

    # GTP-U in a fragmented IPv4/UDP carrier, an IPv4/TCP packet inside.
    tcp = struct.pack(">HHIIBBHHH", 1234, 80, 11, 22, 0x50, 0x10, 1000, 0, 0) + pattern(900)
    inner = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 30, 6, 0, bytes([10, 1, 1, 1]),
                        bytes([10, 2, 2, 2])) + tcp
    gtp = struct.pack(">BBHI", 0x30, 0xFF, len(inner), 0x0BADCAFE) + inner
    carrier = udp(2152, 2152, gtp)
    seeds["gtp_fragmented_carrier"] = seed(LIMITS, 1, [frame_record(f) for f in cut(ipv4_fragment, carrier, [0, 504])])

    # IPv6/UDP in GTP-U over fragmented IPv4: the inner IP version is not the carrier's.
    inner6 = struct.pack(">IHBB16s16s", 0x60000000, 8 + 900, 17, 30, SRC6, DST6) + udp(1234, 80, pattern(900))
    carrier6 = udp(2152, 2152, struct.pack(">BBHI", 0x30, 0xFF, len(inner6), 0x0BADCAFE) + inner6)
    seeds["gtp_ipv6_inner"] = seed(LIMITS, 1, [frame_record(f) for f in cut(ipv4_fragment, carrier6, [0, 504, 760])])

    for name, data in seeds.items():
        assert len(data) < 4096, name
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
