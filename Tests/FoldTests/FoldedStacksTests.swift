import XCTest
import TestSupport
@testable import Fold
@testable import ProfileModel
import TextInputs

final class FoldedStacksTests: XCTestCase {
    /// Folded lines with shared prefixes, frames that extend each other (`b` / `bc`), repeats and
    /// empty frames must aggregate exactly like a dictionary keyed by the stack text.
    func testLoaderAggregatesLikeADictionary() throws {
        var rng = SeededGenerator(seed: 42)
        let alphabet = ["a", "b", "bc", "b;c", "", "x y", "ä"]
        for round in 0..<30 {
            var text = ""
            var expected: [String: UInt64] = [:]
            for _ in 0..<200 {
                let depth = 1 + Int(rng.next() % 6)
                let stack = (0..<depth).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined(separator: ";")
                if stack.isEmpty { continue }  // " 5" has no stack: not a folded line
                let count = 1 + rng.next() % 100
                text += "\(stack) \(count)\n"
                expected[stack, default: 0] += count
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("folded-\(round)-\(UUID().uuidString).txt").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let loader = FoldedLoader()
            _ = try FoldedParser().parse(ByteSource(path: path), into: loader)
            let want = expected.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                .map { "\($0) \(expected[$0]!)\n" }.joined()
            XCTAssertEqual(String(decoding: FoldedWriter.bytes(loader.profile), as: UTF8.self), want, "round \(round)")
        }
    }

    func testChartModeKeepsLineOrderAndMergesOnlyNeighbours() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(UUID().uuidString).txt").path
        try Data("a;b 1\na;b 2\na;c 1\na;b 4\n".utf8).write(to: URL(fileURLWithPath: path))
        let loader = FoldedLoader(chartMode: true)
        _ = try FoldedParser().parse(ByteSource(path: path), into: loader)
        XCTAssertEqual(String(decoding: FoldedWriter.bytes(loader.profile), as: UTF8.self), "a;b 3\na;c 1\na;b 4\n")
    }
}

