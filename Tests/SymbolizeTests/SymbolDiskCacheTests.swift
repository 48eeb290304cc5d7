import XCTest
@testable import Symbolize

/// The on-disk symbol cache: a second run answers from it (proved by planting an answer the
/// DWARF could not give), a changed binary invalidates it, and damaged files are ignored.
final class SymbolDiskCacheTests: XCTestCase {
    func testSecondRunAnswersFromDiskAndAChangedFileInvalidates() throws {
        let dir = try SymbolizerTests.buildDirectory()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("flame-diskcache-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binary = work.appendingPathComponent("c-pie").path
        try FileManager.default.copyItem(atPath: "\(dir)/c-pie", toPath: binary)
        let cacheDir = work.appendingPathComponent("cache").path

        var options = SymbolizeOptions()
        options.buildIDCache = nil
        options.diskCache = cacheDir
        let (leaf, size) = try SymbolizerTests.symbol("leaf", in: binary)
        let addresses = Array(stride(from: leaf, to: leaf + size, by: 3))

        let first = Symbolizer(options: options)
        let answers = first.frames(path: binary, addresses: addresses, fileOffsets: false)
        XCTAssertEqual(answers.count, addresses.count)
        first.saveCache()
        let files = try FileManager.default.contentsOfDirectory(atPath: cacheDir)
        XCTAssertEqual(files.count, 1, "\(files)")
        let file = "\(cacheDir)/\(files[0])"

        // Same answers from a new run, including inline chains and lines.
        let second = Symbolizer(options: options)
        XCTAssertEqual(second.frames(path: binary, addresses: addresses, fileOffsets: false), answers)

        // Plant an answer: a run that reads it must not have consulted the DWARF.
        var stored = try XCTUnwrap(SymbolDiskCache.decode(Array(try Data(contentsOf: URL(fileURLWithPath: file)))))
        XCTAssertEqual(stored.count, addresses.count)
        stored[leaf] = [SymbolFrame(name: "planted<&>\u{0}\n", inlined: false, file: "f.c", line: 7)]
        try Data(SymbolDiskCache.encode(stored)).write(to: URL(fileURLWithPath: file))
        let third = Symbolizer(options: options)
        XCTAssertEqual(third.frames(binary: binary, virtualAddress: leaf)?.first?.name, "planted<&>\u{0}\n")

        // A rebuilt (here: touched) binary gets a new cache entry, answered from DWARF again.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: binary)
        let fourth = Symbolizer(options: options)
        XCTAssertEqual(fourth.frames(binary: binary, virtualAddress: leaf)?.first?.name, "leaf")

        // Without a disk cache nothing is written.
        var off = options
        off.diskCache = nil
        let none = Symbolizer(options: off)
        _ = none.frames(path: binary, addresses: addresses, fileOffsets: false)
        none.saveCache()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir).count, 1)
    }

    func testDamagedCacheFilesAreIgnored() {
        let entries: [UInt64: [SymbolFrame]] = [
            0x1000: [SymbolFrame(name: "f"), SymbolFrame(name: "g", inlined: true, file: "a.c", line: 3)],
            0x2000: [],
        ]
        let bytes = SymbolDiskCache.encode(entries)
        XCTAssertEqual(SymbolDiskCache.decode(bytes), entries)
        // Every cut but the complete file is rejected, never half-read.
        for cut in 0..<bytes.count {
            let decoded = SymbolDiskCache.decode(Array(bytes[..<cut]))
            XCTAssertNil(decoded, "cut at \(cut)")
        }
        XCTAssertNil(SymbolDiskCache.decode(Array("not a cache".utf8)))
        XCTAssertNil(SymbolDiskCache.decode(bytes + [0]), "trailing bytes")
        var huge = Array(bytes[..<22])
        huge += [0xff, 0xff, 0xff, 0x7f]  // absurd frame count
        XCTAssertNil(SymbolDiskCache.decode(huge))
    }
}
