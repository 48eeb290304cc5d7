import XCTest
@testable import Report
@testable import ProfileModel

/// The phase tables of summary.md: columns in the order `flame top --spans` promises, names
/// escaped, the longest spans kept when there are more than the limit (and the rest counted),
/// and two runs matched by name and occurrence.
final class SpanReportTests: XCTestCase {
    func table(_ spans: [(String, UInt64, UInt64)], cpu: UInt64 = 0) -> SpanTable {
        var on = SpanTotals(spans.map { Span(name: $0.0, start: $0.1, end: $0.2) })
        for s in spans { on.add(time: s.1, weight: cpu) }
        return SpanTable(on: on, off: nil, onCPUIsTime: true)
    }

    func testTheLongestSpansAreShownInTimeOrderAndTheRestCounted() {
        let t = table([("a", 1_000, 2_000), ("long", 3_000, 9_000_000), ("b|`c`", 10_000_000, 15_000_000)], cpu: 1_500_000)
        let md = SpanReport.section(t, file: "s.json", limit: 2)
        XCTAssertTrue(md.contains("3 spans of `s.json`, the 2 longest shown in time order"), md)
        XCTAssertFalse(md.contains("| `a` |"), md)
        let long = md.range(of: "| `long` | 8.997 | 1.500 |"), escaped = md.range(of: "`` b\\|`c` ``")
        XCTAssertNotNil(long, md)
        XCTAssertNotNil(escaped, md)
        if let long, let escaped { XCTAssertLessThan(long.lowerBound, escaped.lowerBound, "time order") }
        XCTAssertTrue(md.contains("| name | wall\\_ms | oncpu\\_ms | offcpu\\_ms |"), md)
        XCTAssertFalse(SpanReport.section(t, file: "s.json", limit: 3).contains("longest"))
    }

    func testTwoRunsAreMatchedByNameAndOccurrence() {
        let before = table([("cc", 0, 4_000_000), ("cc", 5_000_000, 7_000_000), ("gone", 8_000_000, 9_000_000)])
        let after = table([("cc", 0, 1_000_000), ("cc", 2_000_000, 3_000_000), ("new", 4_000_000, 4_500_000)])
        let md = SpanReport.comparison(before: before, after: after, names: ("cold", "hot"), limit: 40)
        XCTAssertTrue(md.hasPrefix("### Phases, cold → hot"), md)
        XCTAssertTrue(md.contains("| `cc` | 4.000 | 1.000 | −3.000 ms (−75.0%) |"), md)
        XCTAssertTrue(md.contains("| `cc` | 2.000 | 1.000 | −1.000 ms (−50.0%) |"), md)
        XCTAssertTrue(md.contains("| `gone` | 1.000 | — | — |"), md)
        XCTAssertTrue(md.contains("| `new` | — | 0.500 | — |"), md)
        let short = SpanReport.comparison(before: before, after: after, names: ("cold", "hot"), limit: 2)
        XCTAssertTrue(short.contains("the 2 longest of 4 shown"), short)
        XCTAssertFalse(short.contains("`new`"), short)
    }
}
