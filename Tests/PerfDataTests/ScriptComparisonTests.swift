import XCTest
@testable import PerfData

/// Every sample of every capture against what `perf script` printed for it at capture time.
final class ScriptComparisonTests: XCTestCase {
    /// Compares header fields that perf printed, and per frame the address and dso (not symbols: no binaries here).
    func compare(_ data: String, _ text: String, frames: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try PerfDataFile(path: Fixtures.path(data))
        let (ours, report) = try Replay.samples(f)
        XCTAssertNil(report.error, "\(data): \(report.error!)", file: file, line: line)
        let theirs = ScriptParser.parse(try Fixtures.text(text))
        XCTAssertGreaterThan(theirs.count, 0, file: file, line: line)
        XCTAssertEqual(ours.count, theirs.count, "\(data): sample count", file: file, line: line)
        var mismatches = 0
        for (i, (a, b)) in zip(ours, theirs).enumerated() {
            var a = a
            if b.pid == nil { a.pid = nil }
            if b.cpu == nil { a.cpu = nil }
            if b.period == nil { a.period = nil }
            if b.payload.isEmpty { a.payload = "" }
            if !frames { a.frames = []; }
            var b = b
            if !frames { b.frames = [] }
            if a != b {
                mismatches += 1
                if mismatches <= 3 { XCTFail("\(data) sample \(i):\nours:   \(a)\nperf's: \(b)", file: file, line: line) }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(data): mismatching samples", file: file, line: line)
    }

    func testCpuburn() throws { try compare("cpuburn.data", "cpuburn.perf.txt") }
    func testThreads() throws { try compare("threads.data", "threads.perf.txt") }
    func testThreadsPidTid() throws { try compare("threads.data", "threads-pidtid.perf.txt") }
    func testTemplates() throws { try compare("templates.data", "templates.perf.txt") }
    func testMultievent() throws { try compare("multievent.data", "multievent.perf.txt") }
    func testNoCallchain() throws { try compare("nocallchain.data", "nocallchain.perf.txt") }
    func testKernel() throws { try compare("kernel.data", "kernel.perf.txt") }
    func testSched() throws { try compare("sched.data", "sched.perf.txt") }
    func testPipe() throws { try compare("perfdata/pipe.data", "perfdata/pipe.perf.txt") }
    func testZstd() throws { try compare("perfdata/zstd.data", "perfdata/zstd.perf.txt") }
    func testBuildIDMmap() throws { try compare("perfdata/buildid-mmap.data", "perfdata/buildid-mmap.perf.txt") }
    func testSwitch() throws { try compare("perfdata/switch.data", "perfdata/switch.perf.txt") }
    func testSwitchSystemWide() throws { try compare("perfdata/switch-a.data", "perfdata/switch-a.perf.txt") }
    /// perf unwinds these with DWARF (binaries needed), so only the sample headers are compared.
    func testDwarfHeaders() throws { try compare("perfdata/dwarf.data", "perfdata/dwarf.perf.txt", frames: false) }
}
