import XCTest
import TestSupport
@testable import Symbolize

/// Kernel symbols: the running kernel's build-id (checked against perf's own `buildid-list -k`),
/// `/proc/kallsyms` lookups, perf's cached copy for another kernel, and refusal otherwise.
final class KernelSymbolsTests: XCTestCase {
    func runningBuildID() throws -> String {
        guard let notes = FileBytes.read("/sys/kernel/notes"), let id = KernelSymbols.buildIDFromNotes(notes) else {
            throw Live.skip("/sys/kernel/notes is not readable here")
        }
        return id
    }

    func testRunningKernelBuildIDAgreesWithPerf() throws {
        let id = try runningBuildID()
        let (status, text) = try SymbolizerTests.run("/bin/sh", ["-c", "perf buildid-list -k 2>/dev/null"])
        guard status == 0, !text.isEmpty else { throw Live.skip("perf buildid-list -k is not available") }
        XCTAssertEqual(id, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testProcKallsymsLookupsWhenBuildIDMatches() throws {
        let id = try runningBuildID()
        let (found, warning) = KernelSymbols.locate(buildID: id, perfCache: nil)
        guard let symbols = found else { throw Live.skip("no readable /proc/kallsyms: \(warning ?? "")") }
        XCTAssertNil(warning)
        XCTAssertEqual(symbols.source, "/proc/kallsyms")

        // Independent reading of the same file: text symbols by address.
        // (Foundation reads /proc files only up to their reported size; cat reads to EOF.)
        let (_, text) = try SymbolizerTests.run("/bin/cat", ["/proc/kallsyms"])
        var byAddress: [UInt64: Set<String>] = [:]
        var lastListed: [UInt64: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3, "tTwW".contains(f[1]), let a = UInt64(f[0], radix: 16), a != 0 else { continue }
            byAddress[a, default: []].insert(String(f[2].split(separator: "\t")[0]))
            lastListed[a] = String(f[2].split(separator: "\t")[0])
        }
        let starts = byAddress.keys.sorted()
        XCTAssertEqual(symbols.count, starts.count)
        guard starts.count > 1000 else { return XCTFail("only \(starts.count) text symbols in /proc/kallsyms") }
        var checked = 0
        for i in stride(from: 0, to: starts.count - 1, by: max(1, starts.count / 500)) {
            let start = starts[i], next = starts[i + 1]
            for probe in [start, start + (next - start) / 2, next - 1] {
                let name = symbols.name(at: probe)
                XCTAssertEqual(name, lastListed[start], "\(String(probe, radix: 16)): aliases \(byAddress[start]!)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 1000)
        XCTAssertNil(symbols.name(at: starts[0] - 1))
    }

    func testOtherKernelUsesPerfsCachedCopyOrIsRefused() throws {
        let running = try runningBuildID()
        let other = String(repeating: "ab", count: 20)
        XCTAssertNotEqual(other, running)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("flame-kcache-\(getpid())")
        defer { try? FileManager.default.removeItem(at: cache) }
        let (missing, why) = KernelSymbols.locate(buildID: other, perfCache: cache.path)
        XCTAssertNil(missing)
        XCTAssertTrue(why?.contains(other) == true && why?.contains(running) == true, why ?? "")

        let dir = cache.appendingPathComponent("[kernel.kallsyms]/\(other)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let kallsyms = """
        ffffffff81000000 T _text
        ffffffff81000000 T startup_64
        ffffffff81000100 t helper
        ffffffff81000200 D some_data
        ffffffff81000300 W weak_fn
        ffffffffc0000000 t mod_fn\t[mymod]

        """
        try kallsyms.write(to: dir.appendingPathComponent("kallsyms"), atomically: true, encoding: .utf8)
        let (cached, warning) = KernelSymbols.locate(buildID: other, perfCache: cache.path)
        XCTAssertNil(warning)
        let symbols = try XCTUnwrap(cached)
        XCTAssertEqual(symbols.name(at: 0xffffffff81000010), "startup_64")  // the last alias wins, as in perf
        XCTAssertEqual(symbols.name(at: 0xffffffff81000250), "helper")     // data symbols do not count
        XCTAssertEqual(symbols.name(at: 0xffffffff81000300), "weak_fn")
        XCTAssertEqual(symbols.name(at: 0xffffffffc0000004), "mod_fn")
        XCTAssertNil(symbols.name(at: 0xffffffff80ffffff))
    }

    /// Listed in address order (the usual kallsyms) or not, the same symbols win.
    func testOrderOfListingDoesNotMatter() throws {
        let lines = ["ffffffff81000000 T _text", "ffffffff81000000 T startup_64", "ffffffff81000100 t helper",
                     "ffffffff81000100 t helper_alias", "ffffffffc0000000 t mod_fn\t[mymod]"]
        let sorted = try XCTUnwrap(KernelSymbols(kallsyms: Array((lines.joined(separator: "\n") + "\n").utf8), source: "s"))
        let shuffled = [lines[4], lines[2], lines[0], lines[3], lines[1]]
        let unsorted = try XCTUnwrap(KernelSymbols(kallsyms: Array((shuffled.joined(separator: "\n") + "\n").utf8), source: "u"))
        XCTAssertEqual(sorted.count, 3)
        XCTAssertEqual(unsorted.count, 3)
        for probe: UInt64 in [0xffffffff81000010, 0xffffffff81000150, 0xffffffffc0000004] {
            XCTAssertNotNil(sorted.name(at: probe))
            XCTAssertNotNil(unsorted.name(at: probe))
        }
        // The last listed alias wins in both.
        XCTAssertEqual(sorted.name(at: 0xffffffff81000010), "startup_64")
        XCTAssertEqual(unsorted.name(at: 0xffffffff81000010), "startup_64")
        XCTAssertEqual(sorted.name(at: 0xffffffff81000150), "helper_alias")
        XCTAssertEqual(unsorted.name(at: 0xffffffff81000150), "helper_alias")
    }

    func testGarbageAndRestrictedKallsymsGiveNothing() {
        XCTAssertNil(KernelSymbols(kallsyms: Array("hello\nworld\n\u{0}\u{1}".utf8), source: "x"))
        // What a reader sees under kptr_restrict: every address zero.
        XCTAssertNil(KernelSymbols(kallsyms: Array("0000000000000000 T _text\n0000000000000000 t foo\n".utf8), source: "x"))
        XCTAssertNil(KernelSymbols.buildIDFromNotes([1, 2, 3]))
        XCTAssertNil(KernelSymbols.buildIDFromNotes([UInt8](repeating: 0xff, count: 64)))
    }
}
