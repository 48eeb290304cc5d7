import XCTest
@testable import TextInputs

/// Text inputs found by fuzzing (issue 9); each once trapped or misbehaved.
final class HostileTextTests: XCTestCase {
    private final class Records: WaitRecordVisitor {
        var count = 0
        func record(_ r: WaitRecord, line: Int) { count += 1 }
    }

    private func source(_ text: String) throws -> ByteSource {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return try ByteSource(path: path)
    }

    /// A timehist header line naming "cpu" after "task name" trapped on a backwards range
    /// (Fuzz/regressions/Timehist/header-cpu-after-task-name).
    func testTimehistHeaderWithCPUAfterTaskName() throws {
        let visitor = Records()
        let report = try TimehistParser().parse(try source("task name cpu wait time\n"), into: visitor)
        XCTAssertEqual(visitor.count, 0)
        XCTAssertEqual(report.lines, 1)
        var columns = TimehistColumns()
        XCTAssertTrue(Array("           time   012  task name `  time    cpu  task name   wait time".utf8)
            .withUnsafeBufferPointer { columns.readHeader($0) })
    }

    /// A JSON map name holding a line break made a warning of two lines
    /// (Fuzz/regressions/BpftraceJSON/map-name-with-newline); such names are quoted and escaped.
    func testBpftraceMapNameWithALineBreak() throws {
        let s = try source("{\"type\": \"map\", \"data\": {\"@a\\nb\": {\"x\": 1}}}\n")
        let report = try BpftraceParser().parse(s, into: Records())
        XCTAssertEqual(report.warnings(file: "in"), [
            "in: warning: bpftrace map \"@a\\x0ab\": skipped: no stack in its key, so it is not an off-CPU map",
        ])
    }

    /// Counts: past 64 bits, and adding up past 64 bits, are skipped and said; a reader that
    /// scales counts can lower the limit.
    func testFoldedCountsThatOverflow() throws {
        final class Stacks: FoldedVisitor {
            var counts: [UInt64] = []
            func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int) { counts.append(count) }
        }
        let v = Stacks()
        let report = try FoldedParser().parse(try source("a 18446744073709551615\nb 1\nc 99999999999999999999999\n"), into: v)
        XCTAssertEqual(v.counts, [18446744073709551615])
        XCTAssertEqual(report.droppedRecords, 2)
        XCTAssertEqual(report.firstDropped?.line, 2)
        let scaled = Stacks()
        _ = try FoldedParser(maxTotal: .max / 1000).parse(try source("a 18446744073709551\nb 1\n"), into: scaled)
        XCTAssertEqual(scaled.counts, [18446744073709551], "µs that still fit once multiplied by 1000")
    }
}
