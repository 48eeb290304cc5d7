import XCTest
import ProfileModel
import Fold
import Symbolize

/// One reading of a capture for both views gives what two readings gave, byte for byte: the
/// folded stacks, the notes (a symbol warning once, not once per view), the per-process table and
/// the off-CPU summary, on every committed capture (perf.data and text) that holds samples,
/// switches, or both.
final class CaptureLoaderTests: XCTestCase {
    private func options() -> CollapseOptions {
        var o = CollapseOptions()
        var s = SymbolizeOptions()
        s.diskCache = nil
        o.symbolOptions = s
        return o
    }

    /// An off-CPU result as text; `said`: symbol warnings the on-CPU view of the same walk said
    /// already, which the off-CPU view does not repeat.
    private func describe(_ r: Result<OffCPUResult, Error>, said: [Diagnostic] = []) -> String {
        switch r {
        case .success(let v):
            let s = v.summary
            let notes = v.profile.diagnostics.filter { !($0.topic == .symbols && said.contains($0)) }.map(\.description)
            return String(decoding: FoldedWriter.bytes(v.profile, divisor: 1), as: UTF8.self) + notes.joined(separator: "\n")
                + "\n\(s?.totalNanoseconds ?? 0) \(s?.idleNanoseconds ?? 0) \(s?.switchOuts ?? 0) \(s?.openAtEnd ?? 0) "
                + "\(v.profile.processes?.rows.count ?? -1) \(v.profile.duration ?? 0)"
        case .failure(let e):
            return "error: \(e)"
        }
    }

    /// One capture, read both ways with the given filter; fails on the first difference.
    private func compare(_ path: String, filter: ProcessFilter = ProcessFilter(),
                         _ label: String, file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        var on = options()
        on.filter = filter
        let off = on
        let separate = Result { try ProfileLoader.load(path: path, options: on, threads: 1).0 }
        let views = Result { try CaptureLoader.load(path: path, collapse: on, offCPU: OffCPUOptions(), threads: 1) }
        switch (views, separate) {
        case let (.success(v), .success(p)):
            guard let on = v.on else { XCTFail("\(label): no on-CPU view", file: file, line: line); return false }
            XCTAssertEqual(FoldedWriter.bytes(on), FoldedWriter.bytes(p), label, file: file, line: line)
            XCTAssertEqual(on.notes, p.notes, label, file: file, line: line)
            XCTAssertEqual(on.event, p.event, label, file: file, line: line)
            XCTAssertEqual(on.processes.map { $0.rows.map { "\($0.pid) \($0.onCPU ?? 0) \($0.threads)" } },
                           p.processes.map { $0.rows.map { "\($0.pid) \($0.onCPU ?? 0) \($0.threads)" } }, label, file: file, line: line)
            let twice = Result { try OffCPULoader.load(path: path, collapse: off, options: OffCPUOptions()) }
            // The views share one symbolizer: a symbol warning is said once, by the on-CPU view.
            XCTAssertEqual(v.off.map { describe($0) }, describe(twice, said: on.diagnostics), label, file: file, line: line)
            if case .success(let o) = twice { return o.profile.totalWeight > 0 && p.totalSamples > 0 }
        case let (.failure(a), .failure(b)):
            XCTAssertEqual("\(a)", "\(b)", label, file: file, line: line)
        default:
            XCTFail("\(label): one reading gave \(views), two gave \(separate)", file: file, line: line)
        }
        return false
    }

    func testOneReadingEqualsTwo() throws {
        // perf.data only: text holds one kind of event per reading and is read by each loader in turn.
        let captures = ["offcpu/waiter.mixed.data", "offcpu/waiter.sched.data", "offcpu/waiter.switch.data", "sched.data",
                        "cpuburn.data", "multievent.data", "perfdata/switch.data", "perfdata/dwarf.data", "perfdata/zstd.data"]
        var both = 0
        for capture in captures {
            let path = RealCaptureTests.testdata.appendingPathComponent(capture).path
            if try compare(path, capture) { both += 1 }
        }
        XCTAssertGreaterThanOrEqual(both, 2, "captures with both views were compared")
    }

    /// A pid selects the same threads in both views, `--tree` follows the FORK records in both,
    /// and a pid the capture lacks fails the same way.
    func testFiltersOfBothViews() throws {
        let path = RealCaptureTests.testdata.appendingPathComponent("offcpu/waiter.mixed.data").path
        let rows = try XCTUnwrap(ProfileLoader.load(path: path, options: options(), threads: 1).0.processes?.rows)
        let pids = rows.map(\.pid).filter { $0 > 0 }.sorted()
        XCTAssertGreaterThanOrEqual(pids.count, 2)
        let (a, b) = (Int(pids[0]), Int(pids[pids.count - 1]))
        _ = try compare(path, filter: ProcessFilter(pids: [a]), "pid \(a)")
        _ = try compare(path, filter: ProcessFilter(pids: [b]), "pid \(b)")
        _ = try compare(path, filter: ProcessFilter(trees: [a]), "--tree \(a)")
        _ = try compare(path, filter: ProcessFilter(trees: [999_999]), "--tree of a pid not in the capture")
    }

    /// Off-CPU only where recorded: a capture without sched_switch gives its samples alone (no
    /// off-CPU error), one with it both views, and text its samples alone.
    func testOffCPUOnlyWhereRecorded() throws {
        for (capture, recorded) in [("cpuburn.data", false), ("offcpu/waiter.mixed.data", true), ("cpuburn.perf.txt", false)] {
            let path = RealCaptureTests.testdata.appendingPathComponent(capture).path
            let views = try CaptureLoader.load(path: path, request: .offCPUIfRecorded, collapse: options(), offCPU: OffCPUOptions(), threads: 1)
            let alone = try ProfileLoader.load(path: path, options: options(), threads: 1).0
            let on = try XCTUnwrap(views.on, capture)
            XCTAssertEqual(FoldedWriter.bytes(on), FoldedWriter.bytes(alone), capture)
            XCTAssertEqual(on.notes, alone.notes, capture)
            XCTAssertEqual(views.off != nil, recorded, capture)
            if recorded { XCTAssertGreaterThan(try XCTUnwrap(views.off).get().profile.totalWeight, 0, capture) }
        }
    }

    /// A truncated capture: what was read before the damage, with the same warnings, both ways.
    func testTruncatedCapture() throws {
        let full = try Data(contentsOf: RealCaptureTests.testdata.appendingPathComponent("offcpu/waiter.mixed.data"))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).data")
        try full.prefix(full.count * 3 / 5).write(to: cut)
        defer { try? FileManager.default.removeItem(at: cut) }
        _ = try compare(cut.path, "cut at 60%")
    }
}
