#!/usr/bin/env python3
"""schema-check.py - the --json contract: smoothver's JSON documents, their
JSON Schemas (man/schemas/) and their man pages must agree.

usage:
  schema-check.py validate SRCDIR FILE|DIR...  each FILE (one JSON
        document, as smoothver --json printed it; each file of a DIR but
        *.cmd) against the schema its "schema" member names; FILE.cmd, if
        it exists, holds the command line, for messages
  schema-check.py schemas SRCDIR   every schema file is a valid draft
        2020-12 schema (the metaschema), named after its document, and
        strict: each object schema has additionalProperties false and
        requires only properties it declares
  schema-check.py sources SRCDIR   every schema name src/cmd/*.c can print
        has its schema file, installed by Makefile.am, and every schema
        file is one of them
  schema-check.py docs SRCDIR      each schema's man page names, in bold in
        its JSON part, every property of the schema, and the schema file
  schema-check.py exits SRCDIR     each command's page documents its exit
        statuses: 0, 2, 3; 1 for the commands that answer "no"; 4 for
        publish
  schema-check.py exercised SRCDIR SEEN TEST   every schema name was
        printed in this run (a line of the file SEEN), or its command runs
        with --json in an e2e test other than TEST

Adding a document: write man/schemas/smoothver.NAME-1.json (NAME as in
sv_out_json_doc("NAME")) and list it in Makefile.am's dist_schema_DATA;
these checks find the rest from the sources.

Exit status 0 when everything agrees, 1 otherwise (each problem on a
line of its own on standard output).
"""

import glob
import json
import os
import re
import sys

problems = []


def problem(msg):
    problems.append(msg)


def schema_file(srcdir, name):
    """smoothver.NAME/1 -> SRCDIR/man/schemas/smoothver.NAME-1.json"""
    m = re.fullmatch(r"smoothver\.([a-z][a-z0-9-]*)/([0-9]+)", name)
    if not m:
        return None
    return os.path.join(srcdir, "man", "schemas",
                        "smoothver.%s-%s.json" % (m.group(1), m.group(2)))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---- the sources ----

