import XCTest
import TestSupport
@testable import PerfData

/// Broken and hostile files: errors and warnings with byte offsets, never a crash, and what was read is kept.
final class HostileInputTests: XCTestCase {
    /// (offset, end) of every sample of a file in file order, from an unordered walk.
    private func sampleExtents(_ f: PerfDataFile) throws -> [Int] {
        var out: [Int] = []
        try f.forEachRecord(ordered: false) { r in if case .sample(let s) = r { out.append(s.offset) } }
        return out
    }

    private func walk(_ bytes: [UInt8], _ name: String = "cut.data") throws -> (PerfDataFile, PerfReadReport, Int) {
        let f = try PerfDataFile(bytes: bytes, name: name)
        var samples = 0
        let r = try f.forEachRecord { rec in if case .sample = rec { samples += 1 } }
        return (f, r, samples)
    }

    func testZeroLengthFile() {
        XCTAssertThrowsError(try PerfDataFile(bytes: [], name: "empty.data")) { e in
            XCTAssertEqual((e as? PerfDataError)?.description, "empty.data: truncated file header at byte 0 (needs 8 bytes, file ends at 0)")
        }
    }

    func testBadMagic() throws {
        var b = try Fixtures.bytes("cpuburn.data")
        b[0] = UInt8(ascii: "X")
        XCTAssertThrowsError(try PerfDataFile(bytes: b, name: "x.data")) { e in
            guard case .badMagic? = e as? PerfDataError else { return XCTFail("\(e)") }
        }
    }

    func testOtherEndianIsRejected() throws {
        var b = try Fixtures.bytes("cpuburn.data")
        b[0..<8].reverse()
        XCTAssertThrowsError(try PerfDataFile(bytes: b, name: "be.data")) { e in
            XCTAssertEqual(e as? PerfDataError, .otherEndian(file: "be.data"))
            XCTAssertTrue("\(e)".contains("other endianness"))
        }
    }

    /// A cut in the middle of the data section: every sample before the cut is delivered, and the error names the offset.
    func testCutInDataSectionKeepsEarlierSamples() throws {
        let full = try Fixtures.bytes("cpuburn.data")
        let whole = try PerfDataFile(bytes: full, name: "full")
        let offsets = try sampleExtents(whole)
        let cut = whole.dataRange.lowerBound + whole.dataRange.count / 2 + 3
        let (f, report, samples) = try walk(Array(full[0..<cut]))
        let ends = offsets.map { $0 + Int(full[$0 + 6]) + Int(full[$0 + 7]) << 8 }
        XCTAssertEqual(samples, ends.filter { $0 <= cut }.count, "every sample wholly before the cut")
        XCTAssertGreaterThan(samples, 300)
        guard case .truncatedRecord(_, let at, let type, _, let end)? = report.error else { return XCTFail("\(String(describing: report.error))") }
        XCTAssertLessThanOrEqual(at, cut)
        XCTAssertEqual(end, cut)
        XCTAssertEqual(type, PerfRecordType.sample)
        XCTAssertTrue(report.error!.description.contains("truncated record at byte \(at) (type 9"), report.error!.description)
        // The feature sections are gone too: reported with the offsets perf would have read them at.
        XCTAssertFalse(f.warnings.isEmpty)
        XCTAssertTrue(f.warnings.allSatisfy { $0.offset > 0 })
    }

    /// Every cut point of three files (file mode, pipe mode, compressed) gives an error or warning with an offset.
    func testEveryCutReportsAnOffset() throws {
        for name in ["nocallchain.data", "perfdata/pipe.data", "perfdata/zstd.data"] {
            let full = try Fixtures.bytes(name)
            var cuts = Array(stride(from: 0, to: full.count, by: max(1, full.count / 700)))
            cuts = Array(Set(cuts + [1, 7, 8, 15, 16, 17, 103, 104, 105, full.count - 1])).sorted()
            var lastSamples = -1
            for cut in cuts where cut < full.count {
                let part = Array(full[0..<cut])
                let f: PerfDataFile
                do {
                    f = try PerfDataFile(bytes: part, name: "cut")
                } catch let e as PerfDataError {
                    XCTAssertTrue(e.description.contains("byte"), "\(name) cut \(cut): \(e)")
                    continue
                }
                var samples = 0
                let r = try f.forEachRecord { rec in if case .sample = rec { samples += 1 } }
                let problems = f.warnings + r.warnings + (r.error.map { [$0] } ?? [])
                XCTAssertFalse(problems.isEmpty, "\(name) cut at \(cut): no error or warning")
                XCTAssertTrue(problems.allSatisfy { $0.description.contains("byte") }, "\(name) cut \(cut): \(problems)")
                XCTAssertGreaterThanOrEqual(samples, lastSamples, "\(name): a longer prefix never yields fewer samples")
                lastSamples = samples
            }
        }
    }

    func testPipeCutMidRecord() throws {
        let full = try Fixtures.bytes("perfdata/pipe.data")
        let whole = try PerfDataFile(bytes: full, name: "pipe")
        let offsets = try sampleExtents(whole)
        let target = offsets[offsets.count / 2]
        let (_, report, samples) = try walk(Array(full[0..<(target + 20)]), "pipe-cut")
        XCTAssertEqual(samples, offsets.count / 2)
        XCTAssertEqual(report.error, .truncatedRecord(file: "pipe-cut", offset: target, type: 9,
                                                     size: Int(full[target + 6]) | Int(full[target + 7]) << 8, end: target + 20))
    }

