#!/bin/bash
# Re-make every capture in testdata/ (run as root; perf 6.1).
# Records in $OUT (default /tmp/flametd, where build.sh put the binaries),
# then copies the results next to this script's parent directory (testdata/).
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$SRC")
OUT=${OUT:-/tmp/flametd}
OUT=$OUT "$SRC/build.sh"
cd "$OUT"
rm -f ./*.data ./*.data.old ./*.perf.txt ./*.report-*.txt

# Totals as perf report sees them (one pair of lines per event), plus the exact
# per-comm sample/period table ("Samples: 1K" in the header is rounded).
totals() {
    perf report -i "$1.data" --stdio --sort comm 2>/dev/null \
        | grep -E '^# (Samples|Event count)' > "$1.report-totals.txt"
    perf report -i "$1.data" --stdio --sort comm -n --show-total-period -g none 2>/dev/null \
        | grep -v -e '^# (Tip:' -e '^#$' -e '^$' > "$1.report-comm.txt"
}

set -x
# cpuburn: single thread, ~1 s
perf record -F 997 -g -o cpuburn.data -- ./cpuburn
perf script -i cpuburn.data > cpuburn.perf.txt
totals cpuburn

# threads: 4 named threads (one is "io worker"), ~0.6 s of CPU in total. --sample-cpu so that the
# [CPU] column exists (per-task records have no CPU otherwise, and
# `perf script -F ...,cpu,...` refuses with "do not have CPU attribute set").
perf record -F 997 -g --sample-cpu -o threads.data -- ./threads
perf script -i threads.data > threads.perf.txt
perf script -i threads.data -F comm,pid,tid,cpu,time,period,event,ip,sym,dso > threads-pidtid.perf.txt
perf script -i threads.data --ns > threads-ns.perf.txt
totals threads

# templates: C++ names
perf record -F 997 -g -o templates.data -- ./templates
perf script -i templates.data > templates.perf.txt
totals templates

# multievent: cpu-clock + page-faults (both frequency-mode at 997 Hz)
perf record -F 997 -g -e cpu-clock -e page-faults -o multievent.data -- ./cpuburn 0.5
perf script -i multievent.data > multievent.perf.txt
totals multievent

# nocallchain: no -g, one line per sample
perf record -F 997 -o nocallchain.data -- ./threads
perf script -i nocallchain.data > nocallchain.perf.txt
totals nocallchain

# kernel: syscall-heavy dd
perf record -F 997 -g -o kernel.data -- dd if=/dev/zero of=/dev/null bs=4k count=1500000
perf script -i kernel.data > kernel.perf.txt
totals kernel

# sched: perf sched record (system-wide, sample period 1) of the short sleepy workload
perf sched record -g -o sched.data -- ./sleepy
perf sched script -i sched.data > sched.perf.txt
totals sched
set +x

for f in *.perf.txt *.report-totals.txt *.report-comm.txt; do cp "$f" "$TD/$f"; done
for f in *.data; do
    if [ "$(stat -c %s "$f")" -le 1048576 ]; then cp "$f" "$TD/$f"; chmod 644 "$TD/$f"; else echo "skip $f (> 1 MB)"; fi
done
ls -l "$TD"
