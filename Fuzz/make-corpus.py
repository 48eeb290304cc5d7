#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/corpus/<Target>/ from testdata/ (run from anywhere; the seeds are
committed, this script says how they were made). Seeds are kept small (a few KB) because libFuzzer
mutates faster on small inputs and takes its length limit from the largest seed: text is cut at
record boundaries, perf.data files are rewritten with a prefix of their data section (header, attrs,
ids and feature sections kept, offsets fixed), JSON map dumps keep their first entries.
"""
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "testdata")
OUT = os.path.join(ROOT, "Fuzz", "corpus")
TEXT_BUDGET = 4096
DATA_BUDGET = 6000


def read(rel):
    with open(os.path.join(TESTDATA, rel), "rb") as f:
        return f.read()


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def head_records(text, budget=TEXT_BUDGET, sep=b"\n\n"):
    """The longest prefix of whole records (ending in `sep`) within `budget`; at least one record."""
    if len(text) <= budget:
        return text
    cut = text.rfind(sep, 0, budget)
    if cut < 0:
        cut = text.find(sep)
    return text[: cut + len(sep)] if cut >= 0 else text[:budget]


def head_lines(text, budget=TEXT_BUDGET):
    return head_records(text, budget, b"\n")


def trim_file_mode(data, budget=DATA_BUDGET):
    """A perf.data (file mode) whose data section is cut to whole records within `budget`."""
    magic, size, attr_size = struct.unpack_from("<8sQQ", data, 0)
    assert magic == b"PERFILE2" and size == 104, "file mode, little-endian"
    attrs_off, attrs_size, data_off, data_size = struct.unpack_from("<QQQQ", data, 24)
    features = struct.unpack_from("<4Q", data, 72)
    # Every attr's ids section must lie before the data section (perf writes them there).
    for i in range(attrs_size // attr_size):
        ids_off, ids_size = struct.unpack_from("<QQ", data, attrs_off + i * attr_size + attr_size - 16)
        assert ids_off + ids_size <= data_off
    pos, end = data_off, data_off + data_size
    while pos + 8 <= end:
        rsize = struct.unpack_from("<H", data, pos + 6)[0]
        if rsize < 8 or pos + rsize - data_off > budget:
            break
        pos += rsize
    new_size = pos - data_off
    nfeat = sum(bin(w).count("1") for w in features)
    table_at = data_off + data_size
    sections = [struct.unpack_from("<QQ", data, table_at + 16 * i) for i in range(nfeat)]
    out = bytearray(data[: data_off + new_size])
    struct.pack_into("<Q", out, 48, new_size)
    payload_at = len(out) + 16 * nfeat
    table, payloads = bytearray(), bytearray()
    for off, sz in sections:
        table += struct.pack("<QQ", payload_at + len(payloads), sz)
        payloads += data[off : off + sz]
    return bytes(out + table + payloads)


def trim_pipe_mode(data, budget=DATA_BUDGET):
    """A pipe-mode perf.data cut after whole records within `budget` (header records included)."""
    assert data[:8] == b"PERFILE2" and struct.unpack_from("<Q", data, 8)[0] == 16
    pos = 16
    while pos + 8 <= len(data):
        rtype, rsize = struct.unpack_from("<I2xH", data, pos)
        advance = rsize
        if rtype == 66:  # HEADER_TRACING_DATA: the blob follows, padded to 8
            advance += (struct.unpack_from("<I", data, pos + 8)[0] + 7) & ~7
        if rsize < 8 or (pos + advance > budget and pos > 16):
            break
        pos += advance
    return data[:pos]


def bpftrace_json(text, entries=6):
    lines = []
    for line in text.split(b"\n"):
        try:
            obj = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        if obj.get("type") == "map":
            for name, values in obj["data"].items():
                if isinstance(values, dict):
                    obj["data"][name] = dict(list(values.items())[:entries])
        lines.append(json.dumps(obj, ensure_ascii=False).encode())
    return b"\n".join(lines)


def main():
    # perf.data: file mode (plain, tracepoints, dwarf stacks, build-id mmaps, several events,
    # kernel frames), pipe mode, and zstd-compressed records (kept whole: 7.6 KB).
    for rel in ["threads.data", "sched.data", "multievent.data", "kernel.data", "nocallchain.data",
                "perfdata/buildid-mmap.data", "perfdata/switch.data", "offcpu/waiter.mixed.data"]:
        write("PerfData", os.path.basename(rel), trim_file_mode(read(rel)))
    # Its samples carry 8 KB of user stack each.
    write("PerfData", "dwarf.data", trim_file_mode(read("perfdata/dwarf.data"), 20000))
    write("PerfData", "pipe.data", trim_pipe_mode(read("perfdata/pipe.data")))
    write("PerfData", "zstd.data", read("perfdata/zstd.data"))

    for rel in ["threads.perf.txt", "kernel.perf.txt", "multievent.perf.txt", "sched.perf.txt",
                "templates.perf.txt", "cpuburn-srcline.perf.txt", "threads-pidtid.perf.txt",
                "threads-ns.perf.txt", "nocallchain.perf.txt", "perfdata/switch.perf.txt",
                "perfdata/buildid-mmap.perf.txt", "perfdata/dwarf.perf.txt"]:
        write("PerfScript", os.path.basename(rel), head_records(read(rel)))

    for rel in ["sleepy.timehist.txt", "sleepy.timehist-S.txt", "sleepy.timehist-V-state-w-M-n.txt",
                "sleepy.timehist-maxstack-p.txt"]:
        write("Timehist", rel, head_lines(read("offcpu/" + rel)))

    for rel in ["offcputime.bcc-format.txt", "offcputime-d.bcc-format.txt", "offwaketime.bcc-format.txt",
                "offwaketime-d.bcc-format.txt"]:
        write("BccOffCPU", rel, read("offcpu/" + rel))

    for rel in ["sleepy.bpftrace-offcpu.txt", "sleepy.bpftrace-offwake.txt"]:
        # Entries end with "]: VALUE" lines; a cut there keeps whole entries.
        text = read("offcpu/" + rel)
        cut = text.rfind(b"]: ", 0, TEXT_BUDGET)
        write("Bpftrace", rel, text[: text.index(b"\n", cut) + 1] if cut > 0 else text[:TEXT_BUDGET])
    for rel in ["sleepy.bpftrace-offcpu.json", "sleepy.bpftrace-offwake.json"]:
        write("BpftraceJSON", rel, bpftrace_json(read("offcpu/" + rel)))

    for rel in ["golden/cpuburn.collapsed", "golden/kernel.collapsed-kernel", "golden/multievent.collapsed-all",
                "golden/templates.flame-folded", "golden/threads-pidtid.collapsed-tid"]:
        write("Folded", os.path.basename(rel), head_lines(read(rel)))
    for rel in ["offcputime-f.bcc-format.txt", "offwaketime-f.bcc-format.txt"]:
        write("Folded", rel, read("offcpu/" + rel))

    # Demangler inputs: the first byte picks a prefix ('0' none), the rest is the symbol.
    names = [
        "_ZN2ns1WIlE4spinEl", "_ZNKSt8functionIFiiiEEclEii", "_ZN4core3fmt5write17h0123456789abcdefE",
        "_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$7reserve17h1a2b3c4d5e6f7a8bE",
        "_RNvCs1234_7mycrate3foo", "_RINvNtCs1234_4core3ptr13drop_in_placeNtCs5678_5alloc6StringEB2_",
        "_RNvMs_Cs4Cv8Wi1oAIB_7mycrateNtB4_3Foo3bar", "$s6swprog5driveyS2iF", "$s4main3FooV3baryyF",
        "_ZZ4mainENKUlvE_clEv", "_ZSt4sortIN9__gnu_cxx17__normal_iteratorIPiSt6vectorIiSaIiEEEEEvT_S7_",
        "main", "_ZN3foo3barE.cold", "_RNCNvCsbmNqQUJIY6D_4core4main0B3_",
    ]
    for i, n in enumerate(names):
        write("Demangle", "name%02d" % i, b"0" + n.encode())

    # Render: a tab-separated header line (title, subtitle, notes, count name, name label, font),
    # then folded stacks; the first byte also picks the view (its value modulo 6).
    hostile = [
        b"app;<img src=x onerror=alert(1)> 30", b"app;\"];alert(1);// 20",
        b"app;<script>alert(2)</script>;]]><script>alert(3)</script> 10",
        b"app;x' onmouseover='alert(4) 5", b"app;bidi\xe2\x80\xaegnp.exe;line\xe2\x80\xa8sep 4",
        b"app;ctl\x01\x1b[31m\x7f;bad\xff\xc0\xaf 3", b"app;main 35",
    ]
    folded = head_lines(read("golden/cpuburn.collapsed"), 2048)
    for k, lead in enumerate(b"TUVWXY"):
        header = bytes([lead]) + b"itle <b>&amp;\tsub\"title\tnotes ]]>\tsamples\tFunction:\tVerdana"
        write("Render", "view%d" % k, header + b"\n" + b"\n".join(hostile) + b"\n" + folded)


if __name__ == "__main__":
    sys.exit(main())
