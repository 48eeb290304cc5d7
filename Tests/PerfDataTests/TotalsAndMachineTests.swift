import XCTest
@testable import PerfData

/// Sample counts and period sums per event against `perf report`, and MachineState lookups.
final class TotalsAndMachineTests: XCTestCase {
    func testTotalsMatchPerfReport() throws {
        let names = ["cpuburn", "threads", "templates", "multievent", "nocallchain", "kernel", "sched"]
            + ["pipe", "zstd", "buildid-mmap", "switch", "switch-a", "dwarf"].map { "perfdata/\($0)" }
        for name in names {
            let f = try PerfDataFile(path: Fixtures.path("\(name).data"))
            var count = [Int](repeating: 0, count: f.header.events.count)
            var period = [UInt64](repeating: 0, count: f.header.events.count)
            let report = try f.forEachRecord { r in
                if case .sample(let s) = r { count[s.eventIndex!] += 1; period[s.eventIndex!] += s.period }
            }
            XCTAssertNil(report.error)
            XCTAssertEqual(report.lostSamples, 0)
            let lines = try Fixtures.text("\(name).report-totals.txt").split(separator: "\n")
            XCTAssertEqual(lines.count % 2, 0)
            for i in stride(from: 0, to: lines.count, by: 2) {
                // "# Samples: 901  of event 'cpu-clock:ppp'" / "# Event count (approx.): 903711109"
                let l = lines[i]
                let event = String(l[l.index(after: l.firstIndex(of: "'")!)..<l.lastIndex(of: "'")!])
                let n = l.dropFirst("# Samples: ".count).prefix { $0 != " " }
                let idx = try XCTUnwrap(f.header.events.firstIndex { $0.name == event }, "\(name): \(event)")
                if n.hasSuffix("K") {
                    XCTAssertEqual(count[idx] / 1000, Int(n.dropLast())!, "\(name) \(event)")
                } else {
                    XCTAssertEqual(count[idx], Int(n)!, "\(name) \(event)")
                }
                XCTAssertEqual(period[idx], UInt64(lines[i + 1].split(separator: " ").last!)!, "\(name) \(event)")
            }
        }
    }

    /// Every user frame of cpuburn.data resolves to the program or libc, at the file offset perf printed.
    func testCpuburnUserFramesResolve() throws {
        let f = try PerfDataFile(path: Fixtures.path("cpuburn.data"))
        let perf = ScriptParser.parse(try Fixtures.text("cpuburn.perf.txt"))
        let machine = MachineState()
        var i = 0
        var userFrames = 0
        try f.forEachRecord { r in
            guard case .sample(let s) = r else { machine.apply(r); return }
            let expected = perf[i].frames
            i += 1
            for (k, fr) in s.frames.enumerated() where !fr.isKernel {
                let m = try XCTUnwrap(machine.map(pid: s.pid, address: fr.address, cpumode: fr.cpumode))
                XCTAssertTrue(["/tmp/flametd/cpuburn", "/usr/lib/x86_64-linux-gnu/libc.so.6"].contains(m.filename), m.filename)
                XCTAssertTrue(m.isExecutable)
                XCTAssertFalse(m.isKernel)
                XCTAssertEqual(m.fileOffset, expected[k].address)
                XCTAssertEqual(m.dsoName, expected[k].dso)
                userFrames += 1
            }
        }
        XCTAssertEqual(i, 901)
        XCTAssertGreaterThan(userFrames, 3000)
        XCTAssertEqual(machine.comm(tid: perf[0].tid), "cpuburn")
        XCTAssertEqual(machine.comm(tid: 999_999), ":999999")
        XCTAssertEqual(machine.dsoName(pid: perf[0].tid, address: 0x10, cpumode: 2), "[unknown]")
        XCTAssertEqual(machine.map(pid: -1, address: 0xffff_ffff_8100_1000, cpumode: 1)?.dsoName, "[kernel.kallsyms]")
        XCTAssertEqual(machine.map(pid: -1, address: 0xffff_ffff_8100_1000, cpumode: 1)?.fileOffset, 0xffff_ffff_8100_1000)
    }

    /// `--buildid-mmap`: MMAP2 records carry build-ids (misc bit 14); they reach the maps.
    func testBuildIDMmap() throws {
        let f = try PerfDataFile(path: Fixtures.path("perfdata/buildid-mmap.data"))
        let machine = MachineState()
        var ids: [String: String] = [:]
        try f.forEachRecord { r in
            machine.apply(r)
            if case .mmap(let m) = r, m.isMmap2, let id = m.buildID {
                XCTAssertEqual(m.misc & PerfRecordMisc.mmapBuildID, PerfRecordMisc.mmapBuildID)
                ids[m.filename] = id
            }
        }
        XCTAssertEqual(ids["/tmp/flametd/threads"], "70e3fec45aeac4868b762fc5420edf14fd845016")
        XCTAssertEqual(ids["/usr/lib/x86_64-linux-gnu/libc.so.6"], "93ac61ec5a8eb1396f9fbd350e3169a558528a40")
        XCTAssertTrue(machine.maps(pid: -1).contains { $0.filename == "[kernel.kallsyms]_text" })
    }

