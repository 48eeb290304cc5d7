import XCTest
import PerfData
import Symbolize
import Capture

/// The one walk of a capture, in process, on the committed captures: every record reaches every
/// view once and in time order, a sample's stack is made once however many views read it, and
/// the scheduler events are what perf prints for them.
final class CaptureWalkTests: XCTestCase {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata")

    /// A view that keeps what it was handed: sample times, the frames of each sample (when
    /// `readsFrames`), scheduler events, and the other records.
    final class Recorder: CaptureView {
        let stacks: CaptureStacks
        let view: Int
        let readsScheduler: Bool
        let readsFrames: Bool
        var times: [UInt64] = []
        var frames: [[Int32]] = []
        var events: [String] = []
        var records = 0

        init(_ stacks: CaptureStacks, scheduler: Bool, frames: Bool) {
            self.stacks = stacks
            view = stacks.registerView()
            readsScheduler = scheduler
            readsFrames = frames
        }

        func sample(_ s: PerfSample, _ event: SchedulerEvent?) {
            times.append(s.time)
            if readsFrames { frames.append(stacks.frames(of: s, view: view)) }
            switch event {
            case let .switched(comm, prev, _, next, _)?:
                events.append("switch \(String(decoding: comm, as: UTF8.self)) \(prev) \(next)")
            case let .woken(pid, _, _)?:
                events.append("waking \(pid)")
            case let .ran(pid, runtime)?:
                events.append("runtime \(pid) \(runtime)")
            case .unreadable?:
                events.append("unreadable")
            case nil:
                break
            }
        }

        func record(_ record: PerfRecord) { records += 1 }
    }

    private func walk(_ name: String) throws -> CaptureWalk {
        let file = try PerfDataFile(path: Self.testdata.appendingPathComponent(name).path)
        var symbols = SymbolizeOptions()
        symbols.diskCache = nil
        let stacks = CaptureStacks(file: file, trees: [], pids: [], symbols: symbols, inlineAndLines: false, unmappedAddresses: false)
        return CaptureWalk(file: file, stacks: stacks)
    }

    func testEveryRecordReachesEveryViewOnceInTimeOrder() throws {
        let walk = try walk("offcpu/waiter.mixed.data")
        let a = Recorder(walk.stacks, scheduler: true, frames: true)
        let b = Recorder(walk.stacks, scheduler: false, frames: false)
        let report = try walk.run([a, b])
        XCTAssertEqual(a.times.count, report.samples)
        XCTAssertEqual(a.times, b.times)
        XCTAssertEqual(a.times, a.times.sorted(), "time order")
        XCTAssertEqual(a.records, b.records)
        XCTAssertGreaterThan(a.records, 0)
        XCTAssertFalse(a.events.isEmpty)
        XCTAssertTrue(b.events.isEmpty, "a view that reads no scheduler events is handed none")
    }

    /// Two views reading every sample's frames get the same keys, and each DWARF sample is
    /// unwound once for both (one ticket per sample, used by both views).
    func testFramesAreMadeOncePerSample() throws {
        let walk = try walk("perfdata/dwarf.data")
        let a = Recorder(walk.stacks, scheduler: false, frames: true)
        let b = Recorder(walk.stacks, scheduler: false, frames: true)
        _ = try walk.run([a, b])
        XCTAssertEqual(a.frames, b.frames)
        _ = walk.stacks.finish()
        let counts = walk.stacks.unwoundCounts(view: a.view)
        XCTAssertEqual(walk.stacks.unwoundStacks, counts.stacks, "one unwinding per sample, not one per view")
        XCTAssertEqual(counts.stacks, walk.stacks.unwoundCounts(view: b.view).stacks)
        XCTAssertGreaterThan(counts.stacks, 20)
        XCTAssertEqual(walk.stacks.unwoundOrder(view: a.view), walk.stacks.unwoundOrder(view: b.view))
        // A view that never asked for a stack used none.
        let c = Recorder(walk.stacks, scheduler: false, frames: false)
        XCTAssertEqual(walk.stacks.unwoundCounts(view: c.view).stacks, 0)
    }

    /// The switches, wakeups and runtimes decoded from the tracepoint formats are those
    /// `perf sched script` printed for the same file, in the same order.
    func testSchedulerEventsAreWhatPerfPrints() throws {
        let walk = try walk("sched.data")
        let view = Recorder(walk.stacks, scheduler: true, frames: false)
        _ = try walk.run([view])
        let text = try String(contentsOf: Self.testdata.appendingPathComponent("sched.perf.txt"), encoding: .utf8)
        var expected: [String] = []
        func field(_ line: Substring, _ name: String) -> String? {
            guard let r = line.range(of: " \(name)=") ?? line.range(of: ": \(name)=") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != " " })
        }
        for line in text.split(separator: "\n") {
            // A comm may hold spaces: it ends where the next field starts.
            if line.contains("sched:sched_switch:"), let c = line.range(of: "prev_comm="), let p = line.range(of: " prev_pid="),
               case let comm = line[c.upperBound..<p.lowerBound], let prev = field(line, "prev_pid"),
               let next = field(line, "next_pid") {
                expected.append("switch \(comm) \(prev) \(next)")
            } else if line.contains("sched:sched_waking:") || line.contains("sched:sched_wakeup:"), let pid = field(line, "pid") {
                expected.append("waking \(pid)")
            } else if line.contains("sched:sched_stat_runtime:"), let pid = field(line, "pid"), let r = field(line, "runtime") {
                expected.append("runtime \(pid) \(r)")
            }
        }
        XCTAssertGreaterThan(expected.filter { $0.hasPrefix("switch") }.count, 50)
        XCTAssertEqual(view.events, expected)
    }

    /// The letters of each switch's prev_state are those perf printed.
    func testStateLettersAreWhatPerfPrints() throws {
        let walk = try walk("sched.data")
        final class States: CaptureView {
            let scheduler: SchedulerEvents
            var letters: [String] = []
            let readsScheduler = true
            init(_ s: SchedulerEvents) { scheduler = s }
            func sample(_ s: PerfSample, _ event: SchedulerEvent?) {
                guard case let .switched(_, _, state, _, index)? = event else { return }
                var out: [UInt8] = []
                scheduler.letters(state, event: index, into: &out)
                letters.append(String(decoding: out, as: UTF8.self))
            }
            func record(_ record: PerfRecord) {}
        }
        let view = States(walk.scheduler)
        _ = try walk.run([view])
        let text = try String(contentsOf: Self.testdata.appendingPathComponent("sched.perf.txt"), encoding: .utf8)
        let expected = text.split(separator: "\n").filter { $0.contains("sched:sched_switch:") }.compactMap { line -> String? in
            guard let r = line.range(of: " prev_state=") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != " " })
        }
        XCTAssertEqual(view.letters, expected)
        XCTAssertTrue(Set(expected).count > 1, "more than one state in the capture")
    }
}
