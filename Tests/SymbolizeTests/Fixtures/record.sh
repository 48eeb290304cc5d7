#!/bin/bash
# record.sh OUTDIR - record the fixture programs with perf (frame-pointer call graphs) and
# write the texts and reference files the Symbolize tests compare against.
#
# Runs build.sh OUTDIR first (idempotent, a few seconds). Then, for each variant NAME
# (required: c-pie c-nopie cpp-pie cpp-nopie; also rust-legacy rust-v0 swift swift-aranges
# when build.sh built them):
#   NAME.stripped.data / NAME.stripped.perf.txt
#        perf record --no-buildid-cache -F 999 -g of OUTDIR/NAME.stripped, and its
#        `perf --buildid-dir EMPTY script` text: the program's frames are
#        "[unknown] (OUTDIR/NAME.stripped)" - the input Symbolize has to fix
#   NAME.data / NAME.perf.txt
#        the same for the unstripped OUTDIR/NAME: what perf prints when it sees symbols
#   NAME.stripped.resolved.perf.txt
#        NAME.stripped.data again, with the unstripped binary put in a private perf build-id
#        cache: the SAME samples as NAME.stripped.perf.txt, named by perf (a line-by-line
#        golden for re-symbolizing NAME.stripped.perf.txt)
#   NAME.addrs.txt        distinct addresses of the [unknown] frames of OUTDIR/NAME.stripped
#                         in NAME.stripped.perf.txt, hex as perf printed them, ascending
#   NAME.addrmap.txt      "perf-address 0xELF-vaddr" for each of those (via the PT_LOAD
#                         segment holding the address as a file offset, readelf -lW)
#   NAME.eu-addr2line.txt           eu-addr2line -e OUTDIR/NAME -f -i -a VADDR...
#   NAME.eu-addr2line.demangled.txt the same with -C (C++ and Rust only)
#   NAME.addr2line.txt              binutils: addr2line -e OUTDIR/NAME -a -f -i -C VADDR...
# and for the C and C++ variants also
#   NAME.dwarf.data / NAME.dwarf.perf.txt
#        perf record --call-graph dwarf of the unstripped binary: perf 6.1 prints inlined
#        frames ("inner+0x.. (inlined)") only for DWARF-unwound callchains
# Needs perf and root (or kernel.perf_event_paranoid <= 1), readelf, nm, eu-addr2line.
set -euo pipefail
shopt -s inherit_errexit  # errors inside $(...) stop the script too

