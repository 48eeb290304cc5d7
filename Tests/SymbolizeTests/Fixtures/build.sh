#!/bin/bash
# build.sh OUTDIR - build the Symbolize test binaries into OUTDIR (created if missing).
#
# For every variant NAME it writes
#   OUTDIR/NAME             unstripped (symtab + DWARF)
#   OUTDIR/NAME.stripped    strip --strip-all (same build-id, no symtab, no DWARF)
#   OUTDIR/NAME.debug       objcopy --only-keep-debug
#   OUTDIR/NAME.debuglink   NAME.stripped + .gnu_debuglink naming NAME.debug
#   OUTDIR/debugdir/.build-id/xx/rest.debug   copy of NAME.debug, found by build-id
# plus OUTDIR/manifest.tsv (one line per variant) and one stdout line per artefact:
#   "<kind> <path>" with kind binary|stripped|debug|debuglink|build-id-debug|manifest,
# or "skip: <reason>" for a variant whose compiler is missing.
#
# Variants: c-pie c-nopie cpp-pie cpp-nopie (required: cc, c++, strip, objcopy, readelf),
# rust-legacy rust-v0 (rustc), swift swift-aranges (swiftc). Compilers: $CC, $CXX, $RUSTC,
# $SWIFTC override cc, c++, rustc, swiftc. Idempotent: every run rebuilds everything
# from scratch (about 2 s). The builds are deterministic: the same toolchain and the same
# location of this folder give byte-identical files and build-ids, whatever OUTDIR and
# the caller's working directory.
set -euo pipefail

