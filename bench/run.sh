#!/usr/bin/env bash
# flame benchmark harness: entry point for `make bench`.
#
# Measures, in one run and on the same input, `flame` against its peers
# (Brendan Gregg's FlameGraph perl scripts and inferno, the Rust port):
#
#   corpus  A large, real `perf script` capture (tens of MB): `perf record -F 997 -g`
#           over a clean release build of swift-argument-parser, written to
#           .bench/build.perf.txt. It is generated once and then cached.
#   case 1  fold:    perf script text -> folded stacks
#   case 2  oncpu:   perf script text -> SVG (whole pipeline)
#   case 3  render:  ~20k unique folded stacks (real ones, from the capture) -> SVG
#   case 4  memory:  peak RSS on the capture vs on the capture repeated 4 times
#
# The output is a table on stdout plus .bench/results.md, ready to paste into the
# README. It is not a test and never fails because of a timing.
#
# Usage:  make bench        (or: bash bench/run.sh)
# Env:    FLAMEGRAPH_DIR=/path/to/FlameGraph   checkout holding stackcollapse-perf.pl and
#                                               flamegraph.pl (rows are skipped if unset)
#         RUNS=3     timed runs for each command; the table shows the median
#         FORCE=1    regenerate the cached capture and the inputs derived from it
#         WARMUP=1   untimed runs before the timed ones (the first also counts threads)
#         FLAME_BIN=path   use this flame binary and skip the release build
#
# Anything missing (GNU time, perf, perl, git, python3-venv, inferno) is installed with apt-get
# or pip, and the harness prints what it installed. It must run as root, because
# apt-get and `perf record` need root.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null 2>&1; then
    echo "bench: python3 is missing; installing it with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null
    echo "bench: installed (apt): python3"
fi

exec python3 bench/bench.py "$@"
