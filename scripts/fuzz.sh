#!/usr/bin/env bash
# Builds flame's libFuzzer targets (Fuzz/, issue 9) with the address sanitizer and runs each for
# FUZZ_SECONDS, one after the other; prints executions, exec/s and peak memory per target.
#
#   scripts/fuzz.sh                         all targets, FUZZ_SECONDS each (default 300)
#   FUZZ_TARGETS="PerfData Folded" FUZZ_SECONDS=1800 scripts/fuzz.sh
#   FUZZ_CI=1 ...                           CI: seeds only (committed corpus and regressions), no
#                                           corpus kept; a crash fails the run
#
# Inputs that crash, hang (> 1 s) or need more than 2 GB go to .fuzz/<Target>/ (ignored by git),
# with the log; new inputs the fuzzer finds go to .fuzz/<Target>/corpus and are used again next
# time. Replay one with the ordinary build: .build/debug/Fuzz<Target> FILE.
#
# Why these flags: swiftc's -sanitize=fuzzer links libFuzzer's own main, which clashes with the
# entry point SwiftPM gives every executable (it renames `main` and defines it at link time), so
# the code is instrumented with the same coverage -sanitize=fuzzer would add, and linked with the
# toolchain's libFuzzer without its main; the targets call LLVMFuzzerRunDriver themselves
# (Fuzz/Support, compiled with -D FUZZING).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL="PerfData PerfDataFold PerfScript Timehist BccOffCPU Bpftrace BpftraceJSON Folded Demangle Render"
TARGETS=${FUZZ_TARGETS:-$ALL}
SECONDS_EACH=${FUZZ_SECONDS:-300}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
OUT=${FUZZ_OUT:-.fuzz}
CI_MODE=${FUZZ_CI:-}
# Longer seeds are cut to this when loaded (the largest perf.data seed is 22 KB); small inputs
# mutate faster.
MAX_LEN=${FUZZ_MAX_LEN:-32768}

for t in $TARGETS; do
    case " $ALL " in *" $t "*) ;; *) echo "fuzz: no target $t (targets: $ALL)" >&2; exit 2 ;; esac
done

# libFuzzer without its main comes with the Swift toolchain's clang.
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
libfuzzer=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1 || true)
if [ -z "$libfuzzer" ]; then
    echo "fuzz: libclang_rt.fuzzer_no_main-x86_64.a not found under $toolchain/lib/clang: this Swift toolchain has no libFuzzer" >&2
    exit 1
fi

flags=(-c release --scratch-path "$SCRATCH"
       -Xswiftc -sanitize=address
       -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
       -Xswiftc -DFUZZING
       -Xlinker "$libfuzzer" -Xlinker -lstdc++)
mkdir -p "$OUT"
for t in $TARGETS; do
    echo "fuzz: building Fuzz$t"
    if ! swift build "${flags[@]}" --product "Fuzz$t" > "$OUT/build.log" 2>&1; then
        grep -vE "^\[[0-9]+/[0-9]+\]|Cannot export local symbol '__asan_extra_spill_area'" "$OUT/build.log" >&2 || true
        echo "fuzz: Fuzz$t did not build (log: $OUT/build.log)" >&2
        exit 1
    fi
done

# The Swift runtime's backtracer would take each crash for half a minute; libFuzzer reports it.
export SWIFT_BACKTRACE=enable=no
# Swift's runtime keeps metadata and caches for the process's life: not leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}

failed=()
summary=()
for t in $TARGETS; do
    dir="$OUT/$t"
    mkdir -p "$dir/corpus"
    if [ -n "$CI_MODE" ]; then
        work=$(mktemp -d)
    else
        work="$dir/corpus"
    fi
    # The perf.data folding target starts from the reader's seeds.
    if [ "$t" = PerfDataFold ]; then seeds=("Fuzz/corpus/PerfData"); else seeds=("Fuzz/corpus/$t"); fi
    [ -d "Fuzz/regressions/$t" ] && seeds+=("Fuzz/regressions/$t")
    log="$dir/log"
    echo "fuzz: Fuzz$t for ${SECONDS_EACH}s (log: $log)"
    started=$(date +%s)
    set +e
    "$SCRATCH/release/Fuzz$t" "$work" "${seeds[@]}" \
        -max_total_time="$SECONDS_EACH" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len="$MAX_LEN" \
        -artifact_prefix="$dir/" -print_final_stats=1 -detect_leaks=0 > "$log" 2>&1
    status=$?
    set -e
    elapsed=$(( $(date +%s) - started ))
    if [ -n "$CI_MODE" ]; then rm -rf "$work"; fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1 || true)
    cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | cut -d' ' -f2 || true)
    corpus=$(find "$dir/corpus" -type f 2>/dev/null | wc -l || true)
    line=$(printf "%-17s %6ss %12s runs %8s exec/s %6s MB peak  cov %6s  corpus %s" \
        "Fuzz$t" "$elapsed" "${runs:-?}" "${rate:-?}" "${rss:-?}" "${cov:-?}" "$corpus")
    if [ $status -ne 0 ]; then
        artifact=$(grep -oE "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
        line="$line  FAILED (exit $status${artifact:+: $artifact})"
        failed+=("$t")
        # What and where: the sanitizer's or Swift's message, then the first frames in flame's code
        # (release builds trap without a message: the frames say which check).
        grep -E "ERROR: |Fatal error|fatal error|SUMMARY" "$log" | head -3 >&2 || true
        grep -E "^ +#[0-9]+ .* (/[^ ]*/)?(Sources|Fuzz)/" "$log" | head -4 | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //' >&2 || true
    fi
    echo "$line"
    summary+=("$line")
done

echo
echo "fuzz: summary (up to ${SECONDS_EACH}s per target; corpus: inputs kept in $OUT/<target>/corpus)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crash, hang or memory limit in: ${failed[*]} (inputs and logs in $OUT/)" >&2
    exit 1
fi
