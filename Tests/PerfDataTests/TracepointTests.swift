import Foundation
import XCTest
@testable import PerfData

/// Tracepoint field decoding by name against the payloads perf script printed.
final class TracepointTests: XCTestCase {
    /// (format, raw copy) of every sample of event `event` in `name`, in perf script order.
    private func payloads(_ name: String, event: String) throws -> [(TracepointFormat, [UInt8], PerfSample.Key)] {
        let f = try PerfDataFile(path: Fixtures.path(name))
        let idx = try XCTUnwrap(f.header.events.firstIndex { $0.name == event })
        let fmt = try XCTUnwrap(f.tracepointFormat(event: idx))
        var out: [(TracepointFormat, [UInt8], PerfSample.Key)] = []
        try f.forEachRecord { r in
            if case .sample(let s) = r, s.eventIndex == idx { out.append((fmt, Array(s.raw), s.key)) }
        }
        return out
    }

    /// perf script's payload text per (tid, time in µs) for `event`.
    private func texts(_ name: String, event: String) throws -> [PerfSample.Key: String] {
        var out: [PerfSample.Key: String] = [:]
        for s in ScriptParser.parse(try Fixtures.text(name)) where s.event == event {
            out[PerfSample.Key(tid: s.tid, micros: s.seconds * 1_000_000 + s.micros)] = s.payload
        }
        return out
    }

    private static let switchLine = try! NSRegularExpression(pattern:
        #"^prev_comm=(.*) prev_pid=(-?\d+) prev_prio=(-?\d+) prev_state=(\S+) ==> next_comm=(.*) next_pid=(-?\d+) next_prio=(-?\d+)$"#)

    func testSchedSwitchFieldsByName() throws {
        for (data, text) in [("sched.data", "sched.perf.txt"), ("perfdata/switch.data", "perfdata/switch.perf.txt"),
                             ("perfdata/switch-a.data", "perfdata/switch-a.perf.txt")] {
            let expected = try texts(text, event: "sched:sched_switch")
            let got = try payloads(data, event: "sched:sched_switch")
            XCTAssertGreaterThan(got.count, 20)
            var states = Set<String>()
            for (fmt, raw, key) in got {
                let line = try XCTUnwrap(expected[key], "\(data): no perf line for \(key)")
                let ns = line as NSString
                let m = try XCTUnwrap(Self.switchLine.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)))
                let g = (1...7).map { ns.substring(with: m.range(at: $0)) }
                raw.withUnsafeBytes { b in
                    XCTAssertEqual(fmt.string("prev_comm", in: b), g[0])
                    XCTAssertEqual(fmt.integer("prev_pid", in: b).map(String.init), g[1])
                    XCTAssertEqual(fmt.integer("prev_prio", in: b).map(String.init), g[2])
                    XCTAssertEqual(fmt.string("next_comm", in: b), g[4])
                    XCTAssertEqual(fmt.integer("next_pid", in: b).map(String.init), g[5])
                    XCTAssertEqual(fmt.integer("next_prio", in: b).map(String.init), g[6])
                    XCTAssertEqual(fmt.render(b), line)
                }
                states.insert(g[3])
            }
            XCTAssertTrue(states.isSuperset(of: ["R", "S"]), "\(data): \(states)")
        }
    }

    func testPrevStateLettersFromPrintFlags() throws {
        let (fmt, raw, _) = try XCTUnwrap(try payloads("sched.data", event: "sched:sched_switch").first)
        let table = try XCTUnwrap(fmt.flagTables["prev_state"])
        XCTAssertEqual(table.map(\.text), ["S", "D", "T", "t", "X", "Z", "P", "I"])
        XCTAssertEqual(table.map(\.value), [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80])
        let field = try XCTUnwrap(fmt.field("prev_state"))
        func state(_ v: UInt64) -> String {
            var b = raw
            withUnsafeBytes(of: v.littleEndian) { b.replaceSubrange(field.offset..<(field.offset + 8), with: $0) }
            let line = b.withUnsafeBytes { fmt.render($0) } ?? ""
            return String(line.split(separator: " ").first { $0.hasPrefix("prev_state=") }!.dropFirst(11))
        }
        XCTAssertEqual(state(0), "R")
        XCTAssertEqual(state(1), "S")
        XCTAssertEqual(state(2), "D")
        XCTAssertEqual(state(3), "S|D")
        XCTAssertEqual(state(0x100), "R+", "TASK_REPORT_MAX marks a preempted task")
        XCTAssertEqual(state(0x101), "S+")
        XCTAssertEqual(state(0x80), "I")
        // The one fast decoder every input uses prints what the kernel's own format prints, for
        // every state and preemption bit (and bits above, which the format masks off).
        let decoder = SchedStateLetters(table)
        for v in UInt64(0)..<0x400 {
            XCTAssertEqual(String(decoding: decoder.letters(v), as: UTF8.self), state(v), "prev_state \(v)")
            XCTAssertEqual(String(decoding: SchedStateLetters.kernel.letters(v), as: UTF8.self), state(v), "prev_state \(v)")
        }
    }

    /// sched_wakeup, sched_waking, sched_stat_runtime (__data_loc), sched_process_fork (two __data_loc strings),
    /// sched_wakeup_new and sched_migrate_task: every payload rendered from the format equals perf's.
    func testOtherSchedEvents() throws {
        let cases: [(String, String, String, [String])] = [
            ("perfdata/switch-a.data", "perfdata/switch-a.perf.txt", "sched:sched_wakeup", ["comm", "pid", "prio", "target_cpu"]),
            ("sched.data", "sched.perf.txt", "sched:sched_waking", ["comm", "pid", "prio", "target_cpu"]),
            ("sched.data", "sched.perf.txt", "sched:sched_stat_runtime", ["comm", "pid", "runtime"]),
            ("sched.data", "sched.perf.txt", "sched:sched_process_fork", ["parent_comm", "parent_pid", "child_comm", "child_pid"]),
            ("sched.data", "sched.perf.txt", "sched:sched_wakeup_new", ["comm", "pid"]),
            ("sched.data", "sched.perf.txt", "sched:sched_migrate_task", ["comm", "pid", "orig_cpu", "dest_cpu"]),
        ]
        for (data, text, event, fields) in cases {
            let expected = try texts(text, event: event)
            let got = try payloads(data, event: event)
            XCTAssertGreaterThan(got.count, 0, event)
            for (fmt, raw, key) in got {
                let line = try XCTUnwrap(expected[key], "\(event) \(key)")
                raw.withUnsafeBytes { b in
                    XCTAssertEqual(fmt.render(b), line, event)
                    // Field by name: the perf text shows `name=value` for each (target_cpu as %03d).
                    for name in fields {
                        let f = fmt.field(name)!
                        let value = f.isString ? fmt.string(name, in: b)! : String(fmt.integer(name, in: b)!)
                        let shown = name == "target_cpu" ? String(format: "%03d", Int(value)!) : value
                        let label = name == "parent_comm" ? "comm" : name == "parent_pid" ? "pid" : name
                        XCTAssertTrue(line.contains("\(label)=\(shown)"), "\(event): \(name)=\(shown) not in \(line)")
                    }
                }
            }
        }
    }
}

extension PerfSample {
    /// Identifies a sample in perf script text: tid and time in µs.
    struct Key: Hashable, CustomStringConvertible {
        var tid: Int32
        var micros: UInt64
        var description: String { "tid \(tid) at \(micros)µs" }
    }

    var key: Key { Key(tid: tid, micros: time / 1000) }
}
