#!/bin/sh
# Build the workloads the way release builds come: without frame pointers, so that only
# `perf record --call-graph dwarf` (unwinding with .eh_frame) recovers their stacks.
# Binaries go to $OUT/nofp (default /tmp/flametd/nofp). Rust is built like
# `cargo build --release` (opt-level 3, no frame pointers), with and without debug info.
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/flametd}/nofp
mkdir -p "$OUT"
CFLAGS="-g -O2 -fomit-frame-pointer"
set -x
gcc $CFLAGS -o "$OUT/cpuburn" "$SRC/cpuburn.c"
gcc $CFLAGS -pthread -o "$OUT/threads" "$SRC/threads.c"
g++ $CFLAGS -o "$OUT/templates" "$SRC/templates.cpp"
rustc -C opt-level=3 -o "$OUT/rustwork" "$SRC/rustwork.rs"
rustc -C opt-level=3 -g -o "$OUT/rustwork-g" "$SRC/rustwork.rs"
