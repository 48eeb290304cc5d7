import Foundation
import FoundationXML
import XCTest
import TestSupport

/// Broken and hostile input through the flame binary (issue 9): every input error is one line
/// naming the file and the place (byte offset or line) with what was expected and found, exit
/// status 2 (1 for output failures), never a trap; and flame writes only its output, atomically,
/// never over an input.
final class HostileInputCLITests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = try CLITests.makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    private func file(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }

    private var out: String { dir.appendingPathComponent("out.svg").path }

    /// Runs flame and checks the exact stderr and status; the output file must not appear on failure.
    @discardableResult
    private func expect(_ args: [String], stderr: String, status: Int32, stdin: Data? = nil, outputExists: Bool = false,
                        file: StaticString = #filePath, line: UInt = #line) throws -> CLITests.Result {
        let r = try CLITests.run(args, stdin: stdin)
        XCTAssertEqual(r.stderr, stderr, file: file, line: line)
        XCTAssertEqual(r.status, status, file: file, line: line)
        if status != 0, !outputExists, let o = args.firstIndex(of: "-o").map({ args[$0 + 1] }), o != "-" {
            XCTAssertFalse(FileManager.default.fileExists(atPath: o), "no output after a failure", file: file, line: line)
        }
        return r
    }

    static let expected = "expected perf.data, `perf script` text, folded stacks or off-CPU text"
    static let unknown = "unknown input format: expected perf.data, `perf script` text, folded stacks "
        + "(`frame;frame;frame COUNT`) or off-CPU text (perf sched timehist, bcc offcputime, bpftrace), found "

    // MARK: - files that are not profiles

    func testZeroLengthFileAndEmptyStandardInput() throws {
        let empty = try file("empty", [])
        for command in ["oncpu", "offcpu", "fold", "top"] {
            try expect([command, empty] + (command == "fold" || command == "top" ? [] : ["-o", out]),
                       stderr: "flame: \(empty): empty input: \(Self.expected)\n", status: 2)
        }
        try expect(["oncpu", "-", "-o", out], stderr: "flame: <stdin>: empty input: \(Self.expected)\n", status: 2,
                   stdin: Data())
        // Blank lines and comments only are empty too.
        let blank = try file("blank", "\n\n# nothing\n\n")
        try expect(["oncpu", blank, "-o", out], stderr: "flame: \(blank): empty input: \(Self.expected)\n", status: 2)
    }

    /// A folder is an input only when `flame record` wrote it.
    func testDirectory() throws {
        let notRecord = "flame: \(dir.path): not a flame record folder (it has no flame-record.json); give a perf.data file, "
            + "or a folder `flame record` wrote\n"
        for command in ["oncpu", "offcpu", "top", "fold", "export"] {
            try expect([command, dir.path] + (command == "export" ? ["--format", "folded", "-o", out]
                                                : command == "top" || command == "fold" ? [] : ["-o", out]),
                       stderr: notRecord, status: 2)
        }
        try expect(["both", dir.path, dir.path, "-o", out], stderr: notRecord, status: 2)
        try expect(["diff", dir.path, dir.path, "-o", out], stderr: notRecord, status: 2)
    }

    /// Unreadable for the user running flame (as root, the test runs flame as nobody: root reads anything).
    func testUnreadableFile() throws {
        let secret = try file("secret.folded", "a;b 1\n")
        XCTAssertEqual(chmod(secret, 0), 0)
        var args = [CLITests.binary.path, "oncpu", secret, "-o", out]
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw Live.skip("running as root without setpriv") }
            XCTAssertEqual(chmod(dir.path, 0o777), 0)
            args = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + args
        }
        let r = try BrowserTests.run(args[0], Array(args.dropFirst()), timeout: 60)
        XCTAssertEqual(r.stderr, "flame: \(secret): cannot read: Permission denied\n")
        XCTAssertEqual(r.status, 2)
    }

    func testMissingFile() throws {
        let missing = dir.appendingPathComponent("nope.data").path
        try expect(["oncpu", missing, "-o", out], stderr: "flame: \(missing): cannot read: No such file or directory\n", status: 2)
    }

    /// Binary data given as a text profile: the first line, escaped, at most 60 characters.
    func testBinaryGarbageAsText() throws {
        // Bytes of every value but the newline, in a scrambled order.
        var bytes: [UInt8] = []
        var x: UInt32 = 12345
        while bytes.count < 4000 {
            x = x &* 1_103_515_245 &+ 12345
            let b = UInt8(truncatingIfNeeded: x >> 16)
            if b != 0x0A { bytes.append(b) }
        }
        let garbage = try file("garbage.txt", bytes)
        try expect(["oncpu", garbage, "-o", out],
                   stderr: "flame: \(garbage):1: \(Self.unknown)\(Self.excerpt(bytes))\n", status: 2)
        // An ELF binary (a program given where its profile should be).
        let elf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "/bin/true")))
        let firstLine = Array(elf.prefix { $0 != 0x0A })
        try expect(["offcpu", "/bin/true", "-o", out], stderr: "flame: /bin/true:1: \(Self.unknown)\(Self.excerpt(firstLine))\n",
                   status: 2)
    }

    /// NUL bytes: a file of them is garbage; in a name they are drawn as U+FFFD and kept by fold.
    func testNULBytes() throws {
        let zeros = try file("zeros", [UInt8](repeating: 0, count: 4096))
        try expect(["oncpu", zeros, "-o", out], stderr: "flame: \(zeros):1: \(Self.unknown)"
                   + "\"" + String(repeating: "\\x00", count: 60) + "…\"\n", status: 2)

        let named = try file("nul.folded", [UInt8]("app;a".utf8) + [0] + [UInt8]("b;c 5\n".utf8))
        let fold = try CLITests.run(["fold", named])
        XCTAssertEqual(fold.status, 0, fold.stderr)
        XCTAssertEqual([UInt8](fold.stdout), [UInt8]("app;a".utf8) + [0] + [UInt8]("b;c 5\n".utf8), "fold keeps the bytes")
        let svg = try render(named)
        XCTAssertTrue(svg.titles.contains("a\u{FFFD}b"), "\(svg.titles)")
    }

    /// Names that are not UTF-8: folded output keeps the bytes, the SVG shows U+FFFD and stays
    /// well-formed XML.
    func testInvalidUTF8InNames() throws {
        let bad: [UInt8] = [0x66, 0xFF, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0x67]
        let input = [UInt8]("app;".utf8) + bad + [UInt8](";leaf 7\n".utf8)
        let path = try file("bad-utf8.folded", input)
        let fold = try CLITests.run(["fold", path])
        XCTAssertEqual(fold.status, 0, fold.stderr)
        XCTAssertEqual([UInt8](fold.stdout), input)
        let svg = try render(path)
        XCTAssertTrue(svg.titles.contains("f" + String(repeating: "\u{FFFD}", count: 10) + "g"), "\(svg.titles)")
    }

    // MARK: - perf.data

    func testPerfDataFromABigEndianMachine() throws {
        var bytes = [UInt8](try Data(contentsOf: CLITests.testdata.appendingPathComponent("threads.data")))
        // What a big-endian perf writes: every header word byte-swapped.
        for word in 0..<13 { bytes[(word * 8)..<(word * 8 + 8)].reverse() }
        let path = try file("be.data", bytes)
        let message = "flame: \(path): byte-swapped magic at byte 0: perf.data from a machine of the other endianness is not supported\n"
        try expect(["oncpu", path, "-o", out], stderr: message, status: 2)
        try expect(["offcpu", path, "-o", out], stderr: message, status: 2)
        try expect(["script", path], stderr: message, status: 2)
    }

    /// Cut at many offsets (every byte of the header, then through the attrs, the data and the
    /// feature sections): either one error line with the offset and exit 2, or the samples before
    /// the cut drawn with warnings naming offsets.
    func testTruncatedPerfDataAtAnyOffset() throws {
        let full = [UInt8](try Data(contentsOf: CLITests.testdata.appendingPathComponent("threads.data")))
        let path = dir.appendingPathComponent("cut.data").path
        func run(_ cut: Int) throws -> CLITests.Result {
            try Data(full[0..<cut]).write(to: URL(fileURLWithPath: path))
            try? FileManager.default.removeItem(atPath: out)
            return try CLITests.run(["oncpu", path, "-o", out])
        }
        XCTAssertEqual(try run(0).stderr, "flame: \(path): empty input: \(Self.expected)\n")
        XCTAssertEqual(try run(3).stderr, "flame: \(path):1: \(Self.unknown)\"PER\"\n", "too short to be told from text")
        XCTAssertEqual(try run(6).stderr, "flame: \(path): truncated file header at byte 0 (needs 8 bytes, file ends at 6)\n")
        XCTAssertEqual(try run(12).stderr, "flame: \(path): truncated file header at byte 8 (needs 8 bytes, file ends at 12)\n")
        XCTAssertEqual(try run(50).stderr, "flame: \(path): truncated file header at byte 0 (needs 104 bytes, file ends at 50)\n")

        // Every byte of the fixed header's fields, the attr table's edges, then through the file.
        var cuts = Array(1..<20) + [23, 24, 39, 40, 55, 56, 71, 72, 103, 104, 105, 111, 112, 119]
        cuts += stride(from: 120, to: full.count, by: full.count / 50)
        cuts += [full.count - 1]
        var drawn = 0
        for cut in cuts {
            let r = try run(cut)
            let lines = r.stderr.split(separator: "\n").map(String.init)
            XCTAssertTrue(r.status == 0 || r.status == 2, "cut \(cut): status \(r.status): \(r.stderr)")
            XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("flame: ") }, "cut \(cut): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtrace"), "cut \(cut): \(r.stderr)")
            if r.status == 2 {
                XCTAssertEqual(lines.filter { !$0.contains("warning") }.count, 1, "cut \(cut): one error line: \(r.stderr)")
                let error = lines.last ?? ""
                XCTAssertTrue(error.hasPrefix("flame: \(path)"), "cut \(cut): names the file: \(error)")
                XCTAssertTrue(error.contains("byte") || error.contains(":1: unknown input format") || error.contains("no samples"),
                              "cut \(cut): says where: \(error)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            } else {
                drawn += 1
                XCTAssertTrue(lines.contains { $0.contains("warning") && $0.contains("byte") }, "cut \(cut): the damage is said: \(r.stderr)")
                XCTAssertEqual(lines.last, "flame: wrote \(out)")
            }
        }
        XCTAssertGreaterThan(drawn, 35, "cuts inside the data keep what was read")

        // Pipe mode through standard input, zstd-compressed records in a file, and the off-CPU reader.
        let pipe = [UInt8](try Data(contentsOf: CLITests.testdata.appendingPathComponent("perfdata/pipe.data")))
        for cut in [9, 16, 20, 100, 1000, pipe.count / 2, pipe.count - 3] {
            let r = try CLITests.run(["oncpu", "-", "-o", out], stdin: Data(pipe[0..<cut]))
            XCTAssertTrue(r.status == 0 || r.status == 2, "pipe cut \(cut): \(r.stderr)")
            XCTAssertTrue(r.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("flame: ") }, "pipe cut \(cut): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("<stdin>"), "pipe cut \(cut): names standard input: \(r.stderr)")
        }
        XCTAssertEqual(try CLITests.run(["oncpu", "-", "-o", out], stdin: Data(pipe[0..<20])).stderr,
                       "flame: <stdin>: truncated record header at byte 16 (needs 8 bytes, file ends at 20)\n")
        let zstd = [UInt8](try Data(contentsOf: CLITests.testdata.appendingPathComponent("perfdata/zstd.data")))
        for cut in stride(from: 200, to: zstd.count, by: zstd.count / 8) {
            try Data(zstd[0..<cut]).write(to: URL(fileURLWithPath: path))
            for command in ["oncpu", "offcpu"] {
                let r = try CLITests.run([command, path, "-o", out])
                XCTAssertTrue(r.status == 0 || r.status == 2, "zstd cut \(cut), \(command): \(r.stderr)")
                XCTAssertTrue(r.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("flame: ") }, "zstd cut \(cut), \(command): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtrac"), "zstd cut \(cut): \(r.stderr)")
            }
        }
    }

    // MARK: - text

    /// A line of 1 GB, through a pipe and as a (sparse) file: refused once it passes 128 MiB,
    /// without reading the rest or holding it.
    func testOneGigabyteLine() throws {
        let flame = CLITests.binary.path
        let start = Date()
        let (status, output) = try CLITests.shell(
            "head -c 1000000000 /dev/zero | tr '\\0' a | '\(flame)' oncpu - -o '\(out)'; echo \"status $?\"")
        XCTAssertEqual(output, "flame: <stdin>:1: line longer than 128 MiB: not a profile (\(Self.expected))\nstatus 2\n")
        XCTAssertEqual(status, 0)
        let sparse = dir.appendingPathComponent("sparse").path
        let fd = creat(sparse, 0o644)
        XCTAssertEqual(ftruncate(fd, 1_000_000_000), 0, "a sparse file: no disk space used")
        close(fd)
        try expect(["oncpu", sparse, "-o", out],
                   stderr: "flame: \(sparse):1: line longer than 128 MiB: not a profile (\(Self.expected))\n", status: 2)
        // A valid first line, then the long one: the line number says where.
        let (_, second) = try CLITests.shell(
            "{ printf 'a;b 1\\n'; head -c 200000000 /dev/zero | tr '\\0' a; } | '\(flame)' fold -")
        XCTAssertEqual(second, "flame: <stdin>:2: line longer than 128 MiB: not a profile (\(Self.expected))\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 120)
    }

    /// A line without its count is skipped and said; when it is the first line, the input is not
    /// recognised as folded stacks at all (the format is told from the first lines).
    func testFoldedLineWithoutACount() throws {
        let path = try file("nocount.folded", "d;e 5\na;b;c\nd;f 2\n")
        try expect(["oncpu", path, "-o", out],
                   stderr: "flame: \(path): warning: 1 line(s) not understood and skipped (first at line 2: \"a;b;c\")\n"
                       + "flame: wrote \(out)\n", status: 0)
        let first = try file("first.folded", "a;b;c\nd;e 5\n")
        try FileManager.default.removeItem(atPath: out)
        try expect(["oncpu", first, "-o", out], stderr: "flame: \(first):1: \(Self.unknown)\"a;b;c\"\n", status: 2)
    }

    func testCountsThatOverflow64Bits() throws {
        // One count past 2^64 - 1: not a number flame can hold.
        let big = try file("big.folded", "a;b 18446744073709551616\n")
        try expect(["oncpu", big, "-o", out],
                   stderr: "flame: \(big):1: warning: 1 record(s) skipped (first here: its count 18446744073709551616 does not fit in 64 bits)\n"
                       + "flame: \(big): no samples to draw (no sample records found)\n", status: 2)
        // Counts that each fit but add up past it: the line that would wrap the total is left out.
        let sum = try file("sum.folded", "a;b 9223372036854775808\na;c 9223372036854775808\na;d 5\n")
        try expect(["oncpu", sum, "-o", out],
                   stderr: "flame: \(sum):2: warning: 1 record(s) skipped (first here: its count 9223372036854775808 takes the total "
                       + "past 18446744073709551615, the most a 64-bit weight holds)\nflame: wrote \(out)\n", status: 0)
        let svg = try SVG(Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(svg.titles.first, "all", "root")
        XCTAssertTrue(svg.rawTitles.first?.contains("9,223,372,036,854,775,813 samples") ?? false, "\(svg.rawTitles.first ?? "")")
        let fold = try CLITests.run(["fold", sum])
        XCTAssertEqual(String(decoding: fold.stdout, as: UTF8.self), "a;b 9223372036854775808\na;d 5\n")
    }

    /// Sample periods (perf script text) that add up past 2^64 - 1: the sample that would wrap
    /// the total is left out and said, so every width stays a true share of the total.
    func testPeriodsThatOverflow64Bits() throws {
        let text = try file("big.perf.txt", "app 1 1.000000: 9223372036854775808 cycles: \n\t 1 f (/bin/x)\n\n"
                                            + "app 1 1.000001: 9223372036854775808 cycles: \n\t 1 g (/bin/x)\n\n"
                                            + "app 1 1.000002: 5 cycles: \n\t 1 h (/bin/x)\n\n")
        let fold = try CLITests.run(["fold", text])
        XCTAssertEqual(fold.status, 0)
        XCTAssertEqual(String(decoding: fold.stdout, as: UTF8.self), "app;f 9223372036854775808\napp;h 5\n")
        XCTAssertEqual(fold.stderr, "flame: warning: 1 sample(s) skipped: their weights would take the total past 18446744073709551615\n")
        // Off-CPU folded microseconds become nanoseconds: their total must fit after * 1000.
        let us = try file("off.folded", "a;b 18446744073709551\na;c 1000\n")
        let off = try CLITests.run(["offcpu", us, "--folded"])
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertEqual(String(decoding: off.stdout, as: UTF8.self), "a;b 18446744073709551\n")
        XCTAssertTrue(off.stderr.contains("1 record(s) skipped"), off.stderr)
    }

    /// 10,000 frames in one stack, as folded stacks and as perf script text: drawn whole.
    func testDeeplyRecursiveStacks() throws {
        let frames = (0..<10_000).map { "f\($0 % 7)" }
        let folded = try file("deep.folded", "app;" + frames.joined(separator: ";") + " 3\napp;short 1\n")
        let start = Date()
        let r = try CLITests.run(["oncpu", folded, "-o", out, "--minwidth", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try SVG(Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(svg.titles.count, 10_003, "root, app, 10,000 frames, short")
        XCTAssertEqual(svg.titles.last, "short")

        var text = "app 42 1.000000: 1 cpu-clock:\n"
        for f in frames.reversed() { text += "\t1234 \(f)+0x1 (/bin/app)\n" }
        text += "\n"
        let script = try file("deep.perf.txt", text)
        let fold = try CLITests.run(["fold", script])
        XCTAssertEqual(fold.status, 0, fold.stderr)
        XCTAssertEqual(String(decoding: fold.stdout, as: UTF8.self), "app;" + frames.joined(separator: ";") + " 1\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
    }

    /// Names quoted in messages cannot drive the terminal: control characters are escaped.
    func testControlCharactersInMessagesAreEscaped() throws {
        let path = try file("bt.txt", "@offcpu[\n    f+1\n, evil\u{1B}[2J\u{202E}x, 1, 1]: 7\n")
        let r = try CLITests.run(["offcpu", path, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E }, r.stderr)
        XCTAssertTrue(r.stderr.contains("evil\\x1b[2J\\u{202e}x"), r.stderr)

        // Tables for the terminal (flame top) and Markdown: the same names, escaped.
        let folded = try file("names.folded", "app;evil\u{1B}]0;x\u{07}\u{202E}y 5\n")
        for format in ["text", "md", "csv"] {
            let top = try CLITests.run(["top", folded, "--format", format])
            XCTAssertEqual(top.status, 0, top.stderr)
            let text = String(decoding: top.stdout, as: UTF8.self)
            XCTAssertFalse(text.unicodeScalars.contains { [0x1B, 0x07, 0x202E].contains($0.value) }, "\(format): \(text)")
            // (";" splits the name into two frames: the leaf is "x\u{7}\u{202E}y".)
            XCTAssertTrue(text.contains("x\\u{7}\\u{202e}y"), "\(format): \(text)")
        }
    }

    /// Found by fuzzing: process names holding a carriage return or newlines (bcc, bpftrace JSON
    /// and timehist inputs) were printed raw in the off-CPU summary, splitting it into lines that
    /// were not flame's. Every line flame prints now starts with "flame: ".
    func testLineBreaksInProcessNamesStayInTheirLine() throws {
        let regressions = CLITests.root.appendingPathComponent("Fuzz/regressions")
        for input in ["BccOffCPU/comm-with-cr", "BpftraceJSON/comm-with-newline", "Bpftrace/comm-with-newline"] {
            let r = try CLITests.run(["offcpu", regressions.appendingPathComponent(input).path, "-o", out])
            XCTAssertEqual(r.status, 0, "\(input): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("\r"), input)
            for line in r.stderr.split(separator: "\n") { XCTAssertTrue(line.hasPrefix("flame: "), "\(input): \(line)") }
        }
        let r = try CLITests.run(["offcpu", regressions.appendingPathComponent("BccOffCPU/comm-with-cr").path, "-o", out])
        XCTAssertTrue(r.stderr.contains("flame:   rcu_\\rreempt: 28.0 µs"), r.stderr)
    }

    /// Found by fuzzing: a 16-byte Swift-looking symbol made the Swift runtime's demangler abort
    /// flame with a backtrace; the name is now kept as it is, silently.
    func testSymbolThatCrashedTheSwiftDemangler() throws {
        let path = try file("swift.perf.txt", "app 1 1.000000: 1 cpu-clock:\n\t401000 $s8mainF0_Z_$RV_+0x1 (/bin/app)\n"
            + "\t401100 $s6swprog5driveyS2iF+0x1 (/bin/app)\n\n")
        let r = try CLITests.run(["fold", path])
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), "app;swprog.drive;$s8mainF0_Z_$RV_ 1\n")
    }

    // MARK: - output safety

    func testOutputNeverReplacesAnInput() throws {
        let input = try file("in.folded", "a;b 1\n")
        let message = "flame: \(input): cannot write: it is the input \(input); choose another -o\n"
        try expect(["oncpu", input, "-o", input], stderr: message, status: 1, outputExists: true)
        // Through a symbolic link and a hard link: the same file.
        let soft = dir.appendingPathComponent("link.svg").path
        XCTAssertEqual(symlink(input, soft), 0)
        try expect(["oncpu", input, "-o", soft], stderr: "flame: \(soft): cannot write: it is the input \(input); choose another -o\n",
                   status: 1, outputExists: true)
        let hard = dir.appendingPathComponent("hard.svg").path
        XCTAssertEqual(link(input, hard), 0)
        try expect(["offcpu", input, "-o", hard], stderr: "flame: \(hard): cannot write: it is the input \(input); choose another -o\n",
                   status: 1, outputExists: true)
        try expect(["both", input, input, "-o", input], stderr: message, status: 1, outputExists: true)
        try expect(["diff", input, input, "-o", input], stderr: message, status: 1, outputExists: true)
        XCTAssertEqual(try String(contentsOfFile: input, encoding: .utf8), "a;b 1\n")

        // A report folder holding an input under the name of one of its files.
        let folder = dir.appendingPathComponent("report")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let inside = folder.appendingPathComponent("oncpu.svg").path
        try Data("a;b 1\n".utf8).write(to: URL(fileURLWithPath: inside))
        let r = try CLITests.run(["report", "--oncpu", inside, "-o", folder.path])
        XCTAssertEqual(r.stderr, "flame: \(inside): cannot write: it is the input \(inside); choose another -o\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(try String(contentsOfFile: inside, encoding: .utf8), "a;b 1\n")
    }

    /// Output goes to a temporary file renamed over the target: another link to the old file keeps
    /// the old content, a failed run leaves the old output and no temporary file, and nothing but
    /// the output is written (the working directory stays empty).
    func testOutputIsWrittenAtomicallyAndOnlyThere() throws {
        let input = try file("in.folded", "a;b 1\n")
        let outDir = dir.appendingPathComponent("out")
        let cwd = dir.appendingPathComponent("cwd")
        for d in [outDir, cwd] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let target = outDir.appendingPathComponent("g.svg").path
        let old = dir.appendingPathComponent("old.svg").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        XCTAssertEqual(link(target, old), 0)

        let r = try CLITests.run(["oncpu", input, "-o", target], cwd: cwd)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("<?xml"))
        XCTAssertEqual(try String(contentsOfFile: old, encoding: .utf8), "old", "the old file was not written in place")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), ["g.svg"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cwd.path), [])

        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        let bad = try file("bad.folded", "no count\n")
        let failed = try CLITests.run(["oncpu", bad, "-o", target], cwd: cwd)
        XCTAssertEqual(failed.status, 2)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before, "a failed run keeps the old output")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), ["g.svg"], "no temporary file left")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cwd.path), [])

        // A directory, and an unwritable place: one line, exit status 1, nothing written beside them.
        try expect(["oncpu", input, "-o", outDir.path], stderr: "flame: \(outDir.path): cannot write: is a directory\n", status: 1,
                   outputExists: true)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["bad.folded", "cwd", "in.folded", "old.svg", "out"])
        let nowhere = dir.appendingPathComponent("missing/dir/g.svg").path
        try expect(["oncpu", input, "-o", nowhere], stderr: "flame: \(nowhere): cannot write: No such file or directory\n", status: 1)
    }

    // MARK: - helpers

    /// InputError.excerpt's rules: printable ASCII as is, quotes and backslashes escaped, tab and
    /// CR as \t and \r, other bytes as \xNN; 60 characters at most, then "…".
    static func excerpt(_ bytes: [UInt8]) -> String {
        var s = "\""
        for (i, b) in bytes.enumerated() {
            if i == 60 { s += "…"; break }
            switch b {
            case 0x22: s += "\\\""
            case 0x5C: s += "\\\\"
            case 0x09: s += "\\t"
            case 0x0D: s += "\\r"
            case 0x20...0x7E: s.unicodeScalars.append(Unicode.Scalar(b))
            default: s += String(format: "\\x%02x", b)
            }
        }
        return s + "\""
    }

    private func render(_ input: String) throws -> SVG {
        let r = try CLITests.run(["oncpu", input, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try SVG(Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// The frame names of an SVG, read with an XML parser (which fails on a malformed document).
    struct SVG {
        var rawTitles: [String] = []
        var titles: [String] { rawTitles.map { String($0.split(separator: "\n", omittingEmptySubsequences: false)[0]) } }

        init(_ data: Data) throws {
            let parser = XMLParser(data: data)
            let collector = Collector()
            parser.delegate = collector
            guard parser.parse() else { throw NSError(domain: "SVG", code: 1, userInfo: [NSLocalizedDescriptionKey: "not well-formed XML"]) }
            rawTitles = collector.titles
        }

        private final class Collector: NSObject, XMLParserDelegate {
            var titles: [String] = []
            private var current: String?
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if name == "title" { current = "" }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { current? += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "title", let c = current { titles.append(c); current = nil }
            }
        }
    }
}