die() { echo "record.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

command -v perf >/dev/null 2>&1 || die "perf not found (Debian: apt-get install linux-perf)"
command -v eu-addr2line >/dev/null 2>&1 || die "eu-addr2line not found (Debian: apt-get install elfutils)"
for tool in readelf nm addr2line; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (install binutils)"
done
if [ "$(id -u)" != 0 ]; then
    paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
    [ "$paranoid" -le 1 ] || die "perf recording needs root (or kernel.perf_event_paranoid <= 1; it is $paranoid)"
fi

"$SRC/build.sh" "$1"
OUT=$(cd "$1" && pwd)

# perf must not name the stripped binaries' frames from anything but the binaries themselves:
# an empty build-id directory replaces ~/.debug, and debuginfod is switched off.
unset DEBUGINFOD_URLS
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/symfix-record.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
EMPTY="$SCRATCH/empty-buildid-dir"
mkdir -p "$EMPTY"

# Hex helpers (addresses fit in 63 bits: user space).
hex2dec() { echo $((16#${1#0x})); }

# vaddr FILE-ADDR: the ELF virtual address for an address perf printed for this binary.
# perf 6.1 prints user-space frames as map-relative file offsets, for ET_DYN and ET_EXEC
# alike; the PT_LOAD segment containing that offset gives the vaddr. (A number that is no
# file offset but lies inside a segment's vaddr range is taken as already absolute.)
LOADS=()
load_segments() { # FILE
    LOADS=()
    local off va fsz msz
    while read -r off va fsz msz; do
        LOADS+=("$((off)) $((va)) $((fsz)) $((msz))")
    done < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5, $6 }')
    [ ${#LOADS[@]} -gt 0 ] || die "no PT_LOAD segments in $1"
}
vaddr() { # HEX -> 0xHEX
    local a seg off va fsz msz
    a=$(hex2dec "$1")
    for seg in "${LOADS[@]}"; do
        read -r off va fsz msz <<<"$seg"
        if [ "$a" -ge "$off" ] && [ "$a" -lt $((off + fsz)) ]; then
            printf '0x%x\n' $((a - off + va)); return
        fi
    done
    for seg in "${LOADS[@]}"; do
        read -r off va fsz msz <<<"$seg"
        if [ "$a" -ge "$va" ] && [ "$a" -lt $((va + msz)) ]; then printf '0x%x\n' "$a"; return; fi
    done
    die "address $1 is in no PT_LOAD segment of the binary"
}

# frames TEXT DSO: "addr symbol" of every frame of DSO in a perf script text.
frames() {
    awk -v suf=" ($2)" '
        length($0) > length(suf) && substr($0, length($0) - length(suf) + 1) == suf {
            line = substr($0, 1, length($0) - length(suf)); sub(/^[ \t]+/, "", line)
            addr = line; sub(/ .*/, "", addr); sym = substr(line, length(addr) + 2)
            print addr, sym
        }' "$1"
}

# samples TEXT: number of samples (header lines) in a perf script text.
samples() { grep -c -E '^[^[:space:]].*:[[:space:]]*[0-9]+ [^ ]+:' "$1" || true; }

# record DATA PERF-RECORD-ARGS...: perf record at 999 Hz without build-id cache; failure shows perf's messages.
record() {
    local data=$1; shift
    rm -f "$data" "$data.old"
    perf record -q --no-buildid-cache -F 999 "$@" >"$SCRATCH/record.log" 2>&1 \
        || { cat "$SCRATCH/record.log" >&2; die "perf record failed: perf record $* (root?)"; }
}

# script DATA TEXT [BUILDID-DIR]
script() {
    perf --buildid-dir "${3:-$EMPTY}" script -i "$1" >"$2" 2>"$SCRATCH/script.log" \
        || { cat "$SCRATCH/script.log" >&2; die "perf script -i $1 failed"; }
}

# check_symbol_starts TEXT DSO BIN: for every named frame "A sym+0xOFF" of DSO, vaddr(A) - OFF
# must be the address of a symbol in BIN. This proves the file-offset -> vaddr mapping above.
check_symbol_starts() {
    local text=$1 dso=$2 bin=$3 a sym off va start bad=0 n=0
    declare -A starts=()
    while read -r start; do starts[$start]=1; done < <(nm --defined-only "$bin" | awk '{ print $1 }' | sed 's/^0*//; s/^$/0/')
    while read -r a sym; do
        case "$sym" in *@plt* | "[unknown]") continue ;; esac
        [[ "$sym" =~ \+0x([0-9a-f]+)$ ]] || continue
        off=${BASH_REMATCH[1]}
        va=$(vaddr "$a") || exit 1
        start=$(printf '%x' $((va - 16#$off)))
        n=$((n + 1))
        [ -n "${starts[$start]:-}" ] || { bad=$((bad + 1)); echo "  $a $sym: 0x$start is no symbol of $bin" >&2; }
    done < <(frames "$text" "$dso" | sort -u)
    [ "$bad" -eq 0 ] || die "$bad of $n frames of $dso in $text do not map to symbol starts (address mapping wrong?)"
    echo "$n"
}

# Which variants exist, with the name their hot function gets in the unstripped text.
declare -A HOT=(
    [c-pie]=' leaf\+0x' [c-nopie]=' leaf\+0x'
    [cpp-pie]=' ns::Worker<long>::spin\+0x' [cpp-nopie]=' ns::Worker<long>::spin\+0x'
    [rust-legacy]=' prog::spin\+0x' [rust-v0]='(prog::spin|4prog4spin)'
    [swift]='6WorkerV4spin' [swift-aranges]='6WorkerV4spin'
)
VARIANTS=(c-pie c-nopie cpp-pie cpp-nopie)
for v in rust-legacy rust-v0 swift swift-aranges; do
    if awk -v n="$v" '$1 == n { f = 1 } END { exit !f }' "$OUT/manifest.tsv"; then
        VARIANTS+=("$v")
    else
        echo "skip: $v (not built)"
    fi
done

for name in "${VARIANTS[@]}"; do
    bin="$OUT/$name"
    stripped="$bin.stripped"
    [ -x "$bin" ] && [ -x "$stripped" ] || die "$bin or $stripped missing (build.sh failed?)"
    load_segments "$bin"
    lang=$(awk -v n="$name" '$1 == n { print $2 }' "$OUT/manifest.tsv")

    # 1. stripped binary: frames must be [unknown]
    record "$OUT/$name.stripped.data" -g -o "$OUT/$name.stripped.data" -- "$stripped"
    script "$OUT/$name.stripped.data" "$OUT/$name.stripped.perf.txt"
    echo "perf-data $OUT/$name.stripped.data"
    echo "perf-text $OUT/$name.stripped.perf.txt"
    nunknown=$(frames "$OUT/$name.stripped.perf.txt" "$stripped" | awk '$2 == "[unknown]"' | wc -l)
    [ "$nunknown" -gt 0 ] || die "$OUT/$name.stripped.perf.txt has no '[unknown] ($stripped)' frames"
    named=$(frames "$OUT/$name.stripped.perf.txt" "$stripped" | awk '$2 != "[unknown]" && $2 !~ /@plt/ && n++ < 3')
    [ -z "$named" ] || die "perf named frames of the stripped binary (a build-id cache or debug file leaked in): $named"

    # 2. unstripped binary: the reference text
    record "$OUT/$name.data" -g -o "$OUT/$name.data" -- "$bin"
    script "$OUT/$name.data" "$OUT/$name.perf.txt"
    echo "perf-data $OUT/$name.data"
    echo "perf-text $OUT/$name.perf.txt"
    nhot=$(frames "$OUT/$name.perf.txt" "$bin" | grep -c -E "${HOT[$name]}" || true)
    [ "$nhot" -gt 0 ] || die "$OUT/$name.perf.txt has no frames matching '${HOT[$name]}' in ($bin)"
    checked=$(check_symbol_starts "$OUT/$name.perf.txt" "$bin" "$bin")

    # 3. the stripped samples named by perf from a private build-id cache holding NAME
    cache="$SCRATCH/cache-$name"
    perf --buildid-dir "$cache" buildid-cache -a "$bin" 2>"$SCRATCH/cache.log" \
        || { cat "$SCRATCH/cache.log" >&2; die "perf buildid-cache -a $bin failed"; }
    script "$OUT/$name.stripped.data" "$OUT/$name.stripped.resolved.perf.txt" "$cache"
    echo "perf-text $OUT/$name.stripped.resolved.perf.txt"
    still=$(frames "$OUT/$name.stripped.resolved.perf.txt" "$stripped" | awk '$2 == "[unknown]"' | wc -l)
    resolved_named=$(frames "$OUT/$name.stripped.resolved.perf.txt" "$stripped" | grep -c -E "${HOT[$name]}" || true)
    [ "$resolved_named" -gt 0 ] || die "perf did not name $stripped's frames from its build-id cache"
    check_symbol_starts "$OUT/$name.stripped.resolved.perf.txt" "$stripped" "$bin" >/dev/null

    # 4. addresses of the [unknown] frames, their ELF vaddrs, and eu-addr2line's view of them
    frames "$OUT/$name.stripped.perf.txt" "$stripped" | awk '$2 == "[unknown]" { print $1 }' \
        | while read -r a; do printf '%016x %s\n' "$(hex2dec "$a")" "$a"; done \
        | sort -u | cut -d' ' -f2 >"$OUT/$name.addrs.txt"
    while read -r a; do
        va=$(vaddr "$a") || exit 1
        echo "$a $va"
    done <"$OUT/$name.addrs.txt" >"$OUT/$name.addrmap.txt"
    mapfile -t vas < <(cut -d' ' -f2 "$OUT/$name.addrmap.txt")
    # eu-addr2line exits 1 when it finds no line for some address (e.g. swift: no aranges).
    eu-addr2line -e "$bin" -f -i -a "${vas[@]}" >"$OUT/$name.eu-addr2line.txt" || true
    echo "addrs $OUT/$name.addrs.txt"
    echo "addrmap $OUT/$name.addrmap.txt"
    echo "eu-addr2line $OUT/$name.eu-addr2line.txt"
    if [ "$lang" = c++ ] || [ "$lang" = rust ]; then
        eu-addr2line -e "$bin" -C -f -i -a "${vas[@]}" >"$OUT/$name.eu-addr2line.demangled.txt" || true
        echo "eu-addr2line $OUT/$name.eu-addr2line.demangled.txt"
    fi
    # binutils addr2line as a second oracle: elfutils 0.188's dwarf_getscopes (behind
    # eu-addr2line -i) finds no scopes in Rust code, so it shows no Rust inline chains.
    addr2line -e "$bin" -a -f -i -C "${vas[@]}" >"$OUT/$name.addr2line.txt" || true
    echo "addr2line $OUT/$name.addr2line.txt"
    nolines=$(grep -c '^??:0$' "$OUT/$name.eu-addr2line.txt" || true)

    # 5. C and C++: DWARF-mode reference, the only mode in which perf 6.1 prints inlines
    if [ "$lang" = c ] || [ "$lang" = c++ ]; then
        record "$OUT/$name.dwarf.data" --call-graph dwarf -o "$OUT/$name.dwarf.data" -- "$bin"
        script "$OUT/$name.dwarf.data" "$OUT/$name.dwarf.perf.txt"
        echo "perf-data $OUT/$name.dwarf.data"
        echo "perf-text $OUT/$name.dwarf.perf.txt"
        ninl=$(grep -c ' (inlined)$' "$OUT/$name.dwarf.perf.txt" || true)
        [ "$ninl" -gt 0 ] || echo "warning: $OUT/$name.dwarf.perf.txt has no (inlined) frames" >&2
    fi

    echo "summary: $name: stripped $(samples "$OUT/$name.stripped.perf.txt") samples," \
        "$nunknown [unknown] frames at $(wc -l <"$OUT/$name.addrs.txt") distinct addresses" \
        "($still still [unknown] with symbols, $nolines without eu-addr2line lines);" \
        "unstripped $(samples "$OUT/$name.perf.txt") samples, $nhot hot frames," \
        "$checked named frames checked against nm"
done
