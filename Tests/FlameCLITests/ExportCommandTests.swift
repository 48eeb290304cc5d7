import Foundation
import XCTest
import TestSupport

/// `flame export`: every format carries the total of the SVG drawn from the same input with the
/// same options; folded output is what `flame fold` / `flame offcpu --folded` print; pprof files
/// read back with `go tool pprof`, with inlined frames, source lines and the recorded build-id.
final class ExportCommandTests: XCTestCase {
    let testdata = CLITests.testdata

    /// data-v of the SVG's root frame: the total it draws.
    private func svgTotal(_ args: [String]) throws -> UInt64 {
        let out = try CLITests.makeTemporaryDirectory().appendingPathComponent("g.svg")
        let r = try CLITests.run(args + ["-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try String(contentsOf: out, encoding: .utf8)
        let part = try XCTUnwrap(svg.components(separatedBy: "<g class=\"graph\">").dropFirst().first)
        let v = try XCTUnwrap(part.range(of: "data-v=\""))
        return try XCTUnwrap(UInt64(part[v.upperBound...].prefix { $0 != "\"" }))
    }

    private func export(_ args: [String]) throws -> (CLITests.Result, Data) {
        let out = try CLITests.makeTemporaryDirectory().appendingPathComponent("export.out")
        let r = try CLITests.run(["export"] + args + ["-o", out.path])
        return (r, (try? Data(contentsOf: out)) ?? Data())
    }

    private func json(_ data: Data) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func speedscopeTotal(_ data: Data) throws -> UInt64 {
        let profiles = try XCTUnwrap(try json(data)["profiles"] as? [[String: Any]])
        return try profiles.reduce(0) { sum, p in
            sum + (try XCTUnwrap(p["weights"] as? [NSNumber])).reduce(0) { $0 + $1.uint64Value }
        }
    }

    /// The weight of the outermost events of every thread.
    private func chromeTotal(_ data: Data) throws -> UInt64 {
        let events = try XCTUnwrap(try json(data)["traceEvents"] as? [[String: Any]])
        var end: [String: Double] = [:]
        var total: UInt64 = 0
        for e in events where e["ph"] as? String == "X" {
            let thread = "\(e["pid"]!)/\(e["tid"]!)"
            let ts = (e["ts"] as! NSNumber).doubleValue, dur = (e["dur"] as! NSNumber).doubleValue
            if ts + 1e-6 >= end[thread] ?? -1 {
                total += ((e["args"] as! [String: Any])["weight"] as! NSNumber).uint64Value
                end[thread] = ts + dur
            }
        }
        return total
    }

    private func pprofTotal(_ data: Data) throws -> UInt64? {
        guard (try CLITests.shell("command -v go")).0 == 0 else { return nil }
        let file = try CLITests.makeTemporaryDirectory().appendingPathComponent("p.pb.gz")
        try data.write(to: file)
        let (status, out) = try CLITests.shell("go tool pprof -top -unit=ns -nodecount=1 '\(file.path)'")
        XCTAssertEqual(status, 0, out)
        guard let r = out.range(of: #"of (\d+)ns total"#, options: .regularExpression) else {
            XCTFail(out)
            return nil
        }
        return UInt64(out[r].dropFirst(3).prefix { $0.isNumber })
    }

    func testEveryFormatCarriesTheSVGTotal() throws {
        let cases: [(command: String, input: String, options: [String])] = [
            ("oncpu", "threads.data", []),
            ("oncpu", "cpuburn.data", ["--tid", "--kernel"]),
            ("oncpu", "threads.perf.txt", ["--only-tid", "19214,19215"]),
            ("offcpu", "offcpu/waiter.sched.data", []),
            ("offcpu", "offcpu/waiter.mixed.data", ["--state-frames", "--split-wakeup", "--pid"]),
            ("offcpu", "offcpu/waiter.switch.data", ["--state", "S"]),
        ]
        for c in cases {
            let input = testdata.appendingPathComponent(c.input).path
            let expected = try svgTotal([c.command, input] + c.options)
            let offcpu = c.command == "offcpu" ? ["--offcpu"] : []
            for format in ["speedscope", "pprof", "chrome"] {
                let (r, data) = try export([input, "--format", format] + offcpu + c.options)
                XCTAssertEqual(r.status, 0, "\(c.input) \(format): \(r.stderr)")
                let total: UInt64?
                switch format {
                case "speedscope": total = try speedscopeTotal(data)
                case "chrome": total = try chromeTotal(data)
                default: total = try pprofTotal(data)
                }
                if let total { XCTAssertEqual(total, expected, "\(c.input) \(c.options) \(format)") }
            }
        }
    }

    func testFoldedIsWhatFoldAndOffCPUFoldedPrint() throws {
        let threads = testdata.appendingPathComponent("threads.data").path
        let fold = try CLITests.run(["fold", threads, "--tid"])
        let exported = try CLITests.run(["export", threads, "--format", "folded", "--tid", "-o", "-"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertFalse(fold.stdout.isEmpty)
        XCTAssertEqual(exported.stdout, fold.stdout)
        let sched = testdata.appendingPathComponent("offcpu/waiter.sched.data").path
        let off = try CLITests.run(["offcpu", sched, "--folded", "-o", "-"])
        let offExported = try CLITests.run(["export", sched, "--offcpu", "--format", "folded", "-o", "-"])
        XCTAssertEqual(offExported.status, 0, offExported.stderr)
        XCTAssertEqual(offExported.stdout, off.stdout)
        XCTAssertTrue(offExported.stderr.contains("flame: off-CPU: "), "the off-CPU summary goes to stderr: \(offExported.stderr)")
    }

    /// `-o NAME.gz` compresses any format (Chrome traces of long captures are large).
    func testGzipByName() throws {
        let threads = testdata.appendingPathComponent("threads.data").path
        let dir = try CLITests.makeTemporaryDirectory()
        let plain = dir.appendingPathComponent("trace.json"), packed = dir.appendingPathComponent("trace.json.gz")
        for target in [plain, packed] {
            let r = try CLITests.run(["export", threads, "--format", "chrome", "-o", target.path])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(Array(try Data(contentsOf: packed).prefix(2)), [0x1F, 0x8B])
        let (status, same) = try CLITests.shell("gunzip -c '\(packed.path)' | cmp - '\(plain.path)' && echo same")
        XCTAssertEqual(status, 0, same)
        XCTAssertTrue(same.hasSuffix("same\n"), same)
    }

    func testChromeNeedsSampleTimes() throws {
        let folded = testdata.appendingPathComponent("golden/cpuburn.collapsed").path
        let (r, data) = try export([folded, "--format", "chrome"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("cannot export as chrome: the input has no sample times"), r.stderr)
        XCTAssertTrue(data.isEmpty, "no file is left behind")
        let (ok, speedscope) = try export([folded, "--format", "speedscope"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try speedscopeTotal(speedscope), try svgTotal(["oncpu", folded]))
    }

    /// A capture recorded now of a binary with always-inline helpers: the pprof file has them as
    /// lines of one location, with files, line numbers and the binary's build-id; speedscope's
    /// frames carry file and line.
    func testInlineFramesLinesAndBuildIDsReachPprof() throws {
        guard (try CLITests.shell("command -v go")).0 == 0 else { throw Live.skip("go is not installed (Debian: golang-go)") }
        let dir = try CLITests.makeTemporaryDirectory().path
        let source = CLITests.root.appendingPathComponent("Tests/SymbolizeTests/Fixtures/prog.c").path
        let (built, log) = try CLITests.shell("cc -g -O2 -fno-omit-frame-pointer -Wl,--build-id=sha1 -o '\(dir)/prog' '\(source)' 2>&1")
        guard built == 0 else { throw Live.skip("cannot compile prog.c: \(log)") }
        let (recorded, perfLog) = try CLITests.shell("perf record -q -F 999 -g -o '\(dir)/prog.data' -- '\(dir)/prog' 0.3 2>&1")
        guard recorded == 0 else { throw Live.skip("perf cannot record here (not installed, or not root): \(perfLog)") }
        let (_, notes) = try CLITests.shell("readelf -n '\(dir)/prog'")
        let buildID = try XCTUnwrap(notes.range(of: #"Build ID: [0-9a-f]+"#, options: .regularExpression).map { String(notes[$0].dropFirst(10)) })

        let (r, data) = try export(["\(dir)/prog.data", "--format", "pprof", "--inline", "--srcline"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let file = "\(dir)/p.pb.gz"
        try data.write(to: URL(fileURLWithPath: file))
        let (status, raw) = try CLITests.shell("go tool pprof -raw '\(file)'")
        XCTAssertEqual(status, 0, raw)
        // "     6: 0x11d0 M=1 inner /…/prog.c:27 s=0" then "             middle /…/prog.c:32 s=0", "             leaf …"
        let lines = raw.components(separatedBy: "\n")
        let inner = try XCTUnwrap(lines.firstIndex { $0.contains(" inner \(source):") }, raw)
        XCTAssertTrue(lines[inner + 1].hasPrefix("             middle \(source):"), raw)
        XCTAssertTrue(lines[inner + 2].hasPrefix("             leaf \(source):"), raw)
        XCTAssertTrue(raw.contains("\(dir)/prog \(buildID) [FN][FL][LN][IN]"), raw)
        let location = lines[inner].split(separator: " ")
        XCTAssertNotEqual(location[1], "0x0", "a location has its function's start: \(lines[inner])")
        let (topStatus, top) = try CLITests.shell("go tool pprof -top -unit=ns '\(file)'")
        XCTAssertEqual(topStatus, 0, top)
        XCTAssertTrue(top.contains(" inner (inline)\n"), "pprof sees inlined functions as such: \(top)")

        let (s, speedscope) = try export(["\(dir)/prog.data", "--format", "speedscope", "--inline", "--srcline"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let frames = try XCTUnwrap((try json(speedscope)["shared"] as? [String: Any])?["frames"] as? [[String: Any]])
        let leaf = try XCTUnwrap(frames.first { ($0["name"] as? String)?.hasPrefix("leaf:prog.c:") == true })
        XCTAssertEqual(leaf["file"] as? String, source)
        XCTAssertNotNil(leaf["line"] as? Int)
    }
}
