#!/usr/bin/env bash
# The job flame is for, end to end: a build tool made of a daemon (sccache's server) and a CLI
# (make with CC="sccache gcc"), recorded on a cold and on a hot cache with `flame record --attach`,
# then compared with `flame report --before/--after`. Writes .demo-job/{cold,hot,report}/.
# Run as root (perf records every CPU). Usage: bash scripts/demo-job.sh [FLAME_BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
FLAME=$(realpath "${1:-.build/release/flame}")
command -v sccache >/dev/null || { echo "demo-job: sccache is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
out=$PWD/.demo-job
rm -rf "$out"
mkdir -p "$out"
python3 testdata/job/gen.py "$out/src" 36 40 >/dev/null
# A server of its own: its own cache, port and no idle timeout, whatever else runs here.
export SCCACHE_DIR=$out/cache SCCACHE_SERVER_PORT=${SCCACHE_SERVER_PORT:-4231} SCCACHE_IDLE_TIMEOUT=0
sccache --stop-server >/dev/null 2>&1 || true
sccache --start-server >/dev/null
trap 'sccache --stop-server >/dev/null 2>&1 || true' EXIT
server=$(pgrep -n -x sccache)
for run in cold hot; do
    make -C "$out/src" clean >/dev/null
    sccache --zero-stats >/dev/null
    start=$(date +%s.%N)
    "$FLAME" record --attach "$server" -o "$out/$run" -- make -C "$out/src" -j2 CC="sccache gcc" >/dev/null 2>"$out/$run.log"
    took=$(echo "$(date +%s.%N) - $start" | bc)
    stats=$(sccache --show-stats | awk '/^Cache hits +[0-9]/ {h=$3} /^Cache misses +[0-9]/ {m=$3} END {print h " hits, " m " misses"}')
    echo "demo-job: $run cache: flame record took ${took%????} s (perf's start and the drawing included); sccache: $stats"
done
"$FLAME" report --before "$out/cold" --after "$out/hot" -o "$out/report" 2>"$out/report.log"
# The totals the report leads with.
sed -n '/^|  | Before/,/^$/p' "$out/report/summary.md"
echo "demo-job: wrote $out/cold/, $out/hot/ and $out/report/ (summary.md, SVGs, PNGs); flame's messages in $out/*.log"
