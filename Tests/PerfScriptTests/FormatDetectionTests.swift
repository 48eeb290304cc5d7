import XCTest
@testable import PerfScript

final class FormatDetectionTests: XCTestCase {
    func detect(_ text: String) throws -> InputFormat {
        let path = try temporaryFile(text, name: "no-extension-hint")
        let source = try ByteSource(path: path)
        return try withExtendedLifetime(source) {
            guard let format = try InputFormat.detect(source.peek(1 << 20), file: "in") else {
                XCTFail("a whole input must be decided")
                return .folded
            }
            return format
        }
    }

    func testPerfScriptByHeaderOrFrame() throws {
        XCTAssertEqual(try detect("compute 10091   520.951648:    2004008 cpu-clock:ppp: \n\t1550 f+0x1 (/x)\n\n"), .perfScript)
        XCTAssertEqual(try detect("# ========\n# captured on: today\n#\nperf 1 [000] 1.0: 1 cycles: \n"), .perfScript)
    }

    func testFoldedStacks() throws {
        XCTAssertEqual(try detect("java;start_thread;run 12\njava;gc 3\n"), .folded)
        XCTAssertEqual(try detect("single 1\n"), .folded)
    }

    func testFoldedStackLongerThanTheSniffWindow() throws {
        // 10,000 frames of 40 bytes: the first line alone is 400 KB.
        let deep = (0..<10_000).map { "frame_with_a_fairly_long_name_\($0 + 100_000)" }.joined(separator: ";")
        let path = try temporaryFile(deep + " 7\nshort;stack 1\n")
        XCTAssertEqual(try InputFormat.detect(ByteSource(path: path)), .folded)
    }

    func testGarbageNamesTheLine() {
        XCTAssertThrowsError(try detect("\n\nhello world\nthis is not a profile\n")) { error in
            XCTAssertEqual((error as? InputError)?.description,
                           "in:3: unknown input format: expected `perf script` text or folded stacks (`frame;frame;frame COUNT`), found \"hello world\"")
        }
        XCTAssertThrowsError(try detect("\u{7F}ELF\u{02}\u{01}\u{01}\u{00}\u{00}\u{00}")) { error in
            XCTAssertTrue((error as? InputError)?.description.contains("unknown input format") ?? false)
        }
    }

    func testEmptyInput() {
        XCTAssertThrowsError(try detect("")) { error in
            XCTAssertEqual(error as? InputError, .empty(file: "in"))
        }
        XCTAssertThrowsError(try detect("# only comments\n\n")) { error in
            XCTAssertEqual(error as? InputError, .empty(file: "in"))
        }
    }
}
