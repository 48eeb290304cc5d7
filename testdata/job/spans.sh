#!/bin/sh
# A compiler wrapper that writes one Chrome trace span per compile, as ninjatracing writes one
# per build edge: CC="sh testdata/job/spans.sh sccache gcc" with SPANS=FILE appends
#   {"name": "cc foo.o", "ph": "X", "ts": START, "dur": LENGTH, "pid": PID, "tid": PID},
# to FILE (µs of the wall clock, `date +%s%6N`: flame places them on the capture's clock with
# its HEADER_CLOCK_DATA). FILE is to begin with "[" and may stay without its "]", as the format
# allows. `phase NAME CMD...` runs CMD as one span named NAME instead.
# Usage: SPANS=FILE sh spans.sh COMPILER ARGS...   or   SPANS=FILE sh spans.sh phase NAME CMD...
set -u
name=""
if [ "$1" = phase ]; then name=$2; shift 2; fi
if [ -z "$name" ]; then
    prev=""
    for a in "$@"; do
        [ "$prev" = -o ] && name="cc $a"
        prev=$a
    done
    [ -n "$name" ] || name="cc"
fi
start=$(date +%s%6N)
"$@"
status=$?
end=$(date +%s%6N)
printf '{"name": "%s", "ph": "X", "ts": %s, "dur": %s, "pid": %s, "tid": %s},\n' \
    "$name" "$start" "$((end - start))" "$$" "$$" >> "$SPANS"
exit $status
