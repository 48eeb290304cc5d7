import XCTest
import TestSupport

/// perf.data read natively against perf's own reading of the same file, on captures recorded
/// during the test run: `flame fold X.data` must equal `flame fold` of `perf script -i X.data`
/// (same stacks, same weights), and the total must equal perf report's event count.
final class PerfDataCaptureTests: XCTestCase {
    struct Capture {
        var name: String
        var record: String
        var event: String? = nil
    }

    static let captures = [
        Capture(name: "threads", record: "perf record -q -F 997 -g -o threads.data -- ./bin/threads"),
        Capture(name: "templates", record: "perf record -q -F 997 -g -o templates.data -- ./bin/templates"),
        Capture(name: "kernel", record: "perf record -q -F 997 -g -o kernel.data -- dd if=/dev/zero of=/dev/null bs=4k count=200000"),
        Capture(name: "zstd", record: "perf record -q -z -F 997 -g -o zstd.data -- ./bin/cpuburn 0.3"),
        Capture(name: "multievent", record: "perf record -q -F 997 -g -e cpu-clock -e page-faults -o multievent.data -- ./bin/cpuburn 0.3",
                event: "cpu-clock"),
        Capture(name: "pidtid", record: "perf record -q -F 997 -g --sample-cpu -o pidtid.data -- ./bin/threads"),
        // A loop of clock_gettime (built by prepare()): [vdso] frames, named from perf's saved image.
        Capture(name: "vdso", record: "perf record -q -F 997 -g -o vdso.data -- ./bin/vdsoloop"),
    ]

    func shell(_ command: String, in dir: String) throws -> (Int32, String) {
        try CLITests.shell("cd '\(dir)' && " + command)
    }

    /// The workloads of testdata/src, built once into `dir/bin`; perf probed.
    func prepare() throws -> String {
        let dir = try CLITests.liveWorkloads(scheduler: false)
        let loop = """
        #include <time.h>
        int main(void) {
            struct timespec t0, t;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            do clock_gettime(CLOCK_MONOTONIC, &t); while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 300000000L);
            return 0;
        }
        """
        try loop.write(toFile: "\(dir)/vdsoloop.c", atomically: true, encoding: .utf8)
        // -fno-plt: calls go through the GOT, so no sample lands in a PLT stub, which perf 6.1 names
        // `_init` or `name@plt` depending on its symbol tree (flame always says `name@plt`;
        // SymbolizerTests check those names against objdump).
        let (cc, ccLog) = try shell("cc -O2 -fno-omit-frame-pointer -fno-plt -o bin/vdsoloop vdsoloop.c 2>&1", in: dir)
        guard cc == 0 else { throw Live.skip("cc failed: \(ccLog)") }
        return dir
    }

    func testNativeFoldEqualsFoldOfPerfScript() throws {
        let dir = try prepare()
        for c in Self.captures {
            let (status, log) = try shell(c.record + " >/dev/null && perf script -i \(c.name).data > \(c.name).txt"
                                        // perf script prints the pid only when asked; --pid/--tid need it.
                                        + " && perf script -i \(c.name).data -F comm,pid,tid,time,period,event,ip,sym,dso > \(c.name).pid.txt", in: dir)
            XCTAssertEqual(status, 0, "\(c.name): \(log)")
            let filter = c.event.map { ["--event-filter", $0] } ?? []
            for extra in [[], ["--pid"], ["--tid"]] {
                let native = try CLITests.run(["fold", "\(dir)/\(c.name).data"] + filter + extra)
                let text = try CLITests.run(["fold", "\(dir)/\(c.name)\(extra.isEmpty ? "" : ".pid").txt"] + filter + extra)
                XCTAssertEqual(native.status, 0, native.stderr)
                XCTAssertFalse(native.stdout.isEmpty, c.name)
                let ours = Set(PerfPLTNames.unnamed(String(decoding: native.stdout, as: UTF8.self)).split(separator: "\n"))
                let perfs = Set(PerfPLTNames.unnamed(String(decoding: text.stdout, as: UTF8.self)).split(separator: "\n"))
                XCTAssertEqual(ours, perfs, "\(c.name) \(extra): only ours: \(ours.subtracting(perfs).sorted()), only perf's: \(perfs.subtracting(ours).sorted())")
                XCTAssertEqual(PerfPLTNames.unnamed(String(decoding: native.stdout, as: UTF8.self)),
                               PerfPLTNames.unnamed(String(decoding: text.stdout, as: UTF8.self)), "\(c.name) \(extra): same lines, other order")
                // No warning, but the advice on binaries without frame pointers (dd's libc), which
                // is about the recording, not the reading.
                let warnings = native.stderr.split(separator: "\n").filter { $0.contains("warning") && !$0.contains("built without frame pointers") }
                XCTAssertEqual(warnings, [], c.name)
            }
            // Total = perf report's event count for the event shown.
            let (_, report) = try shell("perf report -i \(c.name).data --stdio --sort comm 2>/dev/null | grep -E '^# (Samples|Event count)'", in: dir)
            let folded = String(decoding: try CLITests.run(["fold", "\(dir)/\(c.name).data"] + filter).stdout, as: UTF8.self)
            let total = folded.split(separator: "\n").reduce(UInt64(0)) { $0 + (UInt64($1.split(separator: " ").last!) ?? 0) }
            let counts = report.split(separator: "\n").filter { $0.hasPrefix("# Event count") }.compactMap { UInt64($0.split(separator: " ").last!) }
            XCTAssertTrue(counts.count >= 1, report)
            XCTAssertTrue(counts.contains(total), "\(c.name): total \(total), perf report: \(counts)")
        }
    }

