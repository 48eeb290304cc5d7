import XCTest
@testable import FlameCommands

/// perf's `--pid N` / `--tid N` filters and stackcollapse-perf.pl's bare `--pid` / `--tid` flags share
/// their names: `Flame.rewriteFilterArguments` tells them apart before parsing.
final class FilterArgumentTests: XCTestCase {
    private func rewrite(_ line: String) -> String {
        Flame.rewriteFilterArguments(line.split(separator: " ").map(String.init)).joined(separator: " ")
    }

    func testNumbersAfterTheNameAreFilters() {
        XCTAssertEqual(rewrite("oncpu --pid 42 perf.data"), "oncpu --only-pid 42 perf.data")
        XCTAssertEqual(rewrite("fold --tid 7,8 x.txt"), "fold --only-tid 7,8 x.txt")
        XCTAssertEqual(rewrite("fold --pid=42 --tid=1,2"), "fold --only-pid=42 --only-tid=1,2")
    }

    func testBareNamesAreTheNamingFlags() {
        XCTAssertEqual(rewrite("fold --pid perf.data"), "fold --pid perf.data")
        XCTAssertEqual(rewrite("fold --tid --kernel"), "fold --tid --kernel")
        // A list with an empty item, a sign or letters is not a pid list.
        XCTAssertEqual(rewrite("fold --pid 1,,2 x"), "fold --pid 1,,2 x")
        XCTAssertEqual(rewrite("fold --pid -1 x"), "fold --pid -1 x")
        XCTAssertEqual(rewrite("fold --pid=abc"), "fold --pid=abc")
        XCTAssertEqual(rewrite("fold --pid"), "fold --pid")
    }

    func testRecordAndArgumentsAfterTheSeparatorAreLeftAlone() {
        // `flame record --pid N` attaches; a program's own arguments are never rewritten.
        XCTAssertEqual(rewrite("record --pid 42 -- sleep 1"), "record --pid 42 -- sleep 1")
        XCTAssertEqual(rewrite("oncpu -- --pid 42"), "oncpu -- --pid 42")
    }
}