def commands(srcdir):
    """[(command, [schema names], answers_no, file)] from src/cmd/*.c."""
    out = []
    for path in sorted(glob.glob(os.path.join(srcdir, "src", "cmd", "*.c"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r'\.name\s*=\s*"([a-z][a-z0-9-]*)"', text)
        if not m:
            continue
        names = sorted(set("smoothver.%s/1" % n for n in
                           re.findall(r'sv_out_json_doc\("([a-z][a-z0-9-]*)"\)',
                                      text)))
        out.append((m.group(1), names, re.search(r"\bSV_NO\b", text)
                    is not None, os.path.relpath(path, srcdir)))
    return out


def man_page(srcdir, command):
    if command == "help":
        return os.path.join(srcdir, "man", "smoothver.1")
    return os.path.join(srcdir, "man", "smoothver-%s.1" % command)


# ---- man pages ----

def troff_args(s):
    """The arguments of a macro line, as troff splits them."""
    args, cur, quoted, i, have = [], "", False, 0, False
    while i < len(s):
        c = s[i]
        if quoted:
            if c == '"':
                if i + 1 < len(s) and s[i + 1] == '"':
                    cur += '"'
                    i += 1
                else:
                    quoted = False
            else:
                cur += c
        elif c == '"':
            quoted, have = True, True
        elif c in " \t":
            if cur or have:
                args.append(cur)
            cur, have = "", False
        else:
            cur += c
        i += 1
    if cur or have:
        args.append(cur)
    return args


def plain(s):
    """Troff text without font changes and with the usual escapes."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\(dq", '"').replace("\\(aq", "'")
    s = s.replace("\\e", "\\").replace("\\&", "").replace("\\ ", " ")
    return s


def bold_words(lines):
    """The words set in bold in these troff lines."""
    bold = []
    for line in lines:
        if line.startswith(".\\\""):
            continue
        m = re.match(r"\.(B|BR|RB|BI|IB)(\s+(.*))?$", line)
        if m:
            args = troff_args(m.group(3) or "")
            first = 0 if m.group(1) in ("B", "BR", "BI") else 1
            step = 1 if m.group(1) == "B" else 2
            bold.extend(args[first::step])
        for seg in re.findall(r"\\fB(.*?)(?=\\f[RIPB]|\\f\[|$)", line):
            bold.append(seg)
    words = set()
    for b in bold:
        words.update(re.findall(r"[A-Za-z0-9_]+", plain(b)))
    return words


def json_part(page):
    """The lines of a page that document its JSON: its OUTPUT section from
    the first mention of --json on, else its 'JSON output' subsection."""
    with open(page, encoding="utf-8") as f:
        lines = f.read().split("\n")
    sec = None
    for i, line in enumerate(lines):
        if line.startswith(".SH") and " ".join(troff_args(line[3:])) == "OUTPUT":
            sec = i
            break
    if sec is not None:
        end = next((j for j in range(sec + 1, len(lines))
                    if lines[j].startswith(".SH")), len(lines))
        start = next((j for j in range(sec + 1, end)
                      if "\\-\\-json" in lines[j]), None)
        return lines[start:end] if start is not None else []
    for i, line in enumerate(lines):
        if line.startswith(".SS") and " ".join(troff_args(line[3:])) == "JSON output":
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j].startswith((".SH", ".SS"))), len(lines))
            return lines[i:end]
    return []


def section(page, title):
    with open(page, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith(".SH") and " ".join(troff_args(line[3:])) == title:
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j].startswith(".SH")), len(lines))
            return lines[i:end]
    return None


# ---- schemas ----

def walk(node, path, visit):
    """Every subschema of node (with its JSON pointer-ish path)."""
    if isinstance(node, dict):
        visit(node, path)
        for k, v in node.items():
            if k in ("const", "enum", "required", "dependentRequired",
                     "description", "title", "$comment", "examples",
                     "default", "pattern", "type", "$schema"):
                continue
            if k in ("properties", "$defs", "patternProperties"):
                for name, sub in v.items():
                    walk(sub, "%s/%s/%s" % (path, k, name), visit)
            elif isinstance(v, list):
                for i, sub in enumerate(v):
                    walk(sub, "%s/%s/%d" % (path, k, i), visit)
            else:
                walk(v, "%s/%s" % (path, k), visit)


def property_names(schema):
    names = set()

    def visit(node, _path):
        names.update(node.get("properties", {}).keys())

    walk(schema, "", visit)
    return names


def document_names(schema):
    """The "schema" consts a document of this schema can carry."""
    names = set()

    def visit(node, _path):
        s = node.get("properties", {}).get("schema")
        if isinstance(s, dict) and "const" in s:
            names.add(s["const"])

    walk(schema, "", visit)
    return names


def validator_class():
    try:
        from jsonschema import Draft202012Validator
    except ImportError as e:
        print("schema-check.py: cannot import jsonschema (%s)" % e)
        sys.exit(2)
    return Draft202012Validator


def cmd_schemas(srcdir):
    V = validator_class()
    files = sorted(glob.glob(os.path.join(srcdir, "man", "schemas", "*")))
    if not files:
        problem("no schema files in man/schemas")
    for path in files:
        rel = os.path.relpath(path, srcdir)
        try:
            schema = load_json(path)
        except (OSError, ValueError) as e:
            problem("%s: not JSON: %s" % (rel, e))
            continue
        try:
            V.check_schema(schema)
        except Exception as e:  # jsonschema.SchemaError
            problem("%s: not a valid draft 2020-12 schema: %s" %
                    (rel, getattr(e, "message", e)))
            continue
        if schema.get("$schema") != \
                "https://json-schema.org/draft/2020-12/schema":
            problem("%s: $schema is not draft 2020-12" % rel)
        title = schema.get("title")
        if title is None or schema_file(srcdir, title) != path:
            problem("%s: title %r does not name this file (smoothver.NAME/1 "
                    "is smoothver.NAME-1.json)" % (rel, title))
        docs = document_names(schema)
        if docs != {title}:
            problem("%s: the schema member must be the const %r, is %s" %
                    (rel, title, sorted(docs)))

        def visit(node, where):
            t = node.get("type")
            if t == "object" or (isinstance(t, list) and "object" in t):
                if node.get("additionalProperties") is not False:
                    problem("%s: %s: an object without "
                            "additionalProperties: false" % (rel, where or "/"))
                if "properties" not in node:
                    problem("%s: %s: an object without properties" %
                            (rel, where or "/"))
            for r in node.get("required", []):
                if "properties" in node and r not in node["properties"]:
                    problem("%s: %s: requires %r, which it does not declare"
                            % (rel, where or "/", r))

        walk(schema, "", visit)


def cmd_sources(srcdir):
    with open(os.path.join(srcdir, "Makefile.am"), encoding="utf-8") as f:
        makefile = f.read()
    m = re.search(r"^dist_schema_DATA\s*=((?:.*\\\n)*.*)$", makefile, re.M)
    installed = set(m.group(1).replace("\\\n", " ").split()) if m else set()
    if not m:
        problem("Makefile.am: no dist_schema_DATA")
    printed = set()
    for command, names, _no, src in commands(srcdir):
        for name in names:
            printed.add(name)
            path = schema_file(srcdir, name)
            rel = os.path.relpath(path, srcdir)
            if not os.path.exists(path):
                problem("%s prints %s, but there is no %s" % (src, name, rel))
            if rel not in installed:
                problem("%s is not in Makefile.am's dist_schema_DATA" % rel)
    for path in sorted(glob.glob(os.path.join(srcdir, "man", "schemas", "*"))):
        rel = os.path.relpath(path, srcdir)
        if not any(schema_file(srcdir, n) == path for n in printed):
            problem("%s: no command prints this schema (src/cmd/*.c)" % rel)
    for rel in sorted(installed):
        if not os.path.exists(os.path.join(srcdir, rel)):
            problem("Makefile.am installs %s, which does not exist" % rel)


def cmd_docs(srcdir):
    for command, names, _no, src in commands(srcdir):
        page = man_page(srcdir, command)
        prel = os.path.relpath(page, srcdir)
        for name in names:
            path = schema_file(srcdir, name)
            if not os.path.exists(path):
                continue  # reported by sources
            part = json_part(page) if os.path.exists(page) else []
            if not part:
                problem("%s: no JSON part (an OUTPUT section mentioning "
                        "--json, or a 'JSON output' subsection) for %s" %
                        (prel, name))
                continue
            bold = bold_words(part)
            missing = sorted(property_names(load_json(path)) - bold)
            if missing:
                problem("%s: its JSON part does not name (in bold) %s, "
                        "properties of %s" % (prel, ", ".join(missing), name))
            text = plain("\n".join(part))
            base = os.path.basename(path)
            if base not in text:
                problem("%s: its JSON part does not say where %s is "
                        "installed (%s)" % (prel, name, base))


def cmd_exits(srcdir):
    for command, _names, answers_no, src in commands(srcdir):
        page = man_page(srcdir, command)
        prel = os.path.relpath(page, srcdir)
        if command == "help":
            continue  # smoothver(1) EXIT STATUS, checked by t0900
        lines = section(page, "EXIT STATUS") if os.path.exists(page) else None
        if lines is None:
            problem("%s: no EXIT STATUS section" % prel)
            continue
        documented = set()
        for i, line in enumerate(lines[:-1]):
            if line == ".TP" and re.fullmatch(r"\.B [0-9]+", lines[i + 1]):
                documented.add(int(lines[i + 1][3:]))
        want = {0, 2, 3}
        if answers_no:
            want.add(1)
        if command == "publish":
            want.add(4)  # SV_MOVED: only publish moves a latest pointer
        if command == "deploy":
            want |= {5, 6}  # SV_RESTART, SV_FAILED: only deploy upgrades
        if documented != want:
            problem("%s: EXIT STATUS documents %s; %s can return %s" %
                    (prel, sorted(documented), command, sorted(want)))


def cmd_exercised(srcdir, seen_file, this_test):
    """Each schema was printed in this run (its name is a line of
    seen_file), or another e2e test runs its command with --json (whose
    documents lib.sh checks in that test)."""
    with open(seen_file, encoding="utf-8") as f:
        seen = set(f.read().split())
    call = re.compile(r"\bsv(j?) [0-9]+((?: -[-\w=]+)*) ([a-z][a-z0-9-]*)\b")
    elsewhere = set()
    for path in glob.glob(os.path.join(srcdir, "tests", "e2e", "t*.sh")):
        if os.path.basename(path) == this_test:
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                for m in call.finditer(line):
                    if m.group(1) == "j" or "--json" in line:
                        elsewhere.add(m.group(3))
    for command, names, _no, src in commands(srcdir):
        for name in names:
            if name not in seen and command not in elsewhere:
                problem("%s (smoothver %s): no e2e test prints it; add a "
                        "case with --json to %s" % (name, command, this_test))


def cmd_validate(srcdir, args):
    V = validator_class()
    files = []
    for a in args:
        if os.path.isdir(a):
            files.extend(sorted(os.path.join(a, f) for f in os.listdir(a)
                                if not f.endswith(".cmd")))
        else:
            files.append(a)
    for path in files:
        what = path
        if os.path.exists(path + ".cmd"):
            with open(path + ".cmd", encoding="utf-8") as f:
                what = "smoothver " + f.read().strip()
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            doc = json.loads(text)
        except (OSError, ValueError) as e:
            problem("%s: output is not JSON: %s" % (what, e))
            continue
        if text.count("\n") != 1 or not text.endswith("\n"):
            problem("%s: output is not one line" % what)
        name = doc.get("schema") if isinstance(doc, dict) else None
        sf = schema_file(srcdir, name) if isinstance(name, str) else None
        if sf is None or not os.path.exists(sf):
            problem("%s: no schema file for schema %r" % (what, name))
            continue
        v = V(load_json(sf))
        errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]:
            where = "/".join(str(p) for p in e.path) or "(the document)"
            problem("%s: does not match %s at %s: %s" %
                    (what, name, where, e.message))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, srcdir = argv[1], argv[2]
    if mode == "validate":
        cmd_validate(srcdir, argv[3:])
    elif mode == "schemas" and len(argv) == 3:
        cmd_schemas(srcdir)
    elif mode == "sources" and len(argv) == 3:
        cmd_sources(srcdir)
    elif mode == "docs" and len(argv) == 3:
        cmd_docs(srcdir)
    elif mode == "exits" and len(argv) == 3:
        cmd_exits(srcdir)
    elif mode == "exercised" and len(argv) == 5:
        cmd_exercised(srcdir, argv[3], argv[4])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
