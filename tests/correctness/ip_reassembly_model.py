"""netmeter's IP reassembly (src/decode/ip_reassembler.*) replayed on tshark's dissection, for
tshark_counts_test.py.

tshark_counts derives "netmeter's view" of a capture from tshark's per-packet lines. With IP
reassembly (netmeter's default) that view depends on which fragments netmeter puts together and
when a datagram becomes whole, which follows netmeter's own rules, not tshark's (keys, overlaps,
inconsistent ends, the 30 s timeout, fragments it cannot use). This module replays those rules on
the fragments as tshark shows them:

  fragment_layers()   one tshark run (`-T json -x`, reassembly off, fragments only) gives, for
                      every IP header of every fragment, where it starts in the frame; the header
                      fields and the fragment's data are then read from the frame bytes, as the
                      decoder does (src/decode/network_layer.cpp).
  Reassembler         IpReassembler::add() step by step: the key, the usable-fragment tests, the
                      snap length, the end and size checks, overlapping bytes, the 32-range limit,
                      the timeout, the first fragment's ports given to later fragments, completion.

Python 3 standard library only.
"""

import ipaddress
import json
import subprocess

# Frames holding an IPv4 or IPv6 fragment (an IPv6 atomic fragment too; it is no fragment for
# netmeter and is skipped below).
FRAGMENT_FILTER = "ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr"

MAX_IP_PACKET = 65535           # ip_reassembler.cpp kMaxIpPacket
MAX_RANGES = 32                 # IpReassembler::kMaxRanges
TIMEOUT_NS = 30 * 10**9         # IpReassembler::Limits::timeout (EngineOptions::ipReassemblyTimeout)
# IpReassembler::Limits::memoryBytes (--ip-reassembly, default 8M): datagrams given up oldest first
# beyond it. The model does not replay that accounting (vector capacities); it refuses captures that
# come anywhere near it instead (HarnessError), so that an eviction cannot go unnoticed.
MODEL_MEMORY_CEILING = 2 << 20


class ModelError(Exception):
    """The capture needs something the model does not replay (the caller reports a harness error)."""


class IpHeader:
    """One IP header of a fragment frame, read from the frame bytes at the position tshark gives."""
    __slots__ = ("fam", "src", "dst", "start", "total", "frag", "offset", "more", "ident", "proto",
                 "data_begin", "limit", "decoded")


class FrameFragments:
    __slots__ = ("num", "wire", "captured", "interface", "bytes", "ips")


def _pairs(value):
    return value if isinstance(value, list) and value and isinstance(value[0], tuple) else None


def _find(pairs, name):
    """The first value of `name` anywhere under a JSON object (kept as a list of pairs)."""
    for k, v in pairs:
        if k == name:
            return v
        sub = _pairs(v)
        if sub is not None:
            found = _find(sub, name)
            if found is not None:
                return found
    return None


def _header(frame, start, fam, limit):
    h = IpHeader()
    h.fam, h.start, h.limit = fam, start, limit
    h.frag = False
    if fam == 4:
        ihl = (frame[start] & 0x0F) * 4
        h.total = int.from_bytes(frame[start + 2:start + 4], "big")
        h.ident = int.from_bytes(frame[start + 4:start + 6], "big")
        flags = int.from_bytes(frame[start + 6:start + 8], "big")
        h.more, h.offset = bool(flags & 0x2000), (flags & 0x1FFF) * 8
        h.proto = frame[start + 9]
        h.src = str(ipaddress.ip_address(bytes(frame[start + 12:start + 16])))
        h.dst = str(ipaddress.ip_address(bytes(frame[start + 16:start + 20])))
        h.frag = h.more or h.offset != 0
        h.data_begin = start + ihl
        # decodeIpv4 stops before the fragment fields on a header length below 20 or a total
        # length below it: no IP header, no fragment for netmeter.
        h.decoded = ihl >= 20 and (h.total == 0 or h.total >= ihl)
    else:
        plen = int.from_bytes(frame[start + 4:start + 6], "big")
        h.total = plen + 40 if plen else 0  # DecodedPacket::ipTotalLength (0: jumbogram, TSO)
        h.src = str(ipaddress.ip_address(bytes(frame[start + 8:start + 24])))
        h.dst = str(ipaddress.ip_address(bytes(frame[start + 24:start + 40])))
        h.proto = 0  # the key of an IPv6 datagram has no protocol
        h.data_begin = 0
        h.decoded = True
    return h


