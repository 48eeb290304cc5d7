import Foundation
import ProfileModel
import XCTest
import TestSupport
@testable import Export
import Fold
import Symbolize

/// Loading captures and reading exports back, for the tests.
enum ExportSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let testdata = root.appendingPathComponent("testdata")
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/speedscope-file-format-schema.json")

    /// The committed captures: perf.data on-CPU, scheduler captures read as off-CPU, and one
    /// perf script text of each kind (the text readers keep times and origins their own way).
    static let onCPUCaptures = ["cpuburn", "kernel", "multievent", "nocallchain", "sched", "templates", "threads"]
        .map { "\($0).data" } + ["threads.perf.txt"]
    static let offCPUCaptures = ["offcpu/waiter.sched.data", "offcpu/waiter.mixed.data", "sched.perf.txt"]

    /// Options as the command line makes them, with the detail an export keeps, or none (what
    /// the SVG is drawn from); no symbol cache is read or written.
    static func options(keep: Bool) -> CollapseOptions {
        var o = CollapseOptions()
        var s = SymbolizeOptions()
        s.diskCache = nil
        o.symbolOptions = s
        o.keepTimeline = keep
        o.keepOrigins = keep
        return o
    }

    /// A committed capture, by its path under testdata.
    static func load(_ capture: String, offcpu: Bool, keep: Bool) throws -> Profile {
        try load(path: testdata.appendingPathComponent(capture).path, offcpu: offcpu, keep: keep)
    }

    /// Any capture, by its absolute path (the live ones).
    static func load(path: String, offcpu: Bool, keep: Bool) throws -> Profile {
        if offcpu {
            return try OffCPULoader.load(path: path, collapse: options(keep: keep), options: OffCPUOptions()).profile
        }
        return try ProfileLoader.load(path: path, options: options(keep: keep), threads: 1).0
    }

    /// Captures recorded during the test run, of the workloads of testdata/src built during it.
    /// The committed captures' binaries (/tmp/flametd/...) no longer exist with the build-ids
    /// their headers record, and the symbolizer rightly refuses a rebuilt binary at that path, so
    /// their frames fold as `[threads]`; what needs function names is checked on these instead.
    struct LiveCaptures: Sendable {
        /// Where the workloads were built (`bin/threads`, `bin/cpuburn`) and recorded.
        var dir: URL
        var bin: URL { dir.appendingPathComponent("bin") }
        var threads: String { dir.appendingPathComponent("threads.data").path }
        var cpuburn: String { dir.appendingPathComponent("cpuburn.data").path }
    }

    /// The live captures, recorded once per test process (a `static let` runs its initializer
    /// once, thread-safely); skips when perf cannot record here, as the other capture tests do.
    static func liveCaptures() throws -> LiveCaptures { try recordedLive.get() }

    private static let recordedLive = Result<LiveCaptures, any Error> {
        let dir = try temporaryDirectory()
        let probe = try shell("perf record -q -o probe.data -- true 2>&1", in: dir)
        guard probe.status == 0 else { throw Live.skip("perf cannot record here (not installed, or not root): \(probe.output)") }
        // Past the probe every step must work: a failure here is a failure, not a skip.
        let build = try shell("OUT='\(dir.path)/bin' sh '\(testdata.path)/src/build.sh' 2>&1", in: dir)
        guard build.status == 0 else { throw LiveCaptureError(description: "testdata/src/build.sh failed: \(build.output)") }
        for (name, args) in [("threads", ""), ("cpuburn", " 0.3")] {
            let r = try shell("perf record -q -F 997 -g -o \(name).data -- ./bin/\(name)\(args) 2>&1 >/dev/null", in: dir)
            guard r.status == 0 else { throw LiveCaptureError(description: "perf record of \(name) failed: \(r.output)") }
        }
        return LiveCaptures(dir: dir)
    }

    struct LiveCaptureError: Error, CustomStringConvertible {
        let description: String
    }

    /// `command` run by bash in `dir`: status and combined output.
    static func shell(_ command: String, in dir: URL) throws -> (status: Int32, output: String) {
        try XCTUnwrap(try run("bash", ["-c", "cd '\(dir.path)' && " + command]))
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        return try XCTUnwrap(object as? [String: Any])
    }

    /// What a speedscope file holds, checked for internal consistency (indices in range, one
    /// weight per sample, endValue - startValue = the weights' sum).
    struct Speedscope {
        var frames: [[String: Any]]
        var profiles: [(name: String, unit: String, stacks: [[Int]], weights: [UInt64])]
        var total: UInt64 { profiles.reduce(0) { $0 + $1.weights.reduce(0, +) } }
    }

    static func speedscope(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Speedscope {
        let doc = try json(bytes)
        let shared = try XCTUnwrap(doc["shared"] as? [String: Any])
        let frames = try XCTUnwrap(shared["frames"] as? [[String: Any]])
        var out = Speedscope(frames: frames, profiles: [])
        for p in try XCTUnwrap(doc["profiles"] as? [[String: Any]]) {
            let stacks = try XCTUnwrap(p["samples"] as? [[Int]])
            let weights = try XCTUnwrap(p["weights"] as? [NSNumber]).map(\.uint64Value)
            XCTAssertEqual(stacks.count, weights.count, file: file, line: line)
            for s in stacks { for i in s { XCTAssertTrue(i >= 0 && i < frames.count, "frame index \(i)", file: file, line: line) } }
            let start = try XCTUnwrap(p["startValue"] as? NSNumber).uint64Value
            let end = try XCTUnwrap(p["endValue"] as? NSNumber).uint64Value
            XCTAssertEqual(end - start, weights.reduce(0, +), file: file, line: line)
            out.profiles.append((try XCTUnwrap(p["name"] as? String), try XCTUnwrap(p["unit"] as? String), stacks, weights))
        }
        return out
    }

    /// A pprof file decoded, with its references checked (ids exist, values per sample type).
    static func pprof(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Perftools_Profiles_Profile {
        XCTAssertEqual(Array(bytes.prefix(2)), [0x1F, 0x8B], "gzip magic", file: file, line: line)
        let p = try Perftools_Profiles_Profile(serializedBytes: try Gzip.decompress(bytes))
        XCTAssertEqual(p.stringTable.first, "", file: file, line: line)
        let strings = p.stringTable.count
        let locations = Set(p.location.map(\.id)), functions = Set(p.function.map(\.id)), mappings = Set(p.mapping.map(\.id))
        XCTAssertEqual(locations.count, p.location.count, "unique location ids", file: file, line: line)
        XCTAssertFalse(locations.contains(0) || functions.contains(0) || mappings.contains(0), file: file, line: line)
        for s in p.sample {
            XCTAssertEqual(s.value.count, p.sampleType.count, file: file, line: line)
            for l in s.locationID { XCTAssertTrue(locations.contains(l), file: file, line: line) }
            for label in s.label { XCTAssertTrue(label.key < strings && label.str < strings, file: file, line: line) }
        }
        for l in p.location {
            XCTAssertTrue(l.mappingID == 0 || mappings.contains(l.mappingID), file: file, line: line)
            XCTAssertFalse(l.line.isEmpty, file: file, line: line)
            for ln in l.line { XCTAssertTrue(functions.contains(ln.functionID), file: file, line: line) }
        }
        for f in p.function { XCTAssertTrue(f.name > 0 && f.name < strings && f.filename < strings, file: file, line: line) }
        for m in p.mapping { XCTAssertTrue(m.filename < strings && m.buildID < strings, file: file, line: line) }
        return p
    }

    /// Sum of one value over all samples.
    static func total(_ p: Perftools_Profiles_Profile, index: Int) -> UInt64 {
        p.sample.reduce(0) { $0 + UInt64($1.value[index]) }
    }

    /// A Chrome trace checked for what the viewers need: per thread, complete events in time order
    /// that nest (each inside the enclosing one). Returns the sum of `args.weight` of the outermost
    /// events, the number of threads and of events.
    static func chrome(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line)
        throws -> (total: UInt64, threads: Int, events: Int, names: [String]) {
        let doc = try json(bytes)
        let events = try XCTUnwrap(doc["traceEvents"] as? [[String: Any]])
        struct Thread: Hashable { var pid: Int, tid: Int }
        var lastStart: [Thread: Double] = [:]
        var open: [Thread: [Double]] = [:]
        var total: UInt64 = 0
        var count = 0
        var names: [String] = []
        var named: Set<Thread> = []
        for e in events {
            let ph = try XCTUnwrap(e["ph"] as? String)
            let t = Thread(pid: try XCTUnwrap(e["pid"] as? Int), tid: e["tid"] as? Int ?? -1)
            if ph == "M" {
                if e["name"] as? String == "thread_name" { named.insert(t) }
                continue
            }
            XCTAssertEqual(ph, "X", file: file, line: line)
            count += 1
            let ts = try XCTUnwrap(e["ts"] as? NSNumber).doubleValue, dur = try XCTUnwrap(e["dur"] as? NSNumber).doubleValue
            XCTAssertGreaterThanOrEqual(dur, 0, file: file, line: line)
            XCTAssertGreaterThanOrEqual(ts, lastStart[t] ?? 0, "time order in \(t)", file: file, line: line)
            lastStart[t] = ts
            var stack = open[t] ?? []
            while let top = stack.last, top <= ts + 1e-6 { stack.removeLast() }
            if let top = stack.last {
                XCTAssertLessThanOrEqual(ts + dur, top + 1e-6, "nested in \(t)", file: file, line: line)
            } else {
                let args = try XCTUnwrap(e["args"] as? [String: Any])
                total += try XCTUnwrap(args["weight"] as? NSNumber).uint64Value
            }
            stack.append(ts + dur)
            open[t] = stack
            names.append(try XCTUnwrap(e["name"] as? String))
        }
        for t in lastStart.keys { XCTAssertTrue(named.contains(t), "thread_name for \(t)", file: file, line: line) }
        return (total, lastStart.count, count, names)
    }

    /// Runs a program; status and combined output. Nil when it is not installed.
    static func run(_ program: String, _ args: [String]) throws -> (status: Int32, output: String)? {
        guard let path = which(program) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func which(_ program: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flame-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
