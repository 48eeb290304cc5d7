import XCTest
@testable import ProfileModel

/// Per span totals: a sample counts in every span whose window holds its time (both ends
/// inclusive, as `--time`), an interval in each span by the share inside it.
final class SpanTotalsTests: XCTestCase {
    func testSamplesCountInEveryWindowThatHoldsThem() {
        var t = SpanTotals([Span(name: "outer", start: 100, end: 200), Span(name: "inner", start: 150, end: 160, row: 1),
                            Span(name: "late", start: 300, end: 400)])
        for time: UInt64 in [99, 100, 150, 160, 161, 200, 201, 299, 400, 401] { t.add(time: time, weight: 1) }
        t.add(time: 0, weight: 50)  // untimed: in no span
        let names = t.spans.map(\.name)
        XCTAssertEqual(names, ["outer", "inner", "late"])
        XCTAssertEqual(t.total(0, .onCPU), 5, "100, 150, 160, 161, 200")
        XCTAssertEqual(t.total(1, .onCPU), 2, "150, 160")
        XCTAssertEqual(t.total(2, .onCPU), 1, "400")
        XCTAssertEqual(t.offCPU(0), 0)
    }

    func testIntervalsAreClippedProRata() {
        var t = SpanTotals([Span(name: "a", start: 1_000, end: 1_999), Span(name: "b", start: 1_500, end: 3_000)])
        // 500..2500: a takes 1000..1999 (1000 ns of 2000), b takes 1500..2500 (1000 of 2000).
        t.add(lane: .sleeping, start: 500, length: 2_000, weight: 2_000)
        t.add(lane: .disk, start: 1_100, length: 100, weight: 100)
        t.add(lane: .runnable, start: 5_000, length: 10, weight: 10)
        XCTAssertEqual(t.total(0, .sleeping), 1_000)
        XCTAssertEqual(t.total(1, .sleeping), 1_000)
        XCTAssertEqual(t.total(0, .disk), 100, "wholly inside")
        XCTAssertEqual(t.total(1, .disk), 0)
        XCTAssertEqual(t.offCPU(0), 1_100)
        XCTAssertEqual(t.offCPU(1), 1_000, "nothing after the spans")
    }

    func testAWideSpanIsFoundBehindManyShortOnes() {
        // The reach index: a long span that started first must still take late samples.
        var spans = [Span(name: "all", start: 0, end: 1_000_000)]
        for i in 1...1_000 { spans.append(Span(name: "s\(i)", start: UInt64(i) * 100, end: UInt64(i) * 100 + 10, row: 1)) }
        var t = SpanTotals(spans)
        t.add(time: 999_999, weight: 7)
        t.add(time: 505, weight: 1)
        XCTAssertEqual(t.total(0, .onCPU), 8)
        let s5 = t.spans.firstIndex { $0.name == "s5" }!
        XCTAssertEqual(t.total(s5, .onCPU), 1)
        XCTAssertEqual((0..<t.spans.count).map { t.total($0, .onCPU) }.reduce(0, +), 9, "505 counts in all and in s5")
    }
}
