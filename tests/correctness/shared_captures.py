"""What the peer comparisons (tshark_*_test.py) share: the captures under ../shared/pcaps and the
exit status that tells ctest a test was skipped (a peer tool is not installed)."""
import os

SKIP_RETURN_CODE = 77


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
