#!/usr/bin/env bash
# Installs what flame needs to build and test on a Debian machine, only what is missing.
# Needs root (or sudo) for apt-get; prints what it installs.
set -euo pipefail

need_pkgs=()
# Tools the tests and the demo use; the Swift toolchain itself is expected on PATH.
command -v perf >/dev/null 2>&1 || need_pkgs+=(linux-perf)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
# Symbolize links elfutils through pkg-config.
command -v pkg-config >/dev/null 2>&1 || need_pkgs+=(pkg-config)
{ pkg-config --exists libdw 2>/dev/null && [ -f /usr/include/elfutils/libdwfl.h ]; } || need_pkgs+=(libdw-dev)
{ pkg-config --exists libelf 2>/dev/null && [ -f /usr/include/libelf.h ]; } || need_pkgs+=(libelf-dev)
# PerfData decompresses `perf record -z` files with libzstd (pkg-config libzstd).
{ pkg-config --exists libzstd 2>/dev/null && [ -f /usr/include/zstd.h ]; } || need_pkgs+=(libzstd-dev)
# Export gzips pprof files with zlib (pkg-config zlib).
{ pkg-config --exists zlib 2>/dev/null && [ -f /usr/include/zlib.h ]; } || need_pkgs+=(zlib1g-dev)
# The export tests read pprof files back with `go tool pprof` (and protoc --decode), and check
# speedscope files against its JSON schema with Python's jsonschema.
command -v go >/dev/null 2>&1 || need_pkgs+=(golang-go)
command -v protoc >/dev/null 2>&1 || need_pkgs+=(protobuf-compiler)
/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1 || need_pkgs+=(python3-jsonschema)
# The renderer's tests check the viewer's JavaScript with `node --check`.
command -v node >/dev/null 2>&1 || need_pkgs+=(nodejs)
# Tests compare inline chains with eu-addr2line and strip binaries they build.
command -v eu-addr2line >/dev/null 2>&1 || need_pkgs+=(elfutils)
command -v objcopy >/dev/null 2>&1 || need_pkgs+=(binutils)
command -v cc >/dev/null 2>&1 || need_pkgs+=(gcc)
command -v c++ >/dev/null 2>&1 || need_pkgs+=(g++)
# make demo-job records a build through sccache's daemon (the README's build-tool job).
command -v sccache >/dev/null 2>&1 || need_pkgs+=(sccache)
# The DWARF-unwinding tests build a Rust release-style workload (testdata/src/build-nofp.sh).
command -v rustc >/dev/null 2>&1 || need_pkgs+=(rustc)
# The browser tests (Tests/FlameCLITests/BrowserTests.swift) open the SVGs in headless Chromium,
# driven by chromedriver and Selenium; Selenium comes from PyPI into a venv (Debian's python3 is
# externally managed, so no pip --user), which needs python3-venv.
# flame report writes PNG previews of its SVGs with rsvg-convert.
command -v rsvg-convert >/dev/null 2>&1 || need_pkgs+=(librsvg2-bin)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_pkgs+=(chromium-driver)
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_pkgs+=(python3-venv)

if ! command -v swift >/dev/null 2>&1; then
    echo "install-deps: no 'swift' on PATH: install the Swift toolchain (swift.org) first" >&2
    exit 1
fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "install-deps: installing ${need_pkgs[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# Selenium for the browser tests, in a venv beside the build products (found there by the tests).
venv="$(cd "$(dirname "$0")/.." && pwd)/.build/browser-venv"
if ! "$venv/bin/python3" -c 'import selenium' >/dev/null 2>&1; then
    echo "install-deps: installing selenium into $venv"
    # Not fatal: without it the browser tests skip and say why.
    if /usr/bin/python3 -m venv "$venv" &&
       "$venv/bin/pip" install -q --disable-pip-version-check 'selenium>=4.11,<5'; then
        need_pkgs+=(selenium)
    else
        echo "install-deps: warning: selenium could not be installed; the browser tests will be skipped" >&2
    fi
fi

[ ${#need_pkgs[@]} -gt 0 ] || echo "install-deps: nothing missing"
