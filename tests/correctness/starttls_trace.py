#!/usr/bin/env python3
"""Writes a capture of STARTTLS sessions whose TLS is real: tshark_starttls_test.py compares
netmeter's reading of it with tshark's. Standard library only; the output is the same on every run.

    starttls_trace.py OUT.pcap [--shared ../shared]

Every session is a TCP connection (handshake, FIN at the end) that speaks SMTP (port 25), IMAP (143),
POP3 (110) or FTP (21) in cleartext, upgrades (SMTP STARTTLS -> 220, IMAP a002 STARTTLS -> a002 OK,
POP3 STLS -> +OK, FTP AUTH TLS -> 234; the SMTP one is first refused with 454 and asked again) and
then carries, byte for byte and with their relative timing, the TCP payloads of a TLS connection of
a shared capture (no capture in ../shared has STARTTLS): zeek/traces/tls/tls1.2.pcap (a whole TLS
1.2 session: no SNI, an encrypted alert at the end) and the handshake of ndpi/443-curl.pcap (SNI
www.ntop.org; its first 12 payload segments). Each protocol with each TLS source: 8 sessions, about
60 KB.
"""

import argparse
import os
import socket
import struct
import sys

from edge_cases import checksum

SYN, PSH, ACK, FIN = 0x02, 0x08, 0x10, 0x01
DEFAULT_SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"))

# (protocol, server port, cleartext dialog up to and including the positive answer). Each entry is
# (from client, bytes); each is one segment.
DIALOGS = [
    ("smtp", 25, [
        (False, b"220 mail.example.org ESMTP Postfix\r\n"),
        (True, b"EHLO client.example.org\r\n"),
        (False, b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
        (True, b"STARTTLS\r\n"),
        (False, b"454 4.7.0 TLS not available due to temporary reason\r\n"),
        (True, b"STARTTLS\r\n"),
        (False, b"220 2.0.0 Ready to start TLS\r\n"),
    ]),
    ("imap", 143, [
        (False, b"* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\r\n"),
        (True, b"a001 CAPABILITY\r\n"),
        (False, b"* CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED\r\na001 OK Pre-login capabilities listed.\r\n"),
        (True, b"a002 STARTTLS\r\n"),
        (False, b"a002 OK Begin TLS negotiation now.\r\n"),
    ]),
    ("pop3", 110, [
        (False, b"+OK Dovecot ready.\r\n"),
        (True, b"CAPA\r\n"),
        (False, b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nSTLS\r\nSASL PLAIN\r\n.\r\n"),
        (True, b"STLS\r\n"),
        (False, b"+OK Begin TLS negotiation now.\r\n"),
    ]),
    ("ftp", 21, [
        (False, b"220 (vsFTPd 3.0.3)\r\n"),
        (True, b"AUTH TLS\r\n"),
        (False, b"234 Proceeding with negotiation.\r\n"),
    ]),
]

# (shared capture, payload segments taken: None for all).
TLS_SOURCES = [("zeek/traces/tls/tls1.2.pcap", None), ("ndpi/443-curl.pcap", 12)]


def read_pcap(path):
    """(time ns, frame bytes) of a classic pcap file (either byte order, us or ns)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
             b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1)}.get(magic)
    if order is None:
        raise ValueError("%s: not a classic pcap file" % path)
    endian, scale = order
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, Ethernet expected" % (path, linktype))
    pos, frames = 24, []
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frames.append((sec * 1000000000 + frac * scale, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return frames


def tls_segments(path, limit):
    """The TCP payload segments of the capture's first TCP connection in capture order: (time ns
    relative to its first payload, from client, bytes). The client is the sender of the SYN.
    Ethernet, IPv4 without tunnels, as the two sources are."""
    client, segments = None, []
    for t, frame in read_pcap(path):
        if struct.unpack("!H", frame[12:14])[0] != 0x0800:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            continue
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport = struct.unpack("!HH", tcp[:4])
        flags = tcp[13]
        src = (ip[12:16], sport)
        if client is None and flags & SYN and not flags & ACK:
            client = src
        payload = tcp[(tcp[12] >> 4) * 4:]
        if payload and client is not None:
            segments.append((t, src == client, payload))
    if limit is not None:
        segments = segments[:limit]
    first = segments[0][0]
    return [(t - first, c, p) for t, c, p in segments]


def frame(src, dst, sport, dport, flags, seq, ack, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002" "020000000001") + struct.pack("!H", 0x0800)
    return eth + ip + tcp


class Session:
    """One TCP connection between client and server; each side's segments follow its stream."""

    def __init__(self, out, client, server, sport, dport, start_ns):
        self.out, self.client, self.server, self.sport, self.dport = out, client, server, sport, dport
        self.seq = {True: 1000, False: 500000}
        self.t = start_ns
        self.send(True, SYN, b"", 0)
        self.seq[True] += 1
        self.send(False, SYN | ACK, b"", 1000000)
        self.seq[False] += 1
        self.send(True, ACK, b"", 200000)

    def send(self, from_client, flags, data, after_ns):
        self.t += after_ns
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sport, dport = (self.sport, self.dport) if from_client else (self.dport, self.sport)
        ack = self.seq[not from_client] if flags & ACK or not flags & SYN else 0
        self.out.append((self.t, frame(src, dst, sport, dport, flags | (ACK if ack else 0), self.seq[from_client], ack,
                                       data)))
        self.seq[from_client] += len(data)

    def close(self):
        self.send(True, FIN | ACK, b"", 1000000)
        self.seq[True] += 1
        self.send(False, FIN | ACK, b"", 1000000)
        self.seq[False] += 1
        self.send(True, ACK, b"", 200000)


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))  # ns resolution
        for t, data in sorted(packets, key=lambda p: p[0]):
            f.write(struct.pack("<IIII", t // 1000000000, t % 1000000000, len(data), len(data)))
            f.write(data)


def sessions(shared):
    """The packets of every session, and what each is: (protocol, client port, TLS source)."""
    packets, described = [], []
    start = 1700000000 * 1000000000
    number = 0
    for source, limit in TLS_SOURCES:
        segments = tls_segments(os.path.join(shared, "pcaps", source), limit)
        for protocol, port, dialog in DIALOGS:
            number += 1
            client_port = 40000 + number
            s = Session(packets, "10.1.0.%d" % number, "10.2.0.%d" % number, client_port, port, start)
            for from_client, data in dialog:
                s.send(from_client, PSH | ACK, data, 5000000)
            begin = s.t + 2000000
            for t, from_client, data in segments:
                s.t = begin + t
                s.send(from_client, PSH | ACK, data, 0)
            s.close()
            described.append((protocol, client_port, source))
            start += 10 * 1000000000  # one session after the other
    return packets, described


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--shared", default=DEFAULT_SHARED)
    opts = ap.parse_args()
    packets, _ = sessions(opts.shared)
    write_pcap(opts.out, packets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