    func testUnknownRecordTypeIsSkippedAndCounted() throws {
        // Pipe mode: insert a 24-byte record of type 200 before the first sample.
        let full = try Fixtures.bytes("perfdata/pipe.data")
        let whole = try PerfDataFile(bytes: full, name: "pipe")
        let first = try sampleExtents(whole)[0]
        var rec: [UInt8] = [200, 0, 0, 0, 0, 0, 24, 0]
        rec += [UInt8](repeating: 0xee, count: 16)
        let patched = Array(full[0..<first]) + rec + Array(full[first...])
        let (_, report, samples) = try walk(patched)
        XCTAssertNil(report.error)
        XCTAssertEqual(report.unknownTypes, [200: 1])
        XCTAssertEqual(samples, try sampleExtents(whole).count)
        XCTAssertTrue(report.messages.contains("cut.data: skipped records of unknown type: type 200 x1"), "\(report.messages)")

        // File mode: retype FINISHED_INIT (same size, nothing moves).
        var b = try Fixtures.bytes("cpuburn.data")
        let f = try PerfDataFile(bytes: b, name: "c")
        var at: Int?
        try f.forEachRecord(ordered: false) { r in if case .finishedInit(let o) = r { at = o } }
        b[try XCTUnwrap(at)] = 201
        let (_, r2, s2) = try walk(b)
        XCTAssertEqual(r2.unknownTypes, [201: 1])
        XCTAssertEqual(s2, 901)
    }

    /// PERF_RECORD_AUXTRACE (Intel PT, CoreSight) is followed by `size` bytes of AUX data outside its
    /// header.size: they are stepped over, not read as records; cut short, they are a truncation.
    func testAuxtraceDataIsSteppedOver() throws {
        let full = try Fixtures.bytes("perfdata/pipe.data")
        let whole = try PerfDataFile(bytes: full, name: "pipe")
        let first = try sampleExtents(whole)[0]
        // header (type 71, size 48), then size, offset, reference (u64), idx, tid, cpu, reserved (u32).
        var rec: [UInt8] = [71, 0, 0, 0, 0, 0, 48, 0]
        withUnsafeBytes(of: UInt64(32).littleEndian) { rec += $0 }
        rec += [UInt8](repeating: 0, count: 32)
        // AUX bytes that would read as a record of size 0 (a stop) if the walker took them for one.
        let aux = [UInt8](repeating: 0, count: 32)
        let patched = Array(full[0..<first]) + rec + aux + Array(full[first...])
        let (_, report, samples) = try walk(patched)
        XCTAssertNil(report.error)
        XCTAssertEqual(samples, try sampleExtents(whole).count)
        XCTAssertEqual(report.recordCounts[71], 1)
        // The AUX data runs past the end: a truncation at the record's offset.
        let cut = Array(full[0..<first]) + rec + aux.prefix(8)
        let (_, r2, _) = try walk(cut)
        guard case .truncatedRecord(_, let offset, let type, _, _)? = r2.error else { return XCTFail("\(String(describing: r2.error))") }
        XCTAssertEqual(offset, first)
        XCTAssertEqual(type, 71)
    }

    func testRecordSizeZeroStopsWithOffset() throws {
        var b = try Fixtures.bytes("cpuburn.data")
        let offsets = try sampleExtents(try PerfDataFile(bytes: b, name: "c"))
        let victim = offsets[100]
        b[victim + 6] = 0
        b[victim + 7] = 0
        let (_, report, samples) = try walk(b, "zero.data")
        XCTAssertEqual(report.error, .badRecordSize(file: "zero.data", offset: victim, type: 9, size: 0))
        XCTAssertEqual(report.error?.description, "zero.data: bad record size 0 at byte \(victim) (type 9); reading stopped")
        XCTAssertEqual(samples, 100)
    }

    func testSampleLargerThanItsRecord() throws {
        var b = try Fixtures.bytes("cpuburn.data")
        let offsets = try sampleExtents(try PerfDataFile(bytes: b, name: "c"))
        let victim = offsets[10]
        // IP, TID, TIME, PERIOD precede the callchain nr (sample_type 0x127): make nr huge.
        let nrAt = victim + 8 + 8 + 8 + 8 + 8
        for i in 0..<8 { b[nrAt + i] = 0x7f }
        let (_, report, samples) = try walk(b, "big.data")
        guard case .badSample(_, let at, 0, let size, let need)? = report.error else { return XCTFail("\(String(describing: report.error))") }
        XCTAssertEqual(at, victim)
        XCTAssertGreaterThan(need, size)
        XCTAssertEqual(samples, 10)
    }

    /// Random byte corruption in the data section never traps.
    func testRandomCorruptionNeverCrashes() throws {
        var rng = SeededGenerator(seed: 0x5EED_0C0FFEE)
        for name in ["sched.data", "perfdata/zstd.data", "perfdata/pipe.data", "perfdata/dwarf.data"] {
            let full = try Fixtures.bytes(name)
            let start = try PerfDataFile(bytes: full, name: name).dataRange.lowerBound
            for _ in 0..<60 {
                var b = full
                for _ in 0..<8 { b[Int.random(in: start..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                guard let f = try? PerfDataFile(bytes: b, name: "fuzz") else { continue }
                let m = MachineState()
                _ = try f.forEachRecord { r in
                    m.apply(r)
                    if case .sample(let s) = r {
                        for fr in s.frames { _ = m.map(pid: s.pid, address: fr.address, cpumode: fr.cpumode) }
                        if let fmt = f.tracepointFormat(event: s.eventIndex ?? -1) { _ = fmt.render(s.raw) }
                        _ = s.stackUser.valid.count
                    }
                }
            }
        }
    }
}
