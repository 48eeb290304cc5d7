#!/usr/bin/env bash
# Checks that two flame builds fold every committed capture, and the bench corpus when it is there
# (.bench, made by `make bench`), to the same bytes: for refactors that must not change any output.
#
# Usage:  scripts/check-folded.sh OLD_FLAME NEW_FLAME
#         REF=<commit> scripts/check-folded.sh      builds <commit> in a scratch worktree as OLD and
#                                                   this tree (release) as NEW
#
# Each input is run through several commands (on-CPU folded with and without annotations and
# thread names, off-CPU folded, top, the on-CPU and off-CPU SVGs, speedscope and Chrome exports);
# stdout, stderr and the exit status must all be equal (STDERR=0: stdout and status only, for a
# change that rewords messages on purpose). Prints one line per difference and exits 1 if there is
# any, else prints how many runs agreed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -eq 0 && -n "${REF:-}" ]]; then
    scratch=$(mktemp -d)
    trap 'git worktree remove --force "$scratch/ref" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
    git worktree add --detach "$scratch/ref" "$REF" >/dev/null
    (cd "$scratch/ref" && swift build -c release --product flame >/dev/null)
    swift build -c release --product flame >/dev/null
    set -- "$scratch/ref/.build/release/flame" "$PWD/.build/release/flame"
fi
if [[ $# -ne 2 || ! -x "$1" || ! -x "$2" ]]; then
    echo "usage: scripts/check-folded.sh OLD_FLAME NEW_FLAME (or REF=<commit> with no arguments)" >&2
    exit 2
fi
old=$1 new=$2

# Both builds share one empty symbol cache directory each, so neither reads the other's cache.
work=$(mktemp -d)
trap 'rm -rf "$work"; [[ -n "${scratch:-}" ]] && { git worktree remove --force "$scratch/ref" >/dev/null 2>&1 || true; rm -rf "$scratch"; }' EXIT

inputs=()
while IFS= read -r f; do inputs+=("$f"); done < <(
    { ls testdata/*.data testdata/perfdata/*.data testdata/offcpu/*.data testdata/*.perf.txt testdata/offcpu/*.txt \
         testdata/golden/* 2>/dev/null
      ls .bench/build.perf.txt .bench/build.perf.data .bench/dwarf.perf.data .bench/render20k.folded 2>/dev/null || true
    } | sort)

commands=(
    "fold"
    "fold --all"
    "fold --tid"
    "fold --pid --kernel"
    "fold --inline"
    "offcpu --folded"
    "offcpu --folded --state-frames --split-wakeup"
    "top --limit 20"
    "top --offcpu --format md"
    "oncpu"
    "offcpu"
    "both"
    "export --format speedscope"
    "export --format chrome"
)

runs=0 diffs=0
for input in "${inputs[@]}"; do
    for command in "${commands[@]}"; do
        read -r -a words <<<"$command"
        set +e
        XDG_CACHE_HOME="$work/old-cache" "$old" "${words[@]}" "$input" >"$work/old.out" 2>"$work/old.err"; a=$?
        XDG_CACHE_HOME="$work/new-cache" "$new" "${words[@]}" "$input" >"$work/new.out" 2>"$work/new.err"; b=$?
        set -e
        runs=$((runs + 1))
        if [[ $a -ne $b ]] || ! cmp -s "$work/old.out" "$work/new.out" \
            || { [[ "${STDERR:-1}" != 0 ]] && ! cmp -s "$work/old.err" "$work/new.err"; }; then
            diffs=$((diffs + 1))
            echo "differs: flame $command $input (exit $a vs $b)"
            diff <(head -c 2000 "$work/old.err") <(head -c 2000 "$work/new.err") | head -5 || true
        fi
    done
done
if [[ $diffs -gt 0 ]]; then
    echo "check-folded: $diffs of $runs runs differ" >&2
    exit 1
fi
echo "check-folded: all $runs runs identical (${#inputs[@]} inputs x ${#commands[@]} commands)"
