#!/usr/bin/env python3
"""gha-run.py - run one job of a GitHub Actions workflow here, as far as
it can run outside GitHub, for tests/e2e/t2060-ci-workflows.sh.

    gha-run.py WORKFLOW JOB --root DIR --repo BARE_REPO --ref REF
               [--event NAME] [--var K=V] [--input K=V]
               [--action REGEX=DIR] [--cache-dir DIR]
               [--stub ID[.OUTPUT=VALUE]] [--skip ID=REASON]
               [--results FILE] [--step-timeout S]

The `run:` steps run in order, each in its shell (`sh -e`, `bash -e`...),
in a workspace under DIR, with the variables GitHub sets (GITHUB_ACTIONS,
GITHUB_WORKSPACE, GITHUB_REF_NAME, RUNNER_TEMP, ...) and a fresh
GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY each, read
back afterwards as GitHub reads them. Expressions (${{ ... }}) are
evaluated: contexts github, env, vars, inputs, steps, runner, needs, the
operators, and the functions success, failure, always, cancelled,
contains, startsWith, endsWith, format, fromJSON and toJSON. `if:`,
`continue-on-error` and job outputs work as on GitHub.

The `uses:` steps get their local equivalents:
  actions/checkout   a clone of BARE_REPO into the workspace, of `ref`
                     (default REF), shallow unless fetch-depth is 0, as
                     actions/checkout fetches it; origin is BARE_REPO, so
                     a push goes there
  actions/cache      a directory per key under --cache-dir, restored at
                     the step, saved at the end of a job that succeeded
  erlef/setup-beam   erl and rebar3 must already be on PATH
  --action REGEX=DIR a composite action (DIR/action.yml), its steps run as
                     above with its inputs, outputs and GITHUB_ACTION_PATH
Anything else is an error: it has no local equivalent.

--stub ID does not run the step (in the job or in a composite action)
whose id is ID; it succeeds with the outputs given as ID.NAME=VALUE.
--skip ID=REASON skips the step, saying why. A job that calls a reusable
workflow (jobs.JOB.uses) does not run here: run the called workflow.

The exit status is 0 when the job succeeded, 1 when it failed, 2 for a
usage error or something that cannot run here. --results FILE gets JSON:
result, the outputs and outcome of every step (a composite action's steps
as OUTER/INNER), the job's outputs, the annotations, the step summaries
and the skipped steps.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import uuid

import yaml


class Unsupported(Exception):
    pass


# ---- expressions -----------------------------------------------------------

TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])
  | (?P<id>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.X)


def tokenize(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported("cannot parse expression %r at %r" % (text, text[pos:]))
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def truthy(v):
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0 and not math.isnan(v)
    if isinstance(v, str):
        return v != ""
    return True


def tonum(v):
    if v is None:
        return 0
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return 0
        try:
            return float(s)
        except ValueError:
            return float("nan")
    return float("nan")


def tostr(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, indent=2)
    return str(v)


def equal(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b) and not isinstance(a, (int, float)):
        return a == b
    return tonum(a) == tonum(b)


def prop(obj, name):
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        for k, v in obj.items():
            if isinstance(k, str) and k.lower() == str(name).lower():
                return v
        return None
    if isinstance(obj, list) and isinstance(name, (int, float)):
        i = int(name)
        return obj[i] if 0 <= i < len(obj) else None
    return None


class Expr:
    def __init__(self, text, ctx, status):
        self.toks = tokenize(text)
        self.i = 0
        self.ctx = ctx
        self.status = status  # callable: 'success' | 'failure'
        self.text = text

    def peek(self, value=None):
        if self.i < len(self.toks):
            t = self.toks[self.i]
            if value is None or t[1] == value:
                return t
        return None

    def take(self, value=None):
        t = self.peek(value)
        if t is None:
            raise Unsupported("expression %r: expected %s" % (self.text, value or "more"))
        self.i += 1
        return t

    def parse(self):
        v = self.or_()
        if self.i != len(self.toks):
            raise Unsupported("expression %r: unexpected %r" % (self.text, self.toks[self.i][1]))
        return v

    def or_(self):
        v = self.and_()
        while self.peek("||"):
            self.take()
            w = self.and_()
            v = v if truthy(v) else w
        return v

    def and_(self):
        v = self.cmp()
        while self.peek("&&"):
            self.take()
            w = self.cmp()
            v = w if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        t = self.peek()
        if t and t[1] in ("==", "!=", "<", ">", "<=", ">="):
            self.take()
            w = self.unary()
            op = t[1]
            if op == "==":
                return equal(v, w)
            if op == "!=":
                return not equal(v, w)
            a, b = tonum(v), tonum(w)
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return v

    def unary(self):
        if self.peek("!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self):
        v = self.primary()
        while True:
            if self.peek("."):
                self.take()
                t = self.take()
                if t[0] != "id" and t[1] != "*":
                    raise Unsupported("expression %r: bad property" % self.text)
                v = prop(v, t[1])
            elif self.peek("["):
                self.take()
                k = self.or_()
                self.take("]")
                v = prop(v, k)
            else:
                return v

    def primary(self):
        kind, val = self.take()
        if kind == "str":
            return val[1:-1].replace("''", "'")
        if kind == "num":
            return float(val)
        if val == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind != "id":
            raise Unsupported("expression %r: unexpected %r" % (self.text, val))
        if val in ("true", "false"):
            return val == "true"
        if val == "null":
            return None
        if self.peek("("):
            self.take()
            args = []
            if not self.peek(")"):
                args.append(self.or_())
                while self.peek(","):
                    self.take()
                    args.append(self.or_())
            self.take(")")
            return self.call(val, args)
        if val not in self.ctx:
            raise Unsupported("expression %r: no context %r here" % (self.text, val))
        return self.ctx[val]

    def call(self, name, args):
        n = name.lower()
        if n == "success":
            return self.status() == "success"
        if n == "failure":
            return self.status() == "failure"
        if n == "always":
            return True
        if n == "cancelled":
            return False
        if n == "contains":
            hay, needle = args
            if isinstance(hay, list):
                return any(equal(x, needle) for x in hay)
            return tostr(needle).lower() in tostr(hay).lower()
        if n == "startswith":
            return tostr(args[0]).lower().startswith(tostr(args[1]).lower())
        if n == "endswith":
            return tostr(args[0]).lower().endswith(tostr(args[1]).lower())
        if n == "format":
            fmt = tostr(args[0])
            return re.sub(r"\{(\d+)\}", lambda m: tostr(args[1 + int(m.group(1))]), fmt)
        if n == "fromjson":
            return json.loads(tostr(args[0]))
        if n == "tojson":
            return json.dumps(args[0], indent=2)
        raise Unsupported("expression %r: function %s() is not emulated" % (self.text, name))


STATUS_FUNCS = re.compile(r"\b(success|failure|always|cancelled)\s*\(", re.I)
INTERP = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def evaluate(text, ctx, status):
    return Expr(text, ctx, status).parse()


def interpolate(value, ctx, status):
    """A string with ${{ }} in it, as GitHub fills it in; other types as
    they are (a whole-value expression keeps its type in `with`)."""
    if not isinstance(value, str):
        return value
    return INTERP.sub(lambda m: tostr(evaluate(m.group(1), ctx, status)), value)


def condition(cond, ctx, status):
    if cond is None:
        return status() == "success"
    if isinstance(cond, bool):
        return cond and status() == "success"
    text = str(cond).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    if m:
        text = m.group(1)
    if not STATUS_FUNCS.search(text):
        text = "success() && (%s)" % text
    return truthy(evaluate(text, ctx, status))


# ---- files GitHub reads back -----------------------------------------------

def read_kv_file(path):
    """name=value lines and name<<DELIM heredocs, as in GITHUB_OUTPUT."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "":
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            if i >= len(lines):
                raise Unsupported("%s: no closing delimiter %r" % (path, delim))
            i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise Unsupported("%s: invalid line %r" % (path, line))
    return out


