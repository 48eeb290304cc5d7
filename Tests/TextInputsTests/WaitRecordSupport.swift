import XCTest
@testable import TextInputs

/// Keeps every record a wait parser delivers, with its line.
final class WaitCollector: WaitRecordVisitor {
    var records: [WaitRecord] = []
    var lines: [Int] = []
    func record(_ record: WaitRecord, line: Int) {
        records.append(record)
        lines.append(line)
    }
}

/// The captures in testdata/offcpu (see its README).
enum OffCPUData {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/offcpu")

    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
}

typealias WaitParse = @Sendable (ByteSource, WaitRecordVisitor) throws -> ParseReport

let bccParse: WaitParse = { try BccOffCPUParser().parse($0, into: $1) }
let bpftraceParse: WaitParse = { try BpftraceParser().parse($0, into: $1) }
let timehistParse: WaitParse = { try TimehistParser().parse($0, into: $1) }

/// Parses a file; small `chunk`s force lines across read boundaries.
func waits(_ path: String, _ parse: WaitParse, chunk: Int = 1 << 20) throws -> (WaitCollector, ParseReport) {
    let collector = WaitCollector()
    let report = try parse(ByteSource(path: path, chunkSize: chunk), collector)
    return (collector, report)
}

/// Parses `text` written to a temporary file.
func waits(text: String, _ parse: WaitParse) throws -> (WaitCollector, ParseReport) {
    try waits(temporaryFile(text), parse)
}

extension WaitRecord {
    var name: String { String(decoding: comm, as: UTF8.self) }
    var frameNames: [String] { frames.map { String(decoding: $0, as: UTF8.self) } }
    var wakerNames: [String] { waker.map { String(decoding: $0, as: UTF8.self) } }
    var stateName: String? { state.map { String(decoding: $0, as: UTF8.self) } }
    /// Everything but the values, to compare two dumps of one run.
    var key: String {
        "\(name)|\(pid ?? -9)|\(tid ?? -9)|\(stateName ?? "-")|\(frameNames.joined(separator: ";"))|\(wakerNames.joined(separator: ";"))"
    }
}
