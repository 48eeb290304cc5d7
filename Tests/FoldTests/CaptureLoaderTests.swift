import XCTest
import ProfileModel
import Fold
import Symbolize

/// One reading of a capture for both views gives what two readings gave, byte for byte: the
/// folded stacks, the notes, the per-process table and the off-CPU summary, on every committed
/// capture (perf.data and text) that holds samples, switches, or both.
final class CaptureLoaderTests: XCTestCase {
    private func options() -> CollapseOptions {
        var o = CollapseOptions()
        var s = SymbolizeOptions()
        s.diskCache = nil
        o.symbolOptions = s
        return o
    }

    private func describe(_ r: Result<OffCPUResult, Error>) -> String {
        switch r {
        case .success(let v):
            let s = v.summary
            return String(decoding: FoldedWriter.bytes(v.profile, divisor: 1), as: UTF8.self) + v.profile.notes.joined(separator: "\n")
                + "\n\(s?.totalNanoseconds ?? 0) \(s?.idleNanoseconds ?? 0) \(s?.switchOuts ?? 0) \(s?.openAtEnd ?? 0) "
                + "\(v.profile.processes?.rows.count ?? -1) \(v.profile.duration ?? 0)"
        case .failure(let e):
            return "error: \(e)"
        }
    }

    func testOneReadingEqualsTwo() throws {
        let captures = ["offcpu/waiter.mixed.data", "offcpu/waiter.sched.data", "offcpu/waiter.switch.data", "sched.data",
                        "cpuburn.data", "multievent.data", "perfdata/switch.data", "perfdata/dwarf.data", "sched.perf.txt",
                        "threads.perf.txt"]
        var both = 0
        for capture in captures {
            let path = RealCaptureTests.testdata.appendingPathComponent(capture).path
            let views = try CaptureLoader.load(path: path, collapse: options(), offCollapse: options(), offCPU: OffCPUOptions(),
                                               threads: 1)
            let on = try ProfileLoader.load(path: path, options: options(), threads: 1).0
            XCTAssertEqual(FoldedWriter.bytes(views.on), FoldedWriter.bytes(on), capture)
            XCTAssertEqual(views.on.notes, on.notes, capture)
            XCTAssertEqual(views.on.event, on.event, capture)
            XCTAssertEqual(views.on.processes?.rows.map(\.pid), on.processes?.rows.map(\.pid), capture)
            let off = Result { try OffCPULoader.load(path: path, collapse: options(), options: OffCPUOptions()) }
            XCTAssertEqual(describe(views.off), describe(off), capture)
            if case .success(let o) = off, o.profile.totalWeight > 0, on.totalSamples > 0 { both += 1 }
        }
        XCTAssertGreaterThanOrEqual(both, 3, "captures with both views were compared")
    }
}
