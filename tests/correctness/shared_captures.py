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
