import Foundation
import XCTest

/// Snapshot files: outputs of the real program (SVG, Markdown, exports) compared byte for byte
/// with a committed copy. `FLAME_BLESS=1 make test` (or `swift test`) rewrites the copies instead;
/// a mismatch fails with the first lines of `diff -u`, and the new output is left beside the
/// snapshot as `NAME.actual` for a closer look (and removed once they agree).
public enum Snapshot {
    /// Whether this run rewrites snapshots (`FLAME_BLESS=1`).
    public static var blessing: Bool { ProcessInfo.processInfo.environment["FLAME_BLESS"] == "1" }

    /// Compares `bytes` with the snapshot `name` in `directory`.
    public static func assertMatches(_ bytes: [UInt8], named name: String, in directory: URL,
                                     file: StaticString = #filePath, line: UInt = #line) {
        let expected = directory.appendingPathComponent(name)
        let actual = directory.appendingPathComponent(name + ".actual")
        if blessing {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(bytes).write(to: expected)
                try? FileManager.default.removeItem(at: actual)
            } catch {
                XCTFail("cannot write snapshot \(expected.path): \(error)", file: file, line: line)
            }
            return
        }
        guard let old = FileManager.default.contents(atPath: expected.path) else {
            XCTFail("no snapshot \(expected.path): make it with FLAME_BLESS=1 make test, and check it by hand once",
                    file: file, line: line)
            return
        }
        if [UInt8](old) == bytes {
            try? FileManager.default.removeItem(at: actual)
            return
        }
        try? Data(bytes).write(to: actual)
        XCTFail("\(name) differs from its snapshot (FLAME_BLESS=1 make test rewrites it if the change is meant):\n"
                + diff(expected, actual), file: file, line: line)
    }

    /// The first lines of `diff -u old new`.
    private static func diff(_ old: URL, _ new: URL) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "diff -u \"$0\" \"$1\" | head -40", old.path, new.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { return "(diff could not run: \(error))" }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self)
    }
}