die() { echo "build.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$1" || die "cannot create $1"
OUT=$(cd "$1" && pwd)

CC=${CC:-cc}
CXX=${CXX:-c++}
command -v "$CC" >/dev/null 2>&1 || die "C compiler '$CC' not found (install gcc, or set CC)"
command -v "$CXX" >/dev/null 2>&1 || die "C++ compiler '$CXX' not found (install g++, or set CXX)"
for tool in strip objcopy readelf nm; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (install binutils)"
done

# First match of: $VAR, the name in PATH, known install locations.
find_tool() {
    local override=$1 name=$2; shift 2
    if [ -n "$override" ]; then command -v "$override" 2>/dev/null || true; return; fi
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    local p
    for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done
    true
}
RUSTC_BIN=$(find_tool "${RUSTC:-}" rustc "${HOME:-/root}/.cargo/bin/rustc" /root/.cargo/bin/rustc)
SWIFTC_BIN=$(find_tool "${SWIFTC:-}" swiftc /opt/swift/usr/bin/swiftc)

# Compile from SRC with relative source names: DW_AT_comp_dir is then SRC whatever the
# caller's working directory (it is part of the build-id), and DWARF file names resolve
# to SRC/prog.*.
cd "$SRC"

# (awk reads all its input, so nothing in the pipe dies of SIGPIPE under pipefail)
build_id() {
    readelf -nW "$1" 2>/dev/null \
        | awk '!done && match($0, /Build ID: [0-9a-f]+/) { print substr($0, RSTART + 10, RLENGTH - 10); done = 1 }'
}

# Fresh state: the build-id tree and the manifest only ever describe this run.
rm -rf "$OUT/debugdir"
mkdir -p "$OUT/debugdir/.build-id"
MANIFEST="$OUT/manifest.tsv"
printf '# name\tlanguage\telf-type\tbuild-id\tnotes\n' > "$MANIFEST.tmp"

# clean NAME...: remove a variant's artefacts (before building it, or when it is skipped).
clean() {
    local name
    for name in "$@"; do rm -f "$OUT/$name" "$OUT/$name.stripped" "$OUT/$name.debug" "$OUT/$name.debuglink"; done
}

# split NAME LANG NOTES: strip / debug file / debuglink / build-id tree for OUT/NAME.
split() {
    local name=$1 lang=$2 notes=$3
    local bin="$OUT/$name" id type
    id=$(build_id "$bin")
    type=$(readelf -hW "$bin" | awk '/Type:/ { print $2; exit }')
    echo "binary $bin"

    strip --strip-all -o "$bin.stripped" "$bin"
    # (grep without -q reads all its input: no SIGPIPE under pipefail. Rust's allocated
    # .debug_gdb_scripts section survives strip, so only look for symtab, info and lines.)
    readelf -SW "$bin.stripped" | grep -e ' \.symtab ' -e ' \.debug_info ' -e ' \.debug_line ' >/dev/null \
        && die "$bin.stripped still has .symtab, .debug_info or .debug_line"
    [ "$(build_id "$bin.stripped")" = "$id" ] || die "$bin.stripped has a different build-id"
    echo "stripped $bin.stripped"

    objcopy --only-keep-debug "$bin" "$bin.debug"
    chmod a-x "$bin.debug"
    echo "debug $bin.debug"

    # objcopy stores only the basename (NAME.debug) and its CRC32; run it in OUT.
    (cd "$OUT" && objcopy --add-gnu-debuglink="$name.debug" "$name.stripped" "$name.debuglink")
    echo "debuglink $bin.debuglink"

    if [ -n "$id" ]; then
        mkdir -p "$OUT/debugdir/.build-id/${id:0:2}"
        cp "$bin.debug" "$OUT/debugdir/.build-id/${id:0:2}/${id:2}.debug"
        echo "build-id-debug $OUT/debugdir/.build-id/${id:0:2}/${id:2}.debug"
    else
        echo "skip: $name has no build-id, so no build-id tree entry"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$lang" "$type" "${id:--}" "$notes" >> "$MANIFEST.tmp"
}

# --- C and C++ (required) -------------------------------------------------------------
CFLAGS="-g -O2 -fno-omit-frame-pointer -Wl,--build-id=sha1"
NOPIE="-no-pie -fno-pie"
# shellcheck disable=SC2086  # flag lists are meant to split
{
    clean c-pie c-nopie cpp-pie cpp-nopie
    "$CC" $CFLAGS -o "$OUT/c-pie" prog.c || die "$CC failed on prog.c"
    split c-pie c "$CC $CFLAGS"
    "$CC" $CFLAGS $NOPIE -o "$OUT/c-nopie" prog.c || die "$CC failed on prog.c (non-PIE)"
    split c-nopie c "$CC $CFLAGS $NOPIE"
    "$CXX" $CFLAGS -o "$OUT/cpp-pie" prog.cpp || die "$CXX failed on prog.cpp"
    split cpp-pie c++ "$CXX $CFLAGS"
    "$CXX" $CFLAGS $NOPIE -o "$OUT/cpp-nopie" prog.cpp || die "$CXX failed on prog.cpp (non-PIE)"
    split cpp-nopie c++ "$CXX $CFLAGS $NOPIE"
}

# --- Rust (optional) --------------------------------------------------------------------
RUSTFLAGS_FIX="-C opt-level=2 -C debuginfo=2 -C force-frame-pointers=yes"
if [ -z "$RUSTC_BIN" ]; then
    clean rust-legacy rust-v0
    echo "skip: rust-legacy rust-v0 (rustc not found; set RUSTC)"
else
    clean rust-legacy rust-v0
    # Legacy is rustc's default; `-C symbol-mangling-version=legacy` itself needs
    # -Z unstable-options on stable, so build with the default and check the symbols.
    # shellcheck disable=SC2086
    if "$RUSTC_BIN" $RUSTFLAGS_FIX -o "$OUT/rust-legacy" prog.rs; then
        if nm "$OUT/rust-legacy" | grep ' _ZN4prog4spin17h[0-9a-f]\{16\}E$' >/dev/null; then
            split rust-legacy rust "rustc $RUSTFLAGS_FIX (default = legacy mangling)"
        else
            echo "skip: rust-legacy (this rustc's default mangling is not legacy)"
            clean rust-legacy
        fi
    else
        clean rust-legacy
        echo "skip: rust-legacy ($RUSTC_BIN failed on prog.rs)"
    fi
    # shellcheck disable=SC2086
    if "$RUSTC_BIN" $RUSTFLAGS_FIX -C symbol-mangling-version=v0 -o "$OUT/rust-v0" prog.rs; then
        split rust-v0 rust "rustc $RUSTFLAGS_FIX -C symbol-mangling-version=v0"
    else
        clean rust-v0
        echo "skip: rust-v0 ($RUSTC_BIN failed on prog.rs)"
    fi
fi

# --- Swift (optional) -------------------------------------------------------------------
# swiftc omits frame pointers on Linux x86_64; -Xcc flags reach Swift's own code generation.
# Swift emits no .debug_aranges by default, and elfutils 0.188 (eu-addr2line,
# dwfl_module_addrdie) then finds no CU for any address ("??:0"); swift-aranges adds them.
SWIFTFLAGS_FIX="-O -g -module-name swprog -Xcc -fno-omit-frame-pointer -Xcc -mno-omit-leaf-frame-pointer"
if [ -z "$SWIFTC_BIN" ]; then
    clean swift swift-aranges
    echo "skip: swift swift-aranges (swiftc not found; set SWIFTC)"
else
    clean swift swift-aranges
    # Compiling and linking in one swiftc call puts the object in a random temp directory,
    # and its path feeds .swift_modhash, so the build-id changed on every run. Compile to a
    # fixed relative object name in a scratch directory instead (-file-compilation-dir keeps
    # DW_AT_comp_dir = SRC): then the output depends on neither OUTDIR nor the time.
    swift_build() { # NAME EXTRA-FLAGS...
        local name=$1; shift
        local scratch="$OUT/.swift-build"
        rm -rf "$scratch"; mkdir -p "$scratch"
        # shellcheck disable=SC2086
        (cd "$scratch" \
            && "$SWIFTC_BIN" $SWIFTFLAGS_FIX "$@" -file-compilation-dir "$SRC" -c -o "$name.o" "$SRC/prog.swift" \
            && "$SWIFTC_BIN" $SWIFTFLAGS_FIX "$@" -o "$OUT/$name" "$name.o")
        local rc=$?
        rm -rf "$scratch"
        return $rc
    }
    if swift_build swift; then
        split swift swift "swiftc $SWIFTFLAGS_FIX (no .debug_aranges)"
    else
        clean swift
        echo "skip: swift ($SWIFTC_BIN failed on prog.swift)"
    fi
    if swift_build swift-aranges -Xllvm -generate-arange-section; then
        split swift-aranges swift "swiftc $SWIFTFLAGS_FIX -Xllvm -generate-arange-section"
    else
        clean swift-aranges
        echo "skip: swift-aranges ($SWIFTC_BIN failed on prog.swift)"
    fi
fi

mv "$MANIFEST.tmp" "$MANIFEST"
echo "manifest $MANIFEST"
