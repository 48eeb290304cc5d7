import XCTest

/// Skips for tests that need the machine (perf as root, compilers, Chromium, go): on a developer's
/// machine a missing tool skips the test; with `FLAME_REQUIRE_LIVE=1` (CI sets it, since CI has
/// every tool and root) the same reason fails the test instead, so nothing is skipped unseen.
public enum Live {
    /// Whether skips are failures (`FLAME_REQUIRE_LIVE=1`).
    public static var required: Bool { ProcessInfo.processInfo.environment["FLAME_REQUIRE_LIVE"] == "1" }

    /// The error to throw when the test cannot run here: an `XCTSkip`, or with `FLAME_REQUIRE_LIVE=1`
    /// a recorded failure that says why.
    public static func skip(_ reason: String, file: StaticString = #filePath, line: UInt = #line) -> Error {
        guard required else { return XCTSkip(reason) }
        XCTFail("FLAME_REQUIRE_LIVE=1, and this test would skip: \(reason)", file: file, line: line)
        return Unavailable(reason: reason)
    }

    /// What a required test throws after recording its failure.
    public struct Unavailable: Error, CustomStringConvertible {
        /// Why the test could not run.
        public let reason: String
        public var description: String { "cannot run here: \(reason)" }
    }
}
