#!/usr/bin/env python3
"""Off-CPU time per thread of testdata/src/waiter.c: its own truth against flame and perf.

Records the workload twice as root (`perf sched record -g`, and `perf record -a -g -e
sched:sched_switch -e sched:sched_wakeup`), then prints a Markdown table per capture: the
truth the workload printed (wall time minus CLOCK_THREAD_CPUTIME_ID per thread), flame's
off-CPU time (with the part it could not date in parentheses), and the sum of `perf sched
timehist`'s "wait time" column for the thread.

Usage: python3 bench/offcpu_truth.py [FLAME_BIN]   (default .build/release/flame)
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FLAME = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/flame"))
CAPTURES = [
    ("perf sched record -g", ["perf", "sched", "record", "-g"]),
    ("perf record -a -g -e sched:sched_switch -e sched:sched_wakeup",
     ["perf", "record", "-a", "-g", "-e", "sched:sched_switch", "-e", "sched:sched_wakeup"]),
]


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kw)


def main():
    work = tempfile.mkdtemp(prefix="flame-offcpu-truth-")
    run(["sh", os.path.join(ROOT, "testdata/src/build.sh")], env={**os.environ, "OUT": work})
    for title, record in CAPTURES:
        data = os.path.join(work, "capture.data")
        out = run(record + ["-o", data, "--", os.path.join(work, "waiter"), work], cwd=work).stdout
        truth = {}
        for line in out.splitlines():
            f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
            truth[int(f["tid"])] = (f["comm"], int(f["offcpu_us"]))
        folded = run([FLAME, "offcpu", data, "--tid", "--folded", "-o", "-"]).stdout
        dated, undated = {}, {}
        for line in folded.splitlines():
            stack, us = line.rsplit(" ", 1)
            tid = int(stack.split(";", 1)[0].rsplit("/", 1)[1])
            bucket = undated if stack.endswith(";[switch-in not recorded]") else dated
            bucket[tid] = bucket.get(tid, 0) + int(us)
        timehist = {}
        th = subprocess.run(["perf", "sched", "timehist", "-i", data], capture_output=True, text=True).stdout
        for line in th.splitlines():
            m = re.match(r"\s*[\d.]+\s+\[\d+\]\s+(.*?)\[(\d+)(?:/\d+)?\]\s+([\d.]+)\s", line)
            if m and int(m.group(2)) in truth:
                tid = int(m.group(2))
                timehist[tid] = timehist.get(tid, 0) + round(float(m.group(3)) * 1000)
        print(f"\n`{title}`\n")
        print("| thread | truth | flame | flame − truth | perf sched timehist | timehist − truth |")
        print("|---|---:|---:|---:|---:|---:|")
        for tid, (comm, us) in sorted(truth.items(), key=lambda kv: kv[1][0]):
            mine, extra, th_us = dated.get(tid, 0), undated.get(tid, 0), timehist.get(tid, 0)
            shown = f"{mine / 1000:.2f} ms" + (f" (+{extra / 1000:.2f} ms undated)" if extra else "")
            print(f"| {comm} | {us / 1000:.2f} ms | {shown} | {(mine - us) / 1000:+.2f} ms | "
                  f"{th_us / 1000:.2f} ms | {(th_us - us) / 1000:+.2f} ms |")


if __name__ == "__main__":
    main()
