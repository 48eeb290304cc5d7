import Foundation
import XCTest
import TestSupport
@testable import PerfData

/// Header, attrs and feature sections against known values and `perf report --header-only` / `perf buildid-list`.
final class HeaderTests: XCTestCase {
    func testCpuburnHeader() throws {
        let f = try PerfDataFile(path: Fixtures.path("cpuburn.data"))
        let h = f.header
        XCTAssertFalse(h.isPipe)
        XCTAssertEqual(h.hostname, "vm")
        XCTAssertEqual(h.osRelease, "6.18.44-fc-v657")
        XCTAssertEqual(h.perfVersion, "6.1.187")
        XCTAssertEqual(h.arch, "x86_64")
        XCTAssertEqual(h.nrCPUsOnline, 2)
        XCTAssertEqual(h.nrCPUsAvailable, 2)
        XCTAssertEqual(h.cpuDescription, "AMD EPYC")
        XCTAssertEqual(h.totalMemoryKB, 24_684_092)
        XCTAssertEqual(h.cmdline, ["/usr/bin/perf", "record", "-F", "997", "-g", "-o", "cpuburn.data", "--", "./cpuburn"])
        XCTAssertEqual(h.sampleTimeFirst.map { $0 / 1000 }, 2_509_234_801)
        XCTAssertEqual(h.sampleTimeLast.map { $0 / 1000 }, 2_510_161_057)
        XCTAssertEqual(f.dataRange, 264..<(264 + 101_792))
        XCTAssertEqual(h.events.count, 1)
        let e = h.events[0]
        XCTAssertEqual(e.name, "cpu-clock:ppp")
        XCTAssertEqual(e.ids, [2888, 2889])
        XCTAssertEqual(e.type, 1)
        XCTAssertEqual(e.attrSize, 128)
        XCTAssertEqual(e.sampleType, [.ip, .tid, .time, .callchain, .period])
        XCTAssertEqual(e.readFormat, [.id, .lost])
        XCTAssertTrue(e.freq)
        XCTAssertEqual(e.sampleFreq, 997)
        XCTAssertTrue(e.sampleIDAll)
        XCTAssertTrue(e.mmap2)
        XCTAssertTrue(e.commExec)
        XCTAssertEqual(e.preciseIP, 3)
        XCTAssertFalse(e.excludeCallchainUser)
        XCTAssertEqual(h.buildIDs.map { "\($0.buildID) \($0.filename)" }, [
            "48dc540c8b76393804ca8088dbfa7d42911a9444 [kernel.kallsyms]",
            "30059e7143c09b3b90b66bb9a334d628966eaff3 /tmp/flametd/cpuburn",
            "e025128345ce65b719dab776555f2b64ee0204a1 [vdso]",
        ])
        XCTAssertEqual(h.buildIDs.map(\.cpumode), [1, 2, 2])
        XCTAssertTrue(f.warnings.isEmpty, "\(f.warnings)")
    }

