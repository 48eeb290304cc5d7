import XCTest
@testable import TextInputs

/// Records what the parser reports, as text, for assertions.
final class RecordingVisitor: PerfScriptVisitor, FoldedVisitor {
    var events: [String] = []
    func record(_ header: ScriptHeader, line: Int) {
        events.append("record \(String(decoding: header.comm, as: UTF8.self)) \(header.tid) @\(line)")
    }
    func frame(_ frame: FrameLine, line: Int) {
        events.append("frame \(String(decoding: frame.symbol, as: UTF8.self))")
    }
    func sourceLine(_ text: UnsafeBufferPointer<UInt8>, line: Int) {
        events.append("src \(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespaces))")
    }
    func endRecord() { events.append("end") }
    func discardRecord() { events.append("discard") }
    func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int) {
        events.append("stack \(String(decoding: frames, as: UTF8.self)) \(count)")
    }
}

/// Writes `text` to a temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "input.txt") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flame-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

final class ParserTests: XCTestCase {
    func parse(_ text: String, chunk: Int = 1 << 20) throws -> ([String], ParseReport) {
        let path = try temporaryFile(text)
        let visitor = RecordingVisitor()
        let report = try PerfScriptParser().parse(ByteSource(path: path, chunkSize: chunk), into: visitor)
        return (visitor.events, report)
    }

    func testRecordsFramesSrclinesAndBlankLines() throws {
        let text = """
        # comment line from --header
        compute 10091   520.951648:    2004008 cpu-clock:ppp: \n\
        \t            1550 burn_cpu+0x30 (/tmp/flametd/ocd)
          ocd.c:37
        \t           891f5 start_thread+0x305 (/usr/lib/x86_64-linux-gnu/libc.so.6)

        compute 10091   520.953652:    2004008 cpu-clock:ppp: \n\
        \t            1550 burn_cpu+0x30 (/tmp/flametd/ocd)


        """
        let (events, report) = try parse(text)
        XCTAssertEqual(events, [
            "record compute 10091 @2", "frame burn_cpu", "src ocd.c:37", "frame start_thread", "end",
            "record compute 10091 @7", "frame burn_cpu", "end",
        ])
        XCTAssertEqual(report.records, 2)
        XCTAssertEqual(report.unrecognizedLines, 0)
    }

    func testSamplesWithoutCallchainAreClosedByTheNextHeader() throws {
        let text = """
                 compute 10091 [000]   520.951648:    2004008 cpu-clock:ppp:      1550 burn_cpu+0x30 (/tmp/flametd/ocd)
                 compute 10091 [000]   520.953652:    2004008 cpu-clock:ppp:      1550 burn_cpu+0x30 (/tmp/flametd/ocd)
        """
        let (events, report) = try parse(text)
        XCTAssertEqual(events, ["record compute 10091 @1", "frame burn_cpu", "end",
                                "record compute 10091 @2", "frame burn_cpu", "end"])
        XCTAssertNil(report.truncatedRecordLine)
    }

    func testCutOffFinalRecordIsDiscardedAndReported() throws {
        let text = """
        a 1 1.000001: 1 cpu-clock: \n\
        \t1 f+0x1 (/x)

        a 1 1.000002: 1 cpu-clock: \n\
        \t1 g+0x1 (/x)
        """
        let (events, report) = try parse(text)
        XCTAssertEqual(events.last, "discard")
        XCTAssertEqual(report.truncatedRecordLine, 4)
        XCTAssertEqual(report.warnings(file: "f.txt").count, 1)
        XCTAssertTrue(report.warnings(file: "f.txt")[0].hasPrefix("f.txt:4: warning: the last sample is cut off"))
    }

    func testOddLinesAreCountedNotFatal() throws {
        let text = "a 1 1.000001: 1 cpu-clock: \n\t1 f+0x1 (/x)\n!!garbage!!\n\n"
        let (events, report) = try parse(text)
        XCTAssertEqual(events, ["record a 1 @1", "frame f", "end"])
        XCTAssertEqual(report.unrecognizedLines, 1)
        XCTAssertEqual(report.firstUnrecognized?.line, 3)
        XCTAssertEqual(report.warnings(file: "x")[0],
                       "x: warning: 1 line(s) not understood and skipped (first at line 3: \"!!garbage!!\")")
    }

    func testLinesSpanningReadChunksAndLongLines() throws {
        // A 64-byte buffer forces every line across a chunk boundary and growth for long lines.
        let longName = String(repeating: "x", count: 300)
        var text = ""
        for i in 0..<50 {
            text += "proc \(i) 1.\(String(format: "%06d", i)): 1 cpu-clock: \n\t1 \(longName)\(i)+0x1 (/x)\n\n"
        }
        let (events, report) = try parse(text, chunk: 64)
        XCTAssertEqual(report.records, 50)
        XCTAssertEqual(events.filter { $0.hasPrefix("frame") }.count, 50)
        XCTAssertTrue(events.contains("frame \(longName)49"))
    }

    func testCRLFLines() throws {
        let text = "a 1 1.000001: 1 cpu-clock: \r\n\t1 f+0x1 (/x)\r\n\r\n"
        let (events, _) = try parse(text)
        XCTAssertEqual(events, ["record a 1 @1", "frame f", "end"])
    }

    func testFoldedParser() throws {
        let path = try temporaryFile("a;b;c 10\n# comment\na;b 3\nno count here\na;d 18446744073709551616\n")
        let visitor = RecordingVisitor()
        let report = try FoldedParser().parse(ByteSource(path: path), into: visitor)
        XCTAssertEqual(visitor.events, ["stack a;b;c 10", "stack a;b 3"])
        XCTAssertEqual(report.unrecognizedLines, 1, "a line without count is skipped")
        XCTAssertEqual(report.droppedRecords, 1, "and a count past 64 bits, said so")
        XCTAssertEqual(report.firstDropped?.line, 5)
        XCTAssertEqual(report.firstDropped?.reason, "its count 18446744073709551616 does not fit in 64 bits")
    }

    func testUnreadableAndDirectoryInputs() {
        XCTAssertThrowsError(try ByteSource(path: "/nonexistent/flame/input.txt")) { error in
            XCTAssertEqual((error as? InputError)?.description,
                           "/nonexistent/flame/input.txt: cannot read: No such file or directory")
        }
        XCTAssertThrowsError(try ByteSource(path: NSTemporaryDirectory())) { error in
            XCTAssertTrue((error as? InputError)?.description.hasSuffix("cannot read: is a directory") ?? false)
        }
    }
}