# ---- the job -----------------------------------------------------------------

class Runner:
    def __init__(self, a, workflow):
        self.a = a
        self.wf = workflow
        self.root = os.path.abspath(a.root)
        self.repo = os.path.abspath(a.repo)
        name = os.path.basename(self.repo.rstrip("/"))
        name = name[:-4] if name.endswith(".git") else name
        self.ws = os.path.join(self.root, "work", name, name)
        self.temp = os.path.join(self.root, "temp")
        for d in (self.ws, self.temp):
            os.makedirs(d, exist_ok=True)
        self.failed = False
        self.extra_env = {}      # from GITHUB_ENV
        self.extra_path = []     # from GITHUB_PATH, latest first
        self.annotations = []
        self.summaries = []
        self.skipped = {}
        self.results = {}
        self.cache_saves = []
        self.stubs = {}
        for s in a.stub:
            sid, _, rest = s.partition(".")
            outs = self.stubs.setdefault(sid, {})
            if rest:
                k, _, v = rest.partition("=")
                outs[k] = v
        self.skips = dict(s.split("=", 1) for s in a.skip)
        self.actions = [(re.compile(p), d) for p, d in (x.split("=", 1) for x in a.action)]
        ref = a.ref
        if ref.startswith("refs/heads/"):
            ref_name, ref_type = ref[len("refs/heads/"):], "branch"
        elif ref.startswith("refs/tags/"):
            ref_name, ref_type = ref[len("refs/tags/"):], "tag"
        elif ref.startswith("refs/pull/"):
            ref_name, ref_type = ref[len("refs/pull/"):], "branch"
        else:
            raise Unsupported("--ref must be a full ref (refs/heads/..., refs/tags/..., refs/pull/...)")
        sha = subprocess.run(["git", "--git-dir", self.repo, "rev-parse", ref + "^{commit}"],
                             capture_output=True, text=True, check=True).stdout.strip()
        self.github = {
            "event_name": a.event, "ref": ref, "ref_name": ref_name,
            "ref_type": ref_type, "sha": sha, "workspace": self.ws,
            "repository": "example/" + name, "repository_owner": "example",
            "server_url": "https://github.com", "run_id": "1", "run_number": "1",
            "run_attempt": "1", "actor": "example", "job": a.job,
            "event": {}, "action_path": "", "token": "",
        }
        self.base_env = {k: v for k, v in os.environ.items()
                         if not k.startswith(("GITHUB_", "RUNNER_"))
                         and k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
        self.base_env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": self.ws,
            "GITHUB_EVENT_NAME": a.event, "GITHUB_REF": ref,
            "GITHUB_REF_NAME": ref_name, "GITHUB_REF_TYPE": ref_type,
            "GITHUB_SHA": sha, "GITHUB_REPOSITORY": self.github["repository"],
            "GITHUB_REPOSITORY_OWNER": "example", "GITHUB_RUN_ID": "1",
            "GITHUB_RUN_NUMBER": "1", "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": "example", "GITHUB_JOB": a.job,
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_TEMP": self.temp, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
            "RUNNER_NAME": "gha-run",
        })
        self.runner = {"temp": self.temp, "os": "Linux", "arch": "X64",
                       "name": "gha-run", "tool_cache": os.path.join(self.root, "tool-cache")}
        self.inputs = dict(x.split("=", 1) for x in a.input)
        self.vars = dict(x.split("=", 1) for x in a.var)

    # -- contexts

    def job_status(self):
        return "failure" if self.failed else "success"

    def contexts(self, env, steps, inputs=None, action_path=""):
        github = dict(self.github, action_path=action_path)
        return {"github": github, "env": env, "vars": self.vars, "secrets": {},
                "inputs": inputs if inputs is not None else self.inputs,
                "steps": steps, "runner": self.runner, "needs": {}, "job": {"status": self.job_status()},
                "matrix": {}, "strategy": {}}

    def eval_env(self, mapping, env, steps, status, inputs=None, action_path=""):
        out = dict(env)
        for k, v in (mapping or {}).items():
            ctx = self.contexts(out, steps, inputs, action_path)
            out[str(k)] = tostr(interpolate(v, ctx, status))
        return out

    # -- a job

    def run_job(self):
        job = self.wf["jobs"].get(self.a.job)
        if job is None:
            raise Unsupported("no job %r in the workflow" % self.a.job)
        if "uses" in job:
            raise Unsupported("job %r calls a reusable workflow (%s): run that workflow's job instead"
                              % (self.a.job, job["uses"]))
        status = self.job_status
        env = self.eval_env(self.wf.get("env"), {}, {}, status)
        env = self.eval_env(job.get("env"), env, {}, status)
        defaults = {}
        for d in (self.wf.get("defaults"), job.get("defaults")):
            defaults.update(((d or {}).get("run") or {}))
        steps = {}
        self.run_steps(job.get("steps") or [], env, steps, defaults, prefix="",
                       status=status, set_failed=self.set_failed)
        for src, dst in self.cache_saves:
            if not self.failed and not os.path.exists(dst):
                print("[gha-run] cache: saving %s" % dst, flush=True)
                shutil.copytree(src, dst, symlinks=True)
        ctx = self.contexts(env, steps)
        outputs = {k: tostr(interpolate(v, ctx, status)) for k, v in (job.get("outputs") or {}).items()}
        return {"result": "failure" if self.failed else "success", "steps": self.results,
                "outputs": outputs, "annotations": self.annotations,
                "summary": "".join(self.summaries), "skipped": self.skipped}

    def set_failed(self):
        self.failed = True

    def run_steps(self, step_list, env, steps, defaults, prefix, status, set_failed,
                  inputs=None, action_path=""):
        for n, step in enumerate(step_list):
            sid = str(step.get("id") or "__step%d" % (n + 1))
            label = step.get("name") or step.get("uses") or "run"
            key = prefix + sid
            # GITHUB_ENV from earlier steps; then the step's own env.
            base = dict(env, **self.extra_env)
            ctx = self.contexts(base, steps, inputs, action_path)
            if not condition(step.get("if"), ctx, status):
                print("[gha-run] %s: skipped (if: %s)" % (key, step.get("if")), flush=True)
                steps[sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                self.results[key] = steps[sid]
                continue
            if sid in self.skips:
                print("[gha-run] %s: skipped: %s" % (key, self.skips[sid]), flush=True)
                self.skipped[key] = self.skips[sid]
                steps[sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                self.results[key] = steps[sid]
                continue
            print("[gha-run] %s: %s" % (key, label), flush=True)
            if sid in self.stubs:
                print("[gha-run] %s: stubbed" % key, flush=True)
                outputs, ok = dict(self.stubs[sid]), True
            else:
                step_env = self.eval_env(step.get("env"), base, steps, status, inputs, action_path)
                ctx = self.contexts(step_env, steps, inputs, action_path)
                if "run" in step:
                    outputs, ok = self.run_script(step, step_env, ctx, defaults, key, status, action_path)
                elif "uses" in step:
                    outputs, ok = self.run_uses(step, step_env, ctx, key, status)
                else:
                    raise Unsupported("step %s has neither run nor uses" % key)
            coe = truthy(interpolate(step.get("continue-on-error", False), ctx, status))
            outcome = "success" if ok else "failure"
            conclusion = "success" if ok or coe else "failure"
            steps[sid] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}
            self.results[key] = steps[sid]
            if not ok:
                print("[gha-run] %s: failed%s" % (key, " (continue-on-error)" if coe else ""), flush=True)
                if not coe:
                    set_failed()

    def step_files(self):
        d = os.path.join(self.temp, "_runner_file_commands", uuid.uuid4().hex)
        os.makedirs(d)
        files = {}
        for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            files[var] = os.path.join(d, var.lower())
            open(files[var], "w").close()
        return files

    def read_back(self, files):
        outputs = read_kv_file(files["GITHUB_OUTPUT"])
        self.extra_env.update(read_kv_file(files["GITHUB_ENV"]))
        with open(files["GITHUB_PATH"]) as f:
            for p in f.read().splitlines():
                if p:
                    self.extra_path.insert(0, p)
        with open(files["GITHUB_STEP_SUMMARY"], encoding="utf-8") as f:
            s = f.read()
            if s:
                self.summaries.append(s)
        return outputs

    def process_env(self, step_env, files, action_path=""):
        env = dict(self.base_env)
        env.update(step_env)
        env.update(files)
        if action_path:
            env["GITHUB_ACTION_PATH"] = action_path
        if self.extra_path:
            env["PATH"] = os.pathsep.join(self.extra_path + [env.get("PATH", "")])
        return env

    def run_script(self, step, step_env, ctx, defaults, key, status, action_path):
        shell = step.get("shell") or defaults.get("shell")
        wd = step.get("working-directory") or defaults.get("working-directory") or "."
        wd = os.path.join(self.ws, interpolate(wd, ctx, status))
        script = interpolate(step["run"], ctx, status)
        path = os.path.join(self.temp, uuid.uuid4().hex + ".sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write(script)
        if shell is None:
            argv = ["bash", "-e", path]
        elif shell == "sh":
            argv = ["sh", "-e", path]
        elif shell == "bash":
            argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", path]
        elif "{0}" in shell:
            argv = [w.replace("{0}", path) for w in shell.split()]
        else:
            raise Unsupported("step %s: shell %r is not emulated" % (key, shell))
        files = self.step_files()
        env = self.process_env(step_env, files, action_path)
        rc = self.spawn(argv, wd, env, key)
        return self.read_back(files), rc == 0

    def spawn(self, argv, cwd, env, key):
        try:
            p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            print("[gha-run] %s: %s" % (key, e), flush=True)
            return 127
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            print(line, flush=True)
            m = re.match(r"::(error|warning|notice)( [^:]*)?::(.*)", line)
            if m:
                self.annotations.append({"step": key, "level": m.group(1),
                                         "properties": (m.group(2) or "").strip(),
                                         "message": m.group(3)})
        try:
            return p.wait(timeout=self.a.step_timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            print("[gha-run] %s: timed out" % key, flush=True)
            return 124

    # -- uses:

    def run_uses(self, step, step_env, ctx, key, status):
        uses = step["uses"]
        with_ = {str(k): interpolate(v, ctx, status) for k, v in (step.get("with") or {}).items()}
        name = uses.split("@", 1)[0]
        if name == "actions/checkout":
            return self.checkout(with_, key)
        if name == "actions/cache":
            return self.cache(with_, key)
        if name == "erlef/setup-beam":
            missing = [t for t in ("erl", "rebar3") if shutil.which(t, path=self.process_env(step_env, {})["PATH"]) is None]
            if missing:
                print("[gha-run] %s: not installed here: %s" % (key, " ".join(missing)), flush=True)
                return {}, False
            print("[gha-run] %s: Erlang and rebar3 are installed here" % key, flush=True)
            return {}, True
        for pattern, d in self.actions:
            if pattern.fullmatch(uses):
                return self.composite(d, with_, step_env, key)
        raise Unsupported("step %s: uses %s has no local equivalent" % (key, uses))

    def git(self, *args, cwd=None):
        r = subprocess.run(["git"] + list(args), cwd=cwd or self.ws, capture_output=True, text=True)
        if r.returncode != 0:
            raise Unsupported("git %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def checkout(self, with_, key):
        ref = tostr(with_.get("ref")) or self.github["ref"]
        depth = int(tostr(with_.get("fetch-depth")) or "1")
        url = "file://" + self.repo
        if not ref.startswith("refs/"):
            if self.git("ls-remote", self.repo, "refs/heads/" + ref, cwd=self.root).strip():
                ref = "refs/heads/" + ref
            elif self.git("ls-remote", self.repo, "refs/tags/" + ref, cwd=self.root).strip():
                ref = "refs/tags/" + ref
        if ref.startswith("refs/heads/"):
            local = "refs/remotes/origin/" + ref[len("refs/heads/"):]
        elif ref.startswith("refs/tags/"):
            local = ref
        elif ref.startswith("refs/pull/"):
            local = "refs/remotes/pull/" + ref[len("refs/pull/"):]
        else:
            local = None  # a commit
        for e in os.listdir(self.ws):
            p = os.path.join(self.ws, e)
            shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
        self.git("init", "-q", ".")
        self.git("remote", "add", "origin", url)
        if depth == 0:
            self.git("fetch", "-q", "--prune", "--tags", "origin",
                     "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
            if local and not local.startswith(("refs/remotes/origin/", "refs/tags/")):
                self.git("fetch", "-q", "origin", "+%s:%s" % (ref, local))
        else:
            spec = "+%s:%s" % (ref, local) if local else ref
            self.git("fetch", "-q", "--no-tags", "--depth", str(depth), "origin", spec)
        target = local or ref
        if ref.startswith("refs/heads/"):
            self.git("checkout", "-q", "-B", ref[len("refs/heads/"):], target)
        else:
            self.git("checkout", "-q", "--detach", target)
        print("[gha-run] %s: checked out %s at %s (%s)" % (
            key, ref, self.git("rev-parse", "--short", "HEAD").strip(),
            "full history" if depth == 0 else "depth %d" % depth), flush=True)
        return {}, True

    def cache(self, with_, key):
        paths = [p.strip() for p in tostr(with_.get("path")).splitlines() if p.strip()]
        k = tostr(with_.get("key"))
        if not self.a.cache_dir or not paths or not k:
            return {"cache-hit": "false"}, True
        entry = os.path.join(os.path.abspath(self.a.cache_dir), re.sub(r"[^A-Za-z0-9._-]", "_", k))
        if os.path.isdir(entry):
            for i, p in enumerate(paths):
                src = os.path.join(entry, str(i))
                if os.path.exists(src):
                    if os.path.exists(p):
                        shutil.rmtree(p)
                    shutil.copytree(src, p, symlinks=True)
            print("[gha-run] %s: cache hit: %s" % (key, k), flush=True)
            return {"cache-hit": "true"}, True
        print("[gha-run] %s: cache miss: %s" % (key, k), flush=True)
        for i, p in enumerate(paths):
            self.cache_saves.append((p, os.path.join(entry, str(i))))
        return {"cache-hit": "false"}, True

    def composite(self, d, with_, step_env, key):
        d = os.path.abspath(d)
        with open(os.path.join(d, "action.yml"), encoding="utf-8") as f:
            action = yaml.safe_load(f)
        runs = action.get("runs") or {}
        if runs.get("using") != "composite":
            raise Unsupported("%s: only composite actions run here" % d)
        declared = action.get("inputs") or {}
        inputs = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in with_:
                inputs[name] = tostr(with_[name])
            elif spec.get("required") and "default" not in spec:
                print("[gha-run] %s: input %s is required" % (key, name), flush=True)
                return {}, False
            else:
                inputs[name] = tostr(interpolate(spec.get("default", ""),
                                                 self.contexts(step_env, {}), self.job_status))
        for name in with_:
            if name not in declared:
                print("[gha-run] %s: unexpected input %s" % (key, name), flush=True)
        failed = []
        status = lambda: "failure" if failed else "success"
        steps = {}
        self.run_steps(runs.get("steps") or [], step_env, steps, {}, key + "/", status,
                       lambda: failed.append(1), inputs=inputs, action_path=d)
        ctx = self.contexts(step_env, steps, inputs, d)
        outputs = {k: tostr(interpolate((v or {}).get("value", ""), ctx, status))
                   for k, v in (action.get("outputs") or {}).items()}
        return outputs, not failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workflow")
    ap.add_argument("job")
    ap.add_argument("--root", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--event", default="push")
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--action", action="append", default=[])
    ap.add_argument("--cache-dir")
    ap.add_argument("--stub", action="append", default=[])
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--results")
    ap.add_argument("--step-timeout", type=float, default=300)
    a = ap.parse_args()
    try:
        with open(a.workflow, encoding="utf-8") as f:
            wf = yaml.safe_load(f)
        res = Runner(a, wf).run_job()
    except Unsupported as e:
        print("gha-run: %s" % e, file=sys.stderr)
        return 2
    if a.results:
        with open(a.results, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=2, sort_keys=True)
    print("[gha-run] job %s: %s" % (a.job, res["result"]), flush=True)
    return 0 if res["result"] == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