    /// Build-ids and event names of every capture agree with perf's own tools run now.
    func testAgainstLivePerf() throws {
        guard let perf = Perf.path else { throw Live.skip("perf is not installed") }
        for name in ["cpuburn", "threads", "templates", "multievent", "nocallchain", "kernel", "sched"].map({ "\($0).data" })
            + ["pipe", "zstd", "switch", "switch-a", "dwarf"].map({ "perfdata/\($0).data" }) {
            let f = try PerfDataFile(path: Fixtures.path(name))
            let header = try Perf.run(perf, ["report", "-i", Fixtures.path(name), "--header-only"])
            let names = header.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# event : name = ") else { return nil }
                return String(line.dropFirst(17).prefix { $0 != "," })
            }
            XCTAssertEqual(f.header.events.map(\.name), names, name)
            if let host = header.split(separator: "\n").first(where: { $0.hasPrefix("# hostname : ") }) {
                XCTAssertEqual(f.header.hostname, String(host.dropFirst(13)), name)
            }
            if !name.contains("pipe") && !name.contains("zstd") && !name.contains("dwarf") {
                let ids = try Perf.run(perf, ["buildid-list", "-i", Fixtures.path(name)])
                XCTAssertEqual(f.header.buildIDs.map { "\($0.buildID) \($0.filename)" },
                               ids.split(separator: "\n").map(String.init), name)
            }
        }
    }

    func testPipeHeader() throws {
        let f = try PerfDataFile(path: Fixtures.path("perfdata/pipe.data"))
        XCTAssertTrue(f.header.isPipe)
        XCTAssertEqual(f.dataRange.lowerBound, 16)
        XCTAssertEqual(f.header.events.map(\.name), ["cpu-clock:ppp"])
        XCTAssertEqual(f.header.events[0].ids, [51, 52])
        XCTAssertTrue(f.header.events[0].sampleType.contains(.id))
        XCTAssertEqual(f.header.hostname, "vm")
        XCTAssertEqual(f.header.cmdline.last, "0.2")
        // HEADER_FEATURE records end with perf 6.1's HEADER_LAST_FEATURE marker.
        XCTAssertEqual(f.header.features.last, PerfFeature.last)
        XCTAssertTrue(f.header.buildIDs.isEmpty)
    }

    func testCompressedHeader() throws {
        let f = try PerfDataFile(path: Fixtures.path("perfdata/zstd.data"))
        XCTAssertEqual(f.header.compression?.type, 1)
        XCTAssertGreaterThan(f.header.compression?.mmapLength ?? 0, 0)
        // `perf record -z` writes no BUILD_ID feature.
        XCTAssertFalse(f.header.features.contains(PerfFeature.buildID))
        let report = try f.forEachRecord { _ in }
        XCTAssertGreaterThan(report.compressedRecords, 0)
        XCTAssertGreaterThan(report.decompressedBytes, 0)
    }

    func testMultiEventNamesAndIDs() throws {
        let f = try PerfDataFile(path: Fixtures.path("multievent.data"))
        XCTAssertEqual(f.header.events.map(\.name), ["cpu-clock", "page-faults"])
        // Two events without IDENTIFIER: perf finds the owner through ID at its position after IP|TID|TIME.
        XCTAssertTrue(f.header.events.allSatisfy { $0.sampleType.contains(.id) && !$0.sampleType.contains(.identifier) })
        XCTAssertEqual(Set(f.header.events[0].ids).intersection(f.header.events[1].ids), [])
    }

    func testSchedEventsAndTracingData() throws {
        let f = try PerfDataFile(path: Fixtures.path("sched.data"))
        XCTAssertEqual(f.header.events.map(\.name), ["sched:sched_switch", "sched:sched_stat_runtime",
                                                     "sched:sched_process_fork", "sched:sched_wakeup_new",
                                                     "sched:sched_migrate_task", "sched:sched_waking", "dummy:HG"])
        let t = try XCTUnwrap(f.header.tracing)
        XCTAssertEqual(t.version, "0.6")
        XCTAssertFalse(t.bigEndian)
        XCTAssertEqual(t.longSize, 8)
        XCTAssertEqual(t.pageSize, 4096)
        XCTAssertTrue(t.headerPage.contains("field: u64 timestamp"))
        XCTAssertTrue(t.headerEvent.contains("type_len"))
        let sw = try XCTUnwrap(f.tracepointFormat(event: 0))
        XCTAssertEqual(sw.fullName, "sched:sched_switch")
        XCTAssertEqual(sw.id, f.header.events[0].config)
        XCTAssertEqual(sw.fields.filter { !$0.isCommon }.map(\.name),
                       ["prev_comm", "prev_pid", "prev_prio", "prev_state", "next_comm", "next_pid", "next_prio"])
        let comm = try XCTUnwrap(sw.field("prev_comm"))
        XCTAssertEqual(comm.arrayLength, 16)
        XCTAssertTrue(comm.isString)
        XCTAssertEqual(sw.field("prev_state")?.size, 8)
        XCTAssertEqual(sw.field("prev_state")?.isSigned, true)
        let rt = try XCTUnwrap(f.tracepointFormat(event: 1))
        XCTAssertEqual(rt.field("comm")?.isDataLoc, true)
        XCTAssertTrue(rt.field("comm")?.isString ?? false)
        // Formats of events not recorded are not in the file; the recorded ones all are.
        XCTAssertEqual(Set(t.formats.map(\.fullName)).isSuperset(of: f.header.events.dropLast().map(\.name)), true)
        XCTAssertTrue(f.tracepointFormat(event: 6) == nil, "dummy:HG is not a tracepoint")
    }

    /// Attrs shorter than today's 128 bytes (older perf) read as zero past their size; longer ones are cut.
    func testShortAndLongAttr() throws {
        let f = try PerfDataFile(path: Fixtures.path("perfdata/dwarf.data"))
        let full = f.header.events[0]
        XCTAssertEqual(full.sampleRegsUser, 0xff0fff)
        XCTAssertEqual(full.sampleStackUser, 4096)
        XCTAssertTrue(full.excludeCallchainUser)
        var bytes = [UInt8](repeating: 0, count: 200)
        // type 1, size 72 (VER1), config 0, period 4000, sample_type IP|TID, regs beyond the size.
        func put<T: FixedWidthInteger>(_ v: T, _ o: Int) { withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(o..<(o + $0.count), with: $0) } }
        put(UInt32(1), 0); put(UInt32(72), 4); put(UInt64(4000), 16); put(UInt64(3), 24); put(UInt64(0xff), 80)
        put(UInt32(4096), 88)
        let e = bytes.withUnsafeBytes { b in PerfEvent(attr: b.prefix(PerfEvent.attrLength(in: b))) }
        XCTAssertEqual(e.samplePeriod, 4000)
        XCTAssertEqual(e.sampleType, [.ip, .tid])
        XCTAssertEqual(e.sampleRegsUser, 0, "past attr.size")
        XCTAssertEqual(e.sampleStackUser, 0, "past attr.size")
    }
}

/// Runs the installed perf for oracle checks.
enum Perf {
    static var path: String? {
        ["/usr/bin/perf", "/usr/local/bin/perf"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ perf: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: perf)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
