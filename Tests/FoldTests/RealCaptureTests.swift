import XCTest
import ProfileModel
import Fold
import TextInputs

/// Folding the real captures in testdata/ (recorded with perf 6.1 on these machines; commands in
/// testdata/README.md) against two independent oracles:
/// - perf report's own totals, per event and per command (`X.report-comm.txt`), and
/// - golden folded files in testdata/golden made by FlameGraph's stackcollapse-perf.pl, except
///   `templates.flame-folded`, made by flame where the Perl script cuts C++ names (checked by hand).
/// Regenerate goldens with `perl $FLAMEGRAPH_DIR/stackcollapse-perf.pl [--OPT] testdata/X.perf.txt`
/// (and `flame fold testdata/templates.perf.txt` for the C++ one), then read the diff.
final class RealCaptureTests: XCTestCase {
    static let testdata = projectRoot.appendingPathComponent("testdata")

    /// perf report's table: event -> (samples, period) per command, from `X.report-comm.txt`.
    static func reportTotals(_ capture: String) throws -> [String: [String: (samples: UInt64, period: UInt64)]] {
        let text = try String(contentsOf: testdata.appendingPathComponent("\(capture).report-comm.txt"), encoding: .utf8)
        var out: [String: [String: (UInt64, UInt64)]] = [:]
        var event: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# Samples:"), let q1 = line.firstIndex(of: "'"), let q2 = line.lastIndex(of: "'"), q1 < q2 {
                event = String(line[line.index(after: q1)..<q2])
                out[event!] = [:]
                continue
            }
            guard let event, !line.hasPrefix("#") else { continue }
            // "    26.06%    26.06%           148     148445332  io worker   " (one % column without -g)
            var rest = Substring(line)
            var numbers: [UInt64] = []
            while numbers.count < 2 {
                rest = rest.drop { $0 == " " }
                let token = rest.prefix { $0 != " " }
                guard !token.isEmpty else { break }
                rest = rest.dropFirst(token.count)
                if token.hasSuffix("%") { continue }
                guard let n = UInt64(token) else { break }
                numbers.append(n)
            }
            guard numbers.count == 2 else { continue }
            let (samples, period) = (numbers[0], numbers[1])
            let fields = [rest]
            let comm = String(fields[0]).trimmingCharacters(in: .whitespaces)
            let old = out[event]![comm] ?? (0, 0)
            out[event]![comm] = (old.0 + samples, old.1 + period)
        }
        return out
    }

    /// Totals per root frame (the process name) of a profile.
    func perCommand(_ profile: Profile) -> [String: (samples: UInt64, weight: UInt64)] {
        let tree = FlameTree(profile)
        var out: [String: (UInt64, UInt64)] = [:]
        for c in tree.children(0) {
            let name = String(decoding: tree.nameBytes(Int(c)), as: UTF8.self)
            out[name] = (tree.totalSamples[Int(c)], tree.total[Int(c)])
        }
        return out
    }

    func testEverySampleOfEveryEventIsCountedAsPerfReportCountsIt() throws {
        let captures = ["cpuburn", "threads", "templates", "multievent", "nocallchain", "kernel", "sched"]
        for capture in captures {
            let report = try RealCaptureTests.reportTotals(capture)
            XCTAssertFalse(report.isEmpty, capture)
            for (event, commands) in report {
                var options = CollapseOptions()
                options.eventFilter = event
                let (profile, _) = try ProfileLoader.load(
                    path: RealCaptureTests.testdata.appendingPathComponent("\(capture).perf.txt").path, options: options)
                let got = perCommand(profile)
                let expectedSamples = commands.values.map(\.samples).reduce(0, +)
                XCTAssertEqual(profile.totalSamples, expectedSamples, "\(capture) \(event): samples")
                // perf script prints no period for tracepoints: each sample then weighs 1.
                let weighted = profile.unit != .samples
                let expectedWeight = weighted ? commands.values.map(\.period).reduce(0, +) : expectedSamples
                XCTAssertEqual(profile.totalWeight, expectedWeight, "\(capture) \(event): weight")
                for (comm, totals) in commands {
                    let folded = comm.replacingOccurrences(of: " ", with: "_")
                    XCTAssertEqual(got[folded]?.samples, totals.samples, "\(capture) \(event) \(comm): samples")
                    if weighted {
                        XCTAssertEqual(got[folded]?.weight, totals.period, "\(capture) \(event) \(comm): period")
                    }
                }
            }
        }
    }

    func testClockEventsAreTimeAndCountingEventsAreEvents() throws {
        let (cpu, _) = try ProfileLoader.load(path: RealCaptureTests.testdata.appendingPathComponent("cpuburn.perf.txt").path)
        XCTAssertEqual(cpu.unit, .nanoseconds("cpu-clock:ppp"))
        let (faults, _) = try ProfileLoader.load(path: RealCaptureTests.testdata.appendingPathComponent("multievent.perf.txt").path)
        XCTAssertEqual(faults.event, "page-faults")
        XCTAssertEqual(faults.unit, .events("page-faults"))
        XCTAssertEqual(faults.notes, ["note: input has 2 events: page-faults (6 samples), cpu-clock (559 samples); showing page-faults (the first event seen; choose another with --event-filter)"])
        let (sched, _) = try ProfileLoader.load(path: RealCaptureTests.testdata.appendingPathComponent("sched.perf.txt").path)
        XCTAssertEqual(sched.unit, .samples, "tracepoints have no printed period")
    }

    func testGoldenFoldedOutputs() throws {
        let cases: [(capture: String, golden: String, configure: (inout CollapseOptions) -> Void)] = [
            ("cpuburn", "cpuburn.collapsed", { _ in }),
            ("threads-pidtid", "threads-pidtid.collapsed-tid", { $0.includeTid = true }),
            ("threads-ns", "threads-ns.collapsed", { _ in }),
            ("kernel", "kernel.collapsed-kernel", { $0.naming.annotateKernel = true }),
            ("multievent", "multievent.collapsed-all", { $0.naming.annotateKernel = true; $0.naming.annotateJit = true }),
            ("templates", "templates.flame-folded", { _ in }),
        ]
        for c in cases {
            var options = CollapseOptions()
            c.configure(&options)
            let (profile, _) = try ProfileLoader.load(
                path: RealCaptureTests.testdata.appendingPathComponent("\(c.capture).perf.txt").path, options: options)
            let expected = try Data(contentsOf: RealCaptureTests.testdata.appendingPathComponent("golden/\(c.golden)"))
            XCTAssertEqual(String(decoding: FoldedWriter.bytes(profile), as: UTF8.self),
                           String(decoding: expected, as: UTF8.self), c.golden)
        }
    }

    func testSrclineLinesAreNotFrames() throws {
        let path = { (name: String) in RealCaptureTests.testdata.appendingPathComponent("\(name).perf.txt").path }
        let (plain, _) = try ProfileLoader.load(path: path("cpuburn"))
        let (srcline, _) = try ProfileLoader.load(path: path("cpuburn-srcline"))
        XCTAssertEqual(FoldedWriter.bytes(srcline), FoldedWriter.bytes(plain))
        XCTAssertEqual(srcline.notes, [], "srcline lines are expected, not odd")
    }

    func testSamplesWithoutCallchainKeepTheirOneFrame() throws {
        let (profile, _) = try ProfileLoader.load(path: RealCaptureTests.testdata.appendingPathComponent("nocallchain.perf.txt").path)
        let lines = FoldedWriter.lines(profile).map { String(decoding: $0, as: UTF8.self) }
        // Each sample is `comm;function`, the comm right-aligned by perf and trimmed here.
        XCTAssertTrue(lines.allSatisfy { $0.split(separator: ";").count == 2 }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("io_worker;") })
    }

    func testPidTidAndDefaultHeadersFoldToTheSameStacks() throws {
        let path = { (name: String) in RealCaptureTests.testdata.appendingPathComponent("\(name).perf.txt").path }
        let (plain, _) = try ProfileLoader.load(path: path("threads"))
        let (pidtid, _) = try ProfileLoader.load(path: path("threads-pidtid"))
        let (ns, _) = try ProfileLoader.load(path: path("threads-ns"))
        XCTAssertEqual(FoldedWriter.bytes(plain), FoldedWriter.bytes(ns))
        // -F without srcline/offsets prints frames without `+0x..`; names fold the same.
        XCTAssertEqual(FoldedWriter.bytes(plain), FoldedWriter.bytes(pidtid))
    }
}