def fragment_layers(tshark, capture, extra, env):
    """{frame number: FrameFragments} for the frames holding a fragment (reassembly off)."""
    cmd = [tshark, "-n", "-r", capture] + extra + [
        "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-Y", FRAGMENT_FILTER,
        "-T", "json", "-x", "-j", "frame ip ipv6"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          universal_newlines=True, errors="replace")
    try:
        packets = json.loads(proc.stdout, object_pairs_hook=list) if proc.stdout.strip() else []
    except ValueError as e:
        raise ModelError("tshark's JSON for the fragments is unreadable: %s" % e)
    result = {}
    for packet in packets:
        layers = dict(packet)["_source"]
        layers = dict(layers)["layers"]
        frame_raw = _find(layers, "frame_raw")
        frame_info = _find(layers, "frame")
        f = FrameFragments()
        f.num = int(_find(frame_info, "frame.number"))
        f.wire = int(_find(frame_info, "frame.len"))
        f.captured = int(_find(frame_info, "frame.cap_len"))
        f.interface = int(_find(frame_info, "frame.interface_id") or 0)
        f.bytes = bytes.fromhex(frame_raw[0])
        if len(f.bytes) != f.captured:
            raise ModelError("frame %d: frame_raw holds %d bytes, cap_len says %d"
                             % (f.num, len(f.bytes), f.captured))
        f.ips = []
        limit = f.wire
        raw = {}
        for key, value in layers:
            if key in ("ip_raw", "ipv6_raw"):
                raw[key[:-4]] = value
            elif key in ("ip", "ipv6") and _pairs(value) is not None and key in raw:
                hexbytes, start = raw.pop(key)[:2]
                start = int(start)
                if f.bytes[start:start + len(hexbytes) // 2].hex() != hexbytes.lower():
                    raise ModelError("frame %d: %s header position %d does not hold tshark's bytes"
                                     % (f.num, key, start))
                fam = 4 if key == "ip" else 6
                if start + (20 if fam == 4 else 40) > len(f.bytes):
                    break  # a header cut short by the snap length: nothing after it
                # The decoder's cursor ends where the enclosing layer says (the frame, an outer IP
                # header's length); PPPoE and UDP lengths are not followed here (checked below).
                h = _header(f.bytes, start, fam, limit)
                if fam == 6:
                    frag = _find(value, "ipv6.fraghdr_raw")
                    if frag is not None:
                        pos = int(frag[1])
                        flags = int.from_bytes(f.bytes[pos + 2:pos + 4], "big")
                        h.offset, h.more = flags & 0xFFF8, bool(flags & 1)
                        h.ident = int.from_bytes(f.bytes[pos + 4:pos + 8], "big")
                        h.frag = h.offset != 0 or h.more  # offset 0 without M: an atomic fragment
                        h.data_begin = pos + 8
                f.ips.append(h)
                if h.total:
                    limit = min(limit, start + h.total)
        if "pppoes" in (_find(frame_info, "frame.protocols") or "").split(":"):
            raise ModelError("frame %d: a fragment in PPPoE (the PPPoE length bound is not replayed)" % f.num)
        result[f.num] = f
    return result


class Datagram:
    __slots__ = ("key", "first", "data", "ranges", "end_known", "end", "have_first", "ports",
                 "header_len", "frames", "fam", "view")


class Decision:
    """What netmeter does with one fragment (DecodedPacket::fragmentRole and the ports it gets).

    role: "none" (reassembly cannot use it: analyzed alone, as without reassembly), "piece"
    (counted, not analyzed), "whole" (it completed its datagram: decoded from all of it).
    ports: for a later "piece" whose datagram's first fragment came before it, the datagram's
    (protocol, source port, destination port), or None when that first fragment had none; "own" for
    a first fragment (its own header); None otherwise (a port-0 connection).
    data, length, frames: for "whole", the reassembled IP payload (bytes), its length and the frames
    of its fragments. event: why the fragment damaged or gave up its datagram, if it did.
    whole: set by the caller for "whole", the frame's layers as the whole datagram.
    view: for a first fragment and a later one whose first fragment came before it, what the first
    fragment showed of the datagram (IpReassembler::View), as the caller gave it to add()."""
    __slots__ = ("role", "ports", "data", "frames", "event", "layer", "length", "whole", "view")

    def __init__(self, role, layer):
        self.role, self.layer = role, layer
        self.ports, self.data, self.frames, self.event, self.length = None, None, None, None, None
        self.whole = self.view = None


class Reassembler:
    """IpReassembler (src/decode/ip_reassembler.cpp), one call of add() per fragment in capture order."""

    def __init__(self, timeout_ns=TIMEOUT_NS):
        self.timeout = timeout_ns
        self.datagrams = {}  # key -> Datagram, in creation order (the list expire() walks)
        self.now = None
        self.stats = {"fragments": 0, "datagrams": 0, "incomplete": 0, "evicted": 0, "malformed": 0,
                      "notCaptured": 0}
        self.events = []  # (frame, key, text): every datagram dropped or given up

    def _expire(self, frame):
        for key in list(self.datagrams):
            d = self.datagrams[key]
            if self.now - d.first <= self.timeout:
                break
            self.stats["incomplete"] += 1
            self.events.append((frame, key, "datagram of frame(s) %s given up incomplete %d ns after its "
                                "first fragment (timeout 30 s), before frame %d"
                                % (_frames(d.frames), self.now - d.first, frame)))
            del self.datagrams[key]

    def finish(self):
        """The input has ended: every datagram still incomplete is given up (IpReassembler::finish)."""
        self.stats["incomplete"] += len(self.datagrams)
        self.datagrams = {}

    def _drop(self, d, frame, why):
        self.stats["malformed"] += 1
        del self.datagrams[d.key]
        self.events.append((frame, d.key, "frame %d %s: netmeter drops the datagram of frame(s) %s"
                            % (frame, why, _frames(d.frames + [frame]))))
        return why

    def add(self, num, ns, frame, index, vlans, depth, own_ports, view=None):
        """Frame `num` (time `ns`, FrameFragments `frame`) whose IP header `index` is the fragment
        netmeter decodes (its innermost header; `depth` tunnels outside it); `own_ports`: whether the
        fragment's own decode shows the L4 ports (a first fragment whose header fits); `view`: for a
        first fragment, what it shows of its datagram (given to the fragments after it). Returns a
        Decision."""
        h = frame.ips[index]
        if not h.decoded or not h.frag:
            raise ModelError("frame %d: IP header %d is no fragment netmeter decodes" % (num, index))
        dec = Decision("piece", index)
        self.stats["fragments"] += 1
        self.now = ns if self.now is None else max(self.now, ns)
        self._expire(num)
        key = (h.fam, h.src, h.dst, h.ident, tuple(vlans[:2]), frame.interface, h.proto, depth)
        ip_end = h.start + h.total
        bad_length = h.total > h.limit - h.start  # kBadIpv4TotalLength / kBadIpv6PayloadLength
        if h.total == 0 or h.data_begin > ip_end or bad_length:
            dec.role = "none"
            self.events.append((num, key, "frame %d is a fragment netmeter's reassembly cannot use (%s): "
                                "analyzed alone" % (num, "no IP length" if h.total == 0 else
                                                    "IP length beyond the frame" if bad_length else
                                                    "IP length below the header")))
            return dec
        if ip_end > frame.captured:  # cut by the snap length: the datagram can never be whole
            dec.role = "none"
            self.events.append((num, key, "frame %d is a fragment cut by the snap length: analyzed alone"
                                % num))
            if key in self.datagrams:
                self.stats["notCaptured"] += 1
                d = self.datagrams.pop(key)
                self.events.append((num, key, "frame %d is cut by the snap length: netmeter gives up the "
                                    "datagram of frame(s) %s" % (num, _frames(d.frames))))
            return dec
        d = self.datagrams.get(key)
        if d is None:
            d = self.datagrams[key] = Datagram()
            d.key, d.first, d.fam = key, self.now, h.fam
            d.data, d.ranges, d.end_known, d.end, d.have_first = bytearray(), [], False, 0, False
            d.ports, d.header_len, d.frames, d.view = None, 0, [], None
        offset, data = h.offset, frame.bytes[h.data_begin:ip_end]
        if offset == 0:
            dec.ports = "own"  # what the fragment's own decode shows, whatever happens below
        end = offset + len(data)
        header_len = h.data_begin - h.start
        # IPv6: the whole packet's payload length counts neither the IPv6 nor the fragment header
        # (RFC 8200 4.5; netmeter takes the fragment header out of the whole packet).
        limit = MAX_IP_PACKET - header_len if h.fam == 4 else MAX_IP_PACKET + 48 - header_len
        if end > limit or (d.end_known and (end > d.end or (not h.more and end != d.end))) or (
                not h.more and d.ranges and d.ranges[-1][1] > end):
            dec.event = self._drop(d, num, "ends the datagram at %d where its fragments disagree or pass "
                                   "65535 bytes (ip_datagram_too_large)" % end)
            return dec
        if len(d.data) < end:
            d.data.extend(bytes(end - len(d.data)))
        for b, e in d.ranges:
            lo, hi = max(offset, b), min(end, e)
            if lo < hi and d.data[lo:hi] != data[lo - offset:hi - offset]:
                dec.event = self._drop(d, num, "overlaps earlier data with different bytes "
                                       "(overlapping_ip_fragment)")
                return dec
        if not _add_range(d.ranges, offset, end):
            self.stats["malformed"] += 1
            del self.datagrams[key]
            dec.event = "frame %d: more than %d holes, datagram given up" % (num, MAX_RANGES)
            self.events.append((num, key, dec.event))
            return dec
        d.data[offset:end] = data
        d.frames.append(num)
        if not h.more:
            d.end_known, d.end = True, end
        if offset == 0 and not d.have_first:
            d.have_first, d.header_len = True, header_len
            d.ports, d.view = own_ports, view
            dec.view = view
        elif offset != 0 and d.have_first:
            dec.ports, dec.view = d.ports, d.view
        whole = d.have_first and d.end_known and d.ranges == [[0, d.end]]
        if not whole:
            if sum(len(x.data) + 512 for x in self.datagrams.values()) > MODEL_MEMORY_CEILING:
                raise ModelError("frame %d: incomplete datagrams near netmeter's reassembly memory limit "
                                 "(evictions are not replayed)" % num)
            return dec
        ip_length = d.header_len + d.end
        if (ip_length if h.fam == 4 else ip_length - 48) > MAX_IP_PACKET:
            dec.event = self._drop(d, num, "completes a datagram longer than 65535 bytes "
                                   "(ip_datagram_too_large)")
            return dec
        self.stats["datagrams"] += 1
        del self.datagrams[key]
        dec.role, dec.data, dec.frames, dec.length = "whole", bytes(d.data[:d.end]), d.frames, d.end
        return dec


def _add_range(ranges, begin, end):
    """IpReassembler::addRange: sorted, disjoint [begin, end) runs; merges the ones it touches."""
    i = 0
    while i < len(ranges) and ranges[i][1] < begin:
        i += 1
    j = i
    while j < len(ranges) and ranges[j][0] <= end:
        begin, end = min(begin, ranges[j][0]), max(end, ranges[j][1])
        j += 1
    if i == j:
        if len(ranges) == MAX_RANGES:
            return False
        ranges.insert(i, [begin, end])
        return True
    ranges[i:j] = [[begin, end]]
    return True


def _frames(nums):
    return ",".join(map(str, nums)) if len(nums) <= 6 else "%d..%d (%d)" % (nums[0], nums[-1], len(nums))