    /// DWARF-mode samples: user regs and stack, exclude_callchain_user.
    func testDwarfSamplesCarryRegsAndStack() throws {
        let f = try PerfDataFile(path: Fixtures.path("perfdata/dwarf.data"))
        var n = 0
        try f.forEachRecord { r in
            guard case .sample(let s) = r, s.cpumode == 2 else { return }
            n += 1
            XCTAssertEqual(s.regsUser.abi, 2)
            XCTAssertEqual(s.regsUser.values.count, 20)
            XCTAssertEqual(s.regsUser.value(register: 8), s.ip, "perf register 8 is IP")
            XCTAssertNotNil(s.regsUser.value(register: 7))
            XCTAssertEqual(s.stackUser.data.count, 4096)
            XCTAssertGreaterThan(s.stackUser.dynSize, 0)
            XCTAssertLessThanOrEqual(s.stackUser.valid.count, 4096)
            XCTAssertTrue(s.callchain.allSatisfy { $0 >= PerfContext.max || $0 >= 0xffff_0000_0000_0000 }, "no user frames")
        }
        XCTAssertGreaterThan(n, 10)
    }

    /// A new map cuts overlapping older ones (perf's maps__fixup_overlappings); a forked process copies the maps.
    func testMapOverlapAndFork() {
        let m = MachineState()
        func mmap(_ pid: Int32, _ start: UInt64, _ len: UInt64, _ pgoff: UInt64, _ name: String) -> PerfRecord {
            var r = MmapRecord(offset: 0, misc: 2, isMmap2: true, pid: pid, tid: pid, start: start, length: len, pgoff: pgoff,
                               filename: name, sampleID: SampleID())
            r.prot = 5
            return .mmap(r)
        }
        m.apply(mmap(10, 0x1000, 0x5000, 0, "/a"))
        m.apply(mmap(10, 0x2000, 0x1000, 0x1000, "/b"))
        XCTAssertEqual(m.maps(pid: 10).map { "\($0.filename) \(String($0.start, radix: 16))-\(String($0.end, radix: 16)) @\(String($0.pgoff, radix: 16))" },
                       ["/a 1000-2000 @0", "/b 2000-3000 @1000", "/a 3000-6000 @2000"])
        XCTAssertEqual(m.map(pid: 10, address: 0x3010, cpumode: 2)?.fileOffset, 0x2010)
        m.apply(mmap(10, 0x500, 0x3000, 0, "/c"))
        XCTAssertEqual(m.maps(pid: 10).map(\.filename), ["/c", "/a"])
        XCTAssertEqual(m.maps(pid: 10).last?.start, 0x3500)
        m.apply(.comm(CommRecord(offset: 0, misc: 0, pid: 10, tid: 10, comm: "parent", sampleID: SampleID())))
        m.apply(.fork(TaskRecord(offset: 0, pid: 11, ppid: 10, tid: 11, ptid: 10, time: 1, sampleID: SampleID())))
        m.apply(.fork(TaskRecord(offset: 0, pid: 10, ppid: 10, tid: 12, ptid: 10, time: 1, sampleID: SampleID())))
        XCTAssertEqual(m.maps(pid: 11).map(\.filename), ["/c", "/a"])
        XCTAssertEqual(m.comm(tid: 11), "parent")
        XCTAssertEqual(m.comm(tid: 12), "parent")
        XCTAssertEqual(m.pid(tid: 12), 10)
        m.apply(mmap(11, 0x9000, 0x1000, 0, "/child-only"))
        XCTAssertNil(m.map(pid: 10, address: 0x9000, cpumode: 2), "the copy is the child's own")
        XCTAssertEqual(m.comm(tid: 0), "swapper")
    }

    func testCallchainMarkers() throws {
        let f = try PerfDataFile(path: Fixtures.path("kernel.data"))
        var sawBoth = false
        try f.forEachRecord { r in
            guard case .sample(let s) = r else { return }
            let frames = Array(s.frames)
            XCTAssertEqual(frames.count, s.callchain.filter { $0 < PerfContext.max }.count)
            XCTAssertEqual(frames.first?.address, s.ip, "the first callchain entry is the ip")
            XCTAssertEqual(frames.first?.cpumode, s.cpumode)
            if frames.contains(where: \.isKernel) && frames.contains(where: { !$0.isKernel }) {
                sawBoth = true
                XCTAssertEqual(frames.firstIndex { !$0.isKernel }, frames.lastIndex(where: \.isKernel).map { $0 + 1 })
            }
        }
        XCTAssertTrue(sawBoth)
    }
}