    /// `flame script` prints what `perf script` prints for the same fields (runs of spaces aside:
    /// perf pads columns), symbols and offsets included; and it folds back to the same stacks.
    func testScriptAgreesWithPerfScript() throws {
        let dir = try prepare()
        let cases = [
            ("cpu", "perf record -q -F 997 -g --sample-cpu -o cpu.data -- ./bin/threads", "comm,pid,tid,cpu,time,period,event,ip,sym,symoff,dso"),
            ("dd", "perf record -q -F 997 -g -o dd.data -- dd if=/dev/zero of=/dev/null bs=4k count=100000", "comm,pid,tid,time,period,event,ip,sym,symoff,dso"),
            ("switch", "perf record -q -g -e sched:sched_switch -e sched:sched_wakeup -o switch.data -- ./bin/sleepy",
             "comm,pid,tid,cpu,time,period,event,trace,ip,sym,symoff,dso"),
        ]
        func squeezed(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            }
        }
        for (name, record, fields) in cases {
            let (status, log) = try shell(record + " >/dev/null 2>&1 && perf script -i \(name).data -F \(fields) > \(name).perf.txt 2>/dev/null", in: dir)
            XCTAssertEqual(status, 0, "\(name): \(log)")
            let ours = try CLITests.run(["script", "\(dir)/\(name).data"])
            XCTAssertEqual(ours.status, 0, ours.stderr)
            let theirs = squeezed(PerfPLTNames.unnamed(try String(contentsOfFile: "\(dir)/\(name).perf.txt", encoding: .utf8)))
            let mine = squeezed(PerfPLTNames.unnamed(String(decoding: ours.stdout, as: UTF8.self)))
            XCTAssertGreaterThan(theirs.count, 10, name)
            XCTAssertEqual(mine.count, theirs.count, name)
            let differing = zip(mine, theirs).enumerated().filter { $0.element.0 != $0.element.1 }
            XCTAssertTrue(differing.isEmpty, "\(name): \(differing.count) lines differ, first: \(differing.prefix(3).map { "line \($0.offset + 1): ours \($0.element.0) | perf's \($0.element.1)" })")
            try ours.stdout.write(to: URL(fileURLWithPath: "\(dir)/\(name).flame.txt"))
            let back = try CLITests.run(["fold", "\(dir)/\(name).flame.txt"])
            let direct = try CLITests.run(["fold", "\(dir)/\(name).data"])
            XCTAssertEqual(back.stdout, direct.stdout, name)
        }
    }

    func testPipeModeFromStandardInputAndDefaultPath() throws {
        let dir = try prepare()
        let (status, log) = try shell("perf record -q -F 997 -g -o - -- sh -c './bin/cpuburn 0.3 >/dev/null' > pipe.data && perf script -i pipe.data > pipe.txt"
                                      + " && perf record -q -F 997 -g -- ./bin/cpuburn 0.2 >/dev/null && perf script -i perf.data > default.txt", in: dir)
        XCTAssertEqual(status, 0, log)
        let piped = try CLITests.run(["fold", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: "\(dir)/pipe.data")))
        let text = try CLITests.run(["fold", "\(dir)/pipe.txt"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(PerfPLTNames.unnamed(String(decoding: piped.stdout, as: UTF8.self)), PerfPLTNames.unnamed(String(decoding: text.stdout, as: UTF8.self)))

        // No input named: ./perf.data, as perf itself.
        let svg = try CLITests.run(["oncpu", "-o", "out.svg"], cwd: URL(fileURLWithPath: dir))
        XCTAssertEqual(svg.status, 0, svg.stderr)
        let drawn = try String(contentsOfFile: "\(dir)/out.svg", encoding: .utf8)
        XCTAssertTrue(drawn.contains("cpuburn") && drawn.contains("main"), String(drawn.prefix(500)))
        let foldDefault = try CLITests.run(["fold"], cwd: URL(fileURLWithPath: dir))
        let foldText = try CLITests.run(["fold", "\(dir)/default.txt"])
        XCTAssertEqual(PerfPLTNames.unnamed(String(decoding: foldDefault.stdout, as: UTF8.self)), PerfPLTNames.unnamed(String(decoding: foldText.stdout, as: UTF8.self)))
    }

    func testTruncatedFileDrawsWhatWasRead() throws {
        let dir = try prepare()
        let (status, log) = try shell("perf record -q -F 997 -g -o whole.data -- ./bin/cpuburn 0.3", in: dir)
        XCTAssertEqual(status, 0, log)
        let whole = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/whole.data"))
        let cut = whole.prefix(whole.count * 2 / 3)
        try cut.write(to: URL(fileURLWithPath: "\(dir)/cut.data"))
        let result = try CLITests.run(["fold", "\(dir)/cut.data"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("cut.data") && result.stderr.contains("byte"), result.stderr)
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("cpuburn;"), result.stderr)

        // Only the header: an error naming the file, exit 2, no crash.
        try whole.prefix(60).write(to: URL(fileURLWithPath: "\(dir)/head.data"))
        let head = try CLITests.run(["fold", "\(dir)/head.data"])
        XCTAssertEqual(head.status, 2, head.stderr)
        XCTAssertTrue(head.stderr.contains("head.data"), head.stderr)
        XCTAssertEqual(head.stderr.split(separator: "\n").count, 1, head.stderr)
    }
}
