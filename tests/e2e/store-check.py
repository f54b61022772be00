#!/usr/bin/env python3
"""store-check.py STORE: check a smoothver store's consistency (tests).

Every blob is named by its SHA-256; every record names blobs that exist,
and its manifest describes its package; every NAME-latest pointer holds
"VERSION\\n" and names a version with a record; every delta record
(deltas/NAME/VERSION/FROM.json) names blobs that exist and a manifest of
that delta; every NAME-VERSION copy
is that version's package; nothing but the store's own names is visible
outside tmp/. Prints what is wrong and exits 1, or exits 0 quietly.
"""
import hashlib
import json
import os
import sys


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def check_record(p, r, names, blobs, name, vsn, delta_from, bad):
    """The blobs a record names exist, and its manifest describes its
    package: name@vsn, a whole release or the delta from delta_from."""
    for key in ("manifest", "package"):
        if r[key] not in names:
            bad.append("%s: %s blob missing" % (p, key))
    if r["manifest"] not in names:
        return
    with open(os.path.join(blobs, r["manifest"]), "rb") as fh:
        m = json.loads(fh.read())
    delta = m.get("delta") or {}
    if (m["package"]["sha256"] != r["package"] or m["name"] != name
            or m["version"] != vsn or delta.get("from") != delta_from):
        bad.append("%s: manifest describes another package" % p)


def main(root):
    bad = []
    blobs = os.path.join(root, "blobs", "sha256")
    with open(os.path.join(root, "smoothver-store"), "rb") as f:
        if f.read() != b"smoothver-store 1\n":
            bad.append("bad marker")
    names = os.listdir(blobs) if os.path.isdir(blobs) else []
    for n in names:
        if n.startswith("."):
            bad.append("hidden file in blobs: " + n)
        elif sha(os.path.join(blobs, n)) != n:
            bad.append("blob does not match its name: " + n)
    records = {}
    rel = os.path.join(root, "releases")
    for name in sorted(os.listdir(rel)) if os.path.isdir(rel) else []:
        for f in sorted(os.listdir(os.path.join(rel, name))):
            p = os.path.join(rel, name, f)
            if not f.endswith(".json"):
                bad.append("stray file in releases: " + p)
                continue
            with open(p, "rb") as fh:
                text = fh.read()
            try:
                r = json.loads(text)
            except ValueError:
                bad.append("record is not JSON: " + p)
                continue
            records[(name, f[:-5])] = r
            check_record(p, r, names, blobs, name, f[:-5], None, bad)
    deltas = os.path.join(root, "deltas")
    for name in sorted(os.listdir(deltas)) if os.path.isdir(deltas) else []:
        for vsn in sorted(os.listdir(os.path.join(deltas, name))):
            for f in sorted(os.listdir(os.path.join(deltas, name, vsn))):
                p = os.path.join(deltas, name, vsn, f)
                if not f.endswith(".json"):
                    bad.append("stray file in deltas: " + p)
                    continue
                with open(p, "rb") as fh:
                    r = json.loads(fh.read())
                if (r.get("schema") != "smoothver.delta/1" or r["name"] != name
                        or r["version"] != vsn or r["delta_from"] != f[:-5]):
                    bad.append("%s: not the delta record of its place" % p)
                check_record(p, r, names, blobs, name, vsn, f[:-5], bad)
    for f in sorted(os.listdir(root)):
        p = os.path.join(root, f)
        if f in ("blobs", "releases", "deltas", "sigs", "tmp", "lock",
                 "smoothver-store"):
            continue
        if f.startswith("."):
            bad.append("hidden file at the top: " + f)
        elif f.endswith("-latest.sig"):
            with open(p, "rb") as fh:
                st = json.loads(fh.read())
            if (st.get("schema") != "smoothver.latest/1"
                    or st.get("name") != f[:-11]
                    or (f[:-11], st.get("version")) not in records):
                bad.append("%s is not a signed latest of a published "
                           "version" % f)
        elif f.endswith("-latest"):
            with open(p, "rb") as fh:
                text = fh.read()
            if not text.endswith(b"\n") or b"\n" in text[:-1]:
                bad.append("pointer is not VERSION\\n: " + f)
                continue
            v = text[:-1].decode()
            if (f[:-7], v) not in records:
                bad.append("%s names %s, which has no record" % (f, v))
        else:
            match = [r for (n, v), r in records.items()
                     if f == "%s-%s%s" % (n, v, ".tar.zst" if
                                          r["compression"] == "zstd"
                                          else ".tar.gz")]
            if not match:
                # A copy written just before its publish was cut short:
                # whole (it was linked from a finished file), and
                # complete once the publish is run again.
                if sha(p) not in names:
                    bad.append("stray file at the top: " + f)
            elif sha(p) != match[0]["package"]:
                bad.append("copy differs from its package: " + f)
    for b in bad:
        print("store-check: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
