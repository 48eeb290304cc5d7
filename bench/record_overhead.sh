#!/usr/bin/env bash
# Overhead of `flame record` with its default settings (cpu-clock at 997 Hz with call stacks, every
# context switch on every CPU): wall time of a small C build alone, recorded, and recorded plus
# drawn. Run as root. Usage: bash bench/record_overhead.sh [FLAME_BIN] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
FLAME=$(realpath "${1:-.build/release/flame}")
RUNS=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The workload: compile five of testdata/src's C programs 24 times over, two at a time (a make -j2).
cat > "$work/build.sh" <<'INNER'
#!/bin/sh
for i in $(seq 24); do echo "$i"; done | xargs -P 2 -I{} sh -c \
  'for f in cpuburn diffwork sleepy threads waiter; do gcc -O2 -g -pthread -c "$0/$f.c" -o "$1/$f.{}.o"; done' "$SRC" "$OUT"
INNER
chmod +x "$work/build.sh"
export SRC=$PWD/testdata/src OUT=$work
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
plain=() recorded=() drawn=() idle=()
for r in $(seq "$RUNS"); do
    t0=$(now); "$work/build.sh"; t1=$(now)
    plain+=("$(echo "$t1 - $t0" | bc)")
    rm -rf "$work/rec"
    t0=$(now); perf record -q -a -g -e cpu-clock/period=1003009/ -e sched:sched_switch -e sched:sched_wakeup \
        -e sched:sched_stat_runtime -o "$work/p.data" -- "$work/build.sh" >/dev/null 2>&1; t1=$(now)
    recorded+=("$(echo "$t1 - $t0" | bc)")
    t0=$(now); "$FLAME" record -o "$work/rec" -- "$work/build.sh" >/dev/null 2>&1; t1=$(now)
    drawn+=("$(echo "$t1 - $t0" | bc)")
    # perf's own start and stop on every CPU, with nothing to record.
    t0=$(now); perf record -q -a -g -e cpu-clock/period=1003009/ -e sched:sched_switch -e sched:sched_wakeup \
        -e sched:sched_stat_runtime -o "$work/t.data" -- true >/dev/null 2>&1; t1=$(now)
    idle+=("$(echo "$t1 - $t0" | bc)")
done
p=$(printf '%s\n' "${plain[@]}" | median); r=$(printf '%s\n' "${recorded[@]}" | median); d=$(printf '%s\n' "${drawn[@]}" | median)
i=$(printf '%s\n' "${idle[@]}" | median)
size=$(stat -c %s "$work/rec/perf.data")
echo "| workload | wall (median of $RUNS) | vs alone |"
echo "|---|---:|---:|"
printf '| alone | %.2f s | 1.00x |\n' "$p"
printf '| recorded by perf with flame record'"'"'s events | %.2f s | %.2fx |\n' "$r" "$(echo "$r / $p" | bc -l)"
printf '| flame record (recording + drawing) | %.2f s | %.2fx |\n' "$d" "$(echo "$d / $p" | bc -l)"
printf '| perf recording `true` (its start and stop alone) | %.2f s | |\n' "$i"
echo
echo "perf.data of one flame record run: $((size / 1024)) KiB"
