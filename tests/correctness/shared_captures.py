"""What the peer comparisons (tshark_*_test.py) share: the captures under ../shared/pcaps and the
exit status that tells ctest a test was skipped (a peer tool is not installed)."""
import argparse
import os
import shutil
import sys

SKIP_RETURN_CODE = 77
# ../shared beside the repository, where CI has it.
DEFAULT_SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"))


def find_captures(shared):
    """Every .pcap/.pcapng under SHARED/pcaps as sorted (path relative to pcaps/, full path) pairs."""
    root = os.path.join(shared, "pcaps")
    found = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".pcap") or f.endswith(".pcapng"):
                full = os.path.join(d, f)
                found.append((os.path.relpath(full, root), full))
    return sorted(found)


def comparison_setup(doc, examples, add_arguments=None):
    """The command line every tshark comparison takes (--netmeter, --shared, --tshark, --only,
    --examples; `add_arguments(parser)` adds a script's own) and the captures it compares. Exits
    with SKIP_RETURN_CODE without tshark or captures, 2 without the netmeter binary."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netmeter", required=True)
    ap.add_argument("--shared", default=DEFAULT_SHARED, help="the shared folder (default: %(default)s)")
    ap.add_argument("--tshark", default=shutil.which("tshark"))
    ap.add_argument("--only", help="captures whose path under pcaps/ contains this")
    ap.add_argument("--examples", type=int, default=examples, help="disagreements printed per field")
    if add_arguments:
        add_arguments(ap)
    opts = ap.parse_args()
    if not opts.tshark:
        print("tshark not installed: skipped")
        sys.exit(SKIP_RETURN_CODE)
    if not os.path.exists(opts.netmeter):
        print("netmeter binary not found: %s" % opts.netmeter)
        sys.exit(2)
    captures = [c for c in find_captures(opts.shared) if not opts.only or opts.only in c[0]]
    if not captures:
        print("no captures under %s/pcaps: skipped" % opts.shared)
        sys.exit(SKIP_RETURN_CODE)
    return opts, captures


def tshark_environment(workdir):
    """An environment for tshark with an empty profile under `workdir` (no user preferences)."""
    config = os.path.join(workdir, "wireshark-profile")
    os.makedirs(config)
    return dict(os.environ, LC_ALL="C", WIRESHARK_CONFIG_DIR=config)


def report_agreement(totals, recorded, examples, fields, limit):
    """Prints each field's agreement (totals[field] = [agree, compared]) against its recorded level
    and the first `limit` disagreements of each; returns True when a field fell below its level."""
    failed = False
    width = max(len(f) for f in fields)
    for field in fields:
        agree, compared = totals[field]
        rate = agree / compared if compared else 1.0
        status = "ok" if rate >= recorded[field] else "BELOW RECORDED %.4f" % recorded[field]
        print("  %-*s %6d / %6d agree  %.4f  %s" % (width, field, agree, compared, rate, status))
        failed |= rate < recorded[field]
    for field in fields:
        if examples[field]:
            print("disagreements in %s (%d, first %d):" % (field, len(examples[field]), limit))
            for e in examples[field][:limit]:
                print("    " + e)
    return failed


def last(value):
    """The innermost occurrence of a field that tunnels repeat (occurrence=a, comma-separated)."""
    return value.split(",")[-1] if value else ""


def innermost_addresses(row, F):
    """The innermost source and destination address of a tshark fields row (`F`: field -> column;
    needs frame.protocols, ip.src/dst, ipv6.src/dst): with both IPv4 and IPv6 (6in4, Teredo), the
    later one in the protocol stack."""
    protos = row[F["frame.protocols"]].split(":")
    src = last(row[F["ipv6.src"]]) or last(row[F["ip.src"]])
    dst = last(row[F["ipv6.dst"]]) or last(row[F["ip.dst"]])
    if row[F["ipv6.src"]] and row[F["ip.src"]]:
        v4 = max(i for i, p in enumerate(protos) if p == "ip") if "ip" in protos else -1
        v6 = max(i for i, p in enumerate(protos) if p == "ipv6") if "ipv6" in protos else -1
        if v4 > v6:
            src, dst = last(row[F["ip.src"]]), last(row[F["ip.dst"]])
    return src, dst
