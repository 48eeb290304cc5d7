#!/bin/sh
# Build the test workloads. Binaries go to $OUT (default /tmp/flametd) so that
# perf shows short, stable DSO paths such as /tmp/flametd/cpuburn.
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/flametd}
mkdir -p "$OUT"
CFLAGS="-g -O2 -fno-omit-frame-pointer"
set -x
gcc $CFLAGS -o "$OUT/cpuburn" "$SRC/cpuburn.c"
gcc $CFLAGS -pthread -o "$OUT/threads" "$SRC/threads.c"
gcc $CFLAGS -pthread -o "$OUT/sleepy" "$SRC/sleepy.c"
g++ $CFLAGS -o "$OUT/templates" "$SRC/templates.cpp"
gcc $CFLAGS -pthread -o "$OUT/waiter" "$SRC/waiter.c"
mkdir -p "$OUT/before" "$OUT/after"
gcc $CFLAGS -DVARIANT=1 -o "$OUT/before/diffwork" "$SRC/diffwork.c"
gcc $CFLAGS -DVARIANT=2 -o "$OUT/after/diffwork" "$SRC/diffwork.c"
gcc $CFLAGS -o "$OUT/jobd" "$SRC/jobd.c"
gcc $CFLAGS -pthread -o "$OUT/jobcli" "$SRC/jobcli.c"
gcc $CFLAGS -pthread -o "$OUT/critpath" "$SRC/critpath.c"
gcc $CFLAGS -pthread -o "$OUT/phases" "$SRC/phases.c"
