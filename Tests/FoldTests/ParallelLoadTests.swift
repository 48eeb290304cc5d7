import XCTest
@testable import Fold
@testable import ProfileModel
import TextInputs

/// Folding a file in parts on several threads must give exactly what one pass gives: the same
/// stacks and weights, the same event choice and notes, and warnings with whole-file line numbers.
final class ParallelLoadTests: XCTestCase {
    func serialAndParts(_ path: String, options: CollapseOptions = CollapseOptions(), parts: Int)
        throws -> (serial: Profile, split: Profile) {
        let (serial, _) = try ProfileLoader.load(path: path, options: options, threads: 1)
        let size = try XCTUnwrap(ByteSource.regularFileSize(path))
        let split = try XCTUnwrap(ProfileLoader.loadInParts(path: path, size: size, options: options, parts: parts))
        return (serial, split)
    }

    func testRealCapturesFoldIdenticallyInParts() throws {
        for capture in ["cpuburn", "threads", "templates", "kernel", "multievent", "sched"] {
            let path = RealCaptureTests.testdata.appendingPathComponent("\(capture).perf.txt").path
            for parts in [2, 3, 7] {
                var options = CollapseOptions()
                options.includeTid = true
                let (serial, split) = try serialAndParts(path, options: options, parts: parts)
                XCTAssertEqual(FoldedWriter.bytes(split), FoldedWriter.bytes(serial), "\(capture) in \(parts) parts")
                XCTAssertEqual(split.event, serial.event)
                XCTAssertEqual(split.unit, serial.unit)
                XCTAssertEqual(split.notes, serial.notes, capture)
                var chart = CollapseOptions()
                chart.chartMode = true
                let (serialChart, splitChart) = try serialAndParts(path, options: chart, parts: parts)
                XCTAssertEqual(FoldedWriter.bytes(splitChart), FoldedWriter.bytes(serialChart), "\(capture) chart in \(parts) parts")
            }
        }
    }

    func testWarningsKeepWholeFileLineNumbers() throws {
        // Real records, an odd line deep in the file, and a final record cut off.
        let base = try String(contentsOf: RealCaptureTests.testdata.appendingPathComponent("cpuburn.perf.txt"), encoding: .utf8)
        var lines = base.components(separatedBy: "\n")
        let blank = try XCTUnwrap(lines.indices.last { $0 < lines.count * 3 / 4 && lines[$0].isEmpty })
        lines.insert("!! not a perf line !!", at: blank)
        var text = lines.joined(separator: "\n")
        while text.hasSuffix("\n") { text.removeLast() }
        text += "\n" + "cpuburn 19242  2515.900000:    1003009   cpu-clock:ppp: \n\t    1190 main+0x10 (/tmp/flametd/cpuburn)\n"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flame-parts-\(UUID().uuidString).txt").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let (serial, split) = try serialAndParts(path, parts: 4)
        XCTAssertEqual(split.notes, serial.notes)
        XCTAssertEqual(serial.notes.count, 2, serial.notes.joined(separator: "\n"))
        XCTAssertTrue(serial.notes[0].contains("first at line \(blank + 1)"), serial.notes[0])
        XCTAssertEqual(FoldedWriter.bytes(split), FoldedWriter.bytes(serial))
    }

    func testFilesWithoutBlankLinesAreNotSplit() throws {
        let path = RealCaptureTests.testdata.appendingPathComponent("nocallchain.perf.txt").path
        let size = try XCTUnwrap(ByteSource.regularFileSize(path))
        XCTAssertNil(try ProfileLoader.loadInParts(path: path, size: size, options: CollapseOptions(), parts: 2))
    }
}
