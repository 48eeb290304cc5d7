import XCTest
@testable import TextInputs

final class FormatDetectionTests: XCTestCase {
    func detect(_ text: String) throws -> InputFormat {
        let path = try temporaryFile(text, name: "no-extension-hint")
        let source = try ByteSource(path: path)
        return try withExtendedLifetime(source) {
            guard let format = try InputFormat.detect(source.peek(1 << 20), file: "in") else {
                XCTFail("a whole input must be decided")
                return .folded
            }
            return format
        }
    }

    func testPerfScriptByHeaderOrFrame() throws {
        XCTAssertEqual(try detect("compute 10091   520.951648:    2004008 cpu-clock:ppp: \n\t1550 f+0x1 (/x)\n\n"), .perfScript)
        XCTAssertEqual(try detect("# ========\n# captured on: today\n#\nperf 1 [000] 1.0: 1 cycles: \n"), .perfScript)
    }

    func testFoldedStacks() throws {
        XCTAssertEqual(try detect("java;start_thread;run 12\njava;gc 3\n"), .folded)
        XCTAssertEqual(try detect("single 1\n"), .folded)
    }

    func testFoldedStackLongerThanTheSniffWindow() throws {
        // 10,000 frames of 40 bytes: the first line alone is 400 KB.
        let deep = (0..<10_000).map { "frame_with_a_fairly_long_name_\($0 + 100_000)" }.joined(separator: ";")
        let path = try temporaryFile(deep + " 7\nshort;stack 1\n")
        XCTAssertEqual(try InputFormat.detect(ByteSource(path: path)), .folded)
    }

    func testGarbageNamesTheLine() {
        XCTAssertThrowsError(try detect("\n\nhello world\nthis is not a profile\n")) { error in
            XCTAssertEqual((error as? InputError)?.description,
                           "in:3: unknown input format: expected perf.data, `perf script` text, folded stacks (`frame;frame;frame COUNT`) "
                           + "or off-CPU text (perf sched timehist, bcc offcputime, bpftrace), found \"hello world\"")
        }
        XCTAssertThrowsError(try detect("\u{7F}ELF\u{02}\u{01}\u{01}\u{00}\u{00}\u{00}")) { error in
            XCTAssertTrue((error as? InputError)?.description.contains("unknown input format") ?? false)
        }
    }

    func testEmptyInput() {
        XCTAssertThrowsError(try detect("")) { error in
            XCTAssertEqual(error as? InputError, .empty(file: "in"))
        }
        XCTAssertThrowsError(try detect("# only comments\n\n")) { error in
            XCTAssertEqual(error as? InputError, .empty(file: "in"))
        }
    }

    /// Every committed capture, by its content: the formats flame already read keep their answer.
    func testEveryCaptureDetectsAsBefore() throws {
        let testdata = OffCPUData.dir.deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: testdata.path)
        let expected: [(String, InputFormat)] =
            files.filter { $0.hasSuffix(".perf.txt") }.map { ($0, .perfScript) }
            + files.filter { $0.hasSuffix(".data") }.map { ($0, .perfData) }
            + ["cpuburn.collapsed", "kernel.collapsed-kernel", "multievent.collapsed-all", "templates.flame-folded",
               "threads-ns.collapsed", "threads-pidtid.collapsed-tid"].map { ("golden/" + $0, .folded) }
        XCTAssertGreaterThan(expected.count, 20)
        for (name, format) in expected {
            XCTAssertEqual(try InputFormat.detect(ByteSource(path: testdata.appendingPathComponent(name).path)), format, name)
            XCTAssertFalse(format.isAggregatedOffCPU)
        }
    }

    func testOffCPUCapturesDetect() throws {
        let expected: [(String, InputFormat)] = [
            ("sleepy.timehist.txt", .timehist), ("sleepy.timehist-V-state-w-M-n.txt", .timehist),
            ("sleepy.timehist-S.txt", .timehist), ("sleepy.timehist-maxstack-p.txt", .timehist),
            ("sleepy.bpftrace-offcpu.txt", .bpftrace), ("sleepy.bpftrace-offwake.txt", .bpftrace),
            ("sleepy.bpftrace-offcpu.json", .bpftraceJSON), ("sleepy.bpftrace-offwake.json", .bpftraceJSON),
            ("offcputime.bcc-format.txt", .bccOffCPU), ("offcputime-d.bcc-format.txt", .bccOffCPU),
            ("offwaketime.bcc-format.txt", .bccOffCPU), ("offwaketime-d.bcc-format.txt", .bccOffCPU),
            // bcc -f is folded stacks (offwaketime's `--` and `-` are frames like any other).
            ("offcputime-f.bcc-format.txt", .folded), ("offcputime-f-d.bcc-format.txt", .folded),
            ("offwaketime-f.bcc-format.txt", .folded),
        ]
        for (name, format) in expected {
            XCTAssertEqual(try InputFormat.detect(ByteSource(path: OffCPUData.path(name))), format, name)
            XCTAssertEqual(format.isAggregatedOffCPU, format != .folded, name)
        }
    }

    func testOffCPUFormatsWithoutTheirHeaders() throws {
        // Cut by hand: no "Tracing ..." line, no timehist header, bpftrace's stderr first.
        XCTAssertEqual(try detect("    finish_task_switch.isra.0\n    schedule\n    -                io worker (12)\n        5\n"),
                       .bccOffCPU)
        XCTAssertEqual(try detect("    waker:           ping 12119\n    --               --\n"), .bccOffCPU)
        XCTAssertEqual(try detect("    1332.730244 [0001]  pong[12120/12117]     0.000      0.204      0.016    a <- b\n"),
                       .timehist)
        XCTAssertEqual(try detect("    1332.730244 [0001]   s   <idle>     0.000      0.204      0.016\n"), .timehist)
        XCTAssertEqual(try detect("ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace.\n@[\n    f+1\n]: 5\n"),
                       .bpftrace)
        XCTAssertEqual(try detect("@us[sleepy]: 75\n"), .bpftrace)
        XCTAssertEqual(try detect("{\"type\": \"attached_probes\", \"data\": {\"probes\": 2}}\n"), .bpftraceJSON)
        // Indented lines alone are no format: the first of them is named.
        XCTAssertThrowsError(try detect("    just\n    indented\n")) { error in
            XCTAssertEqual((error as? InputError)?.description.hasPrefix("in:1: unknown input format"), true)
        }
    }
}
