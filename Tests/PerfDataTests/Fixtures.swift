import Foundation
import XCTest
@testable import PerfData

/// Paths of the committed captures.
enum Fixtures {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata")

    /// `testdata/NAME` (e.g. `cpuburn.data`, `perfdata/pipe.data`).
    static func path(_ name: String) -> String { testdata.appendingPathComponent(name).path }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: testdata.appendingPathComponent(name))) }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
}

/// One sample block of `perf script` output.
struct ScriptSample: Equatable, CustomStringConvertible {
    var comm: String
    var pid: Int32?
    var tid: Int32
    var cpu: UInt32?
    var seconds: UInt64
    var micros: UInt64
    var period: UInt64?
    var event: String
    var payload: String
    var frames: [ScriptFrame]

    var description: String {
        "\(comm) \(pid.map { "\($0)/" } ?? "")\(tid) [\(cpu.map(String.init) ?? "-")] \(seconds).\(micros): \(period.map(String.init) ?? "-") \(event): \(payload) " +
            frames.map { "\n\t\(String($0.address, radix: 16)) (\($0.dso))" }.joined()
    }
}

struct ScriptFrame: Equatable {
    var address: UInt64
    var dso: String
}

/// Parses perf script's default and `-F comm,pid,tid,[cpu,]time,period,event,[trace,]ip,sym,dso` outputs.
enum ScriptParser {
    // comm  [pid/]tid  [[cpu]]  sec.usec:  [period]  event: payload
    private static let header = try! NSRegularExpression(
        pattern: #"^(.*?)\s+(?:(-?\d+)/)?(-?\d+)\s+(?:\[(\d+)\]\s+)?(\d+)\.(\d{6}):\s+(?:(\d+)\s+)?(\S+):(?: (.*))?$"#)
    private static let frame = try! NSRegularExpression(pattern: #"^\s*([0-9a-f]+) (.*)$"#)

    /// "ip sym (dso)": the dso is the last balanced parenthesized group (it may contain " (deleted)").
    private static func parseFrame(_ line: String) -> ScriptFrame? {
        guard let m = match(frame, line), let addr = UInt64(m[1]!, radix: 16) else { return nil }
        let rest = Array(m[2]!)
        guard rest.last == ")" else { return nil }
        var depth = 0
        var i = rest.count - 1
        while i >= 0 {
            if rest[i] == ")" { depth += 1 } else if rest[i] == "(" { depth -= 1; if depth == 0 { break } }
            i -= 1
        }
        guard i > 0, rest[i - 1] == " " else { return nil }
        return ScriptFrame(address: addr, dso: String(rest[(i + 1)..<(rest.count - 1)]))
    }

    static func parse(_ text: String) -> [ScriptSample] {
        var out: [ScriptSample] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.contains("PERF_RECORD_") { continue }
            if line.hasPrefix("\t") {
                guard let f = parseFrame(line), var last = out.popLast() else { continue }
                last.frames.append(f)
                out.append(last)
                continue
            }
            guard let m = match(header, line) else { continue }
            var s = ScriptSample(comm: m[1]!.trimmingCharacters(in: .whitespaces), pid: m[2].flatMap { Int32($0) },
                                 tid: Int32(m[3]!)!, cpu: m[4].flatMap { UInt32($0) }, seconds: UInt64(m[5]!)!,
                                 micros: UInt64(m[6]!)!, period: m[7].flatMap { UInt64($0) }, event: m[8]!,
                                 payload: (m[9] ?? "").trimmingCharacters(in: .whitespaces), frames: [])
            // Without a callchain the frame is on the header line: "ip sym (dso)".
            if s.period != nil, let f = parseFrame(s.payload) {
                s.frames = [f]
                s.payload = ""
            }
            out.append(s)
        }
        return out
    }

    private static func match(_ re: NSRegularExpression, _ s: String) -> [String?]? {
        let ns = s as NSString
        guard let m = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? nil : ns.substring(with: m.range(at: $0)) }
    }
}

/// What our reader produces for a file, in perf script's terms.
enum Replay {
    struct Options {
        /// perf prints the raw ip for samples without a callchain (no map lookup).
        var absoluteIPWithoutCallchain = true
        var withPid = false
    }

    static func samples(_ file: PerfDataFile, ordered: Bool = true) throws -> ([ScriptSample], PerfReadReport) {
        let machine = MachineState()
        var out: [ScriptSample] = []
        let events = file.header.events
        let report = try file.forEachRecord(ordered: ordered) { r in
            guard case .sample(let s) = r else { machine.apply(r); return }
            let ev = events[s.eventIndex!]
            var frames: [ScriptFrame] = []
            if s.callchain.isEmpty {
                let dso = machine.dsoName(pid: s.pid, address: s.ip, cpumode: s.cpumode)
                frames.append(ScriptFrame(address: s.ip, dso: dso))
            } else {
                for f in s.frames {
                    let m = machine.map(pid: s.pid, address: f.address, cpumode: f.cpumode)
                    frames.append(ScriptFrame(address: m?.fileOffset ?? f.address, dso: m?.dsoName ?? "[unknown]"))
                }
            }
            var payload = ""
            if let fmt = file.tracepointFormat(event: s.eventIndex!) { payload = fmt.render(s.raw) ?? "<unrenderable>" }
            out.append(ScriptSample(comm: machine.comm(tid: s.tid), pid: s.pid, tid: s.tid, cpu: s.cpu,
                                    seconds: s.time / 1_000_000_000, micros: s.time % 1_000_000_000 / 1000,
                                    period: s.period, event: ev.name, payload: payload, frames: frames))
        }
        return (out, report)
    }
}
