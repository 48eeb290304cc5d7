import XCTest
import ProfileModel
@testable import TextInputs

/// `--spans` files: Chrome trace JSON as tracing-chrome, clang -ftime-trace, ninjatracing and
/// Bazel write it, parsed into spans (ns) with their rows on the strip, and what is refused.
final class ChromeTraceSpansTests: XCTestCase {
    func parse(_ text: String) throws -> ChromeTraceSpans {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { try ChromeTraceSpans.parse($0, file: "t.json") }
    }

    func testCompleteEventsPairsAndAsyncPairsBecomeSpans() throws {
        let got = try parse("""
            {"displayTimeUnit": "ms", "otherData": {"v": [1, 2]}, "traceEvents": [
              {"name": "process_name", "ph": "M", "pid": 1, "args": {"name": "build"}},
              {"name": "parse", "cat": "b", "ph": "X", "ts": 10, "dur": 5.5, "pid": 1, "tid": 1},
              {"name": "dl", "ph": "B", "ts": 20, "pid": 1, "tid": 1},
              {"name": "dl.inner", "ph": "B", "ts": 21, "pid": 1, "tid": 1},
              {"name": "other thread", "ph": "B", "ts": 22, "pid": 1, "tid": 2},
              {"ph": "E", "ts": 23, "pid": 1, "tid": 1},
              {"ph": "E", "ts": 30, "pid": 1, "tid": 1},
              {"ph": "E", "ts": 31, "pid": 1, "tid": 2},
              {"name": "job \\"1\\"", "cat": "cc", "ph": "b", "id": "0x1", "ts": 40, "pid": 1, "tid": 1},
              {"name": "job 2", "cat": "cc", "ph": "b", "id": "0x2", "ts": 41, "pid": 1, "tid": 1},
              {"name": "job \\"1\\"", "cat": "cc", "ph": "e", "id": "0x1", "ts": 50, "pid": 1, "tid": 1},
              {"cat": "cc", "ph": "e", "id": "0x2", "ts": 45, "pid": 1, "tid": 1},
              {"name": "tick", "ph": "i", "ts": 42, "pid": 1, "tid": 1, "s": "g"},
              {"name": "count", "ph": "C", "ts": 42, "pid": 1, "args": {"n": 3}}
            ]}
            """)
        XCTAssertNil(got.warning)
        let byName = Dictionary(uniqueKeysWithValues: got.spans.map { ($0.name, $0) })
        XCTAssertEqual(got.spans.count, 6, "\(got.spans)")
        XCTAssertEqual(byName["parse"], Span(name: "parse", start: 10_000, end: 15_500, row: 0))
        XCTAssertEqual(byName["dl"]?.start, 20_000)
        XCTAssertEqual(byName["dl"]?.end, 30_000)
        XCTAssertEqual(byName["dl.inner"]?.wall, 2_000, "B/E nest per thread")
        XCTAssertEqual(byName["other thread"]?.end, 31_000, "another thread's E ends its own B")
        XCTAssertEqual(byName["job \"1\""]?.wall, 10_000, "b/e pair by cat and id, escapes decoded")
        XCTAssertEqual(byName["job 2"]?.wall, 4_000, "an e without a name takes its b's")
        // Rows: a span inside another, or overlapping it, goes below.
        XCTAssertEqual(byName["dl"]?.row, 0)
        XCTAssertEqual(byName["dl.inner"]?.row, 1)
        XCTAssertEqual(byName["other thread"]?.row, 2)
        XCTAssertEqual(byName["job \"1\""]?.row, 0, "rows free again after their spans end")
        XCTAssertEqual(byName["job 2"]?.row, 1)
    }

    func testAnArrayWithoutItsClosingBracketIsRead() throws {
        // The format allows a trace cut off after any event (a program that died mid-write).
        let got = try parse("[{\"name\": \"a\", \"ph\": \"X\", \"ts\": 1, \"dur\": 2},\n{\"name\": \"b\", \"ph\": \"X\", \"ts\": 3, \"dur\": 1},\n")
        XCTAssertEqual(got.spans.map(\.name), ["a", "b"])
        XCTAssertEqual(try parse("[]").spans.count, 0)
    }

    func testUnmatchedEventsAreLeftOutAndSaid() throws {
        let text = "[{\"name\": \"open\", \"ph\": \"B\", \"ts\": 1, \"tid\": 1},\n {\"ph\": \"E\", \"ts\": 2, \"tid\": 9},\n"
            + " {\"name\": \"ok\", \"ph\": \"X\", \"ts\": 1, \"dur\": 1}]"
        let got = try parse(text)
        XCTAssertEqual(got.spans.map(\.name), ["ok"])
        XCTAssertEqual(got.unended, 1)
        XCTAssertEqual(got.unbegun, 1)
        XCTAssertEqual(got.warning, "t.json: 1 begin event (B, b) without an end and 1 end event (E, e) without a begin "
            + "left out (the first at byte 1)")
    }

    func testGarbageIsRefusedWithItsByteOffset() throws {
        let cases: [(String, String)] = [
            ("", "t.json: byte 0: empty span file"),
            ("perf version 6.1", "t.json: byte 0: not Chrome trace JSON"),
            ("{\"otherData\": {}}", "not Chrome trace JSON"),
            ("[{\"name\": \"a\", \"ph\": \"X\", \"ts\": oops}]", "t.json: byte 32: ts is not a number"),
            ("[{\"name\": \"a\", \"ph\": \"X\", \"dur\": 1}]", "t.json: byte 1: a X event without ts"),
            ("[{\"ph\": \"B\", \"ts\": 5, \"tid\": 1}, {\"ph\": \"E\", \"ts\": 4, \"tid\": 1}]", "an end event before its begin (at byte 1)"),
            ("[{\"ph\": \"X\", \"ts\": -5, \"dur\": 1}]", "ts or dur out of range"),
            ("[{\"ph\": \"X\", \"ts\": 1} {\"ph\": \"X\", \"ts\": 2}]", "t.json: byte 22: expected , or ] between events"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }
}
