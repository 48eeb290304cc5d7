import XCTest
import TestSupport
@testable import Symbolize

/// Fixture binaries are built by Fixtures/build.sh into a temporary directory once per run
/// (C and C++, PIE and non-PIE, each unstripped, stripped, as a separate .debug file, with a
/// debuglink, and in a .build-id tree). Inline chains and lines are checked against elfutils'
/// own `eu-addr2line -f -i`.
final class SymbolizerTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The build directory, built on first use; nil (tests skip) when compilers are missing.
    nonisolated(unsafe) static var built: Result<String, Error>?

    static func buildDirectory() throws -> String {
        if let built { return try built.get() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flame-symfix-\(getpid())").path
        let result = Result<String, Error> {
            let (status, output) = try run("/bin/bash", [fixtures.appendingPathComponent("build.sh").path, dir])
            guard status == 0 else { throw Live.skip("Fixtures/build.sh failed (compilers missing?):\n\(output)") }
            return dir
        }
        built = result
        return try result.get()
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `(start, size)` of a function symbol, from nm.
    func symbol(_ name: String, in binary: String) throws -> (UInt64, UInt64) {
        try Self.symbol(name, in: binary)
    }

    static func symbol(_ name: String, in binary: String) throws -> (UInt64, UInt64) {
        let (_, text) = try run("/usr/bin/nm", ["-S", binary])
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 4, f[3] == name, let start = UInt64(f[0], radix: 16), let size = UInt64(f[1], radix: 16) {
                return (start, size)
            }
        }
        throw Live.skip("\(name) not found in \(binary)")
    }

    /// eu-addr2line's chains, innermost first: [(name, "file:line")] per address.
    func euAddr2line(_ binary: String, _ addresses: [UInt64]) throws -> [[(String, String)]] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/eu-addr2line") else {
            throw Live.skip("eu-addr2line (Debian elfutils) is not installed")
        }
        let (_, text) = try Self.run("/usr/bin/eu-addr2line",
                                     ["-e", binary, "-f", "-i", "-a"] + addresses.map { "0x" + String($0, radix: 16) })
        var result: [[(String, String)]] = []
        var lines = text.split(separator: "\n").map(String.init)[...]
        while let head = lines.first, head.hasPrefix("0x") {
            lines = lines.dropFirst()
            var chain: [(String, String)] = []
            while let name = lines.first, !name.hasPrefix("0x"), lines.count >= 2 {
                let location = lines[lines.startIndex + 1]
                lines = lines.dropFirst(2)
                let function = name.components(separatedBy: " inlined at ").first ?? name
                // file:line:column -> file:line
                let parts = location.split(separator: ":")
                chain.append((function, parts.count >= 3 ? parts.dropLast().joined(separator: ":") : location))
            }
            result.append(chain)
        }
        return result
    }

    func testInlineChainsAndLinesAgreeWithEuAddr2line() throws {
        let dir = try Self.buildDirectory()
        for name in ["c-pie", "c-nopie"] {
            let binary = "\(dir)/\(name)"
            let (start, size) = try symbol("leaf", in: binary)
            let addresses = Array(stride(from: start, to: start + size, by: 1))
            let expected = try euAddr2line(binary, addresses)
            XCTAssertEqual(expected.count, addresses.count)
            let symbolizer = Symbolizer()
            var inlinedSeen = 0
            for (address, want) in zip(addresses, expected) {
                let got = try XCTUnwrap(symbolizer.frames(binary: binary, virtualAddress: address), "\(name) 0x\(String(address, radix: 16))")
                let gotChain = got.reversed().map { ($0.name, "\($0.file ?? "??"):\($0.line.map(String.init) ?? "0")") }
                XCTAssertEqual(gotChain.map(\.0), want.map(\.0), "\(name) 0x\(String(address, radix: 16)) names")
                XCTAssertEqual(gotChain.map(\.1), want.map(\.1), "\(name) 0x\(String(address, radix: 16)) lines")
                XCTAssertEqual(got.first?.inlined, false)
                XCTAssertTrue(got.dropFirst().allSatisfy(\.inlined))
                if got.count > 1 { inlinedSeen += 1 }
            }
            XCTAssertGreaterThan(inlinedSeen, 0, "\(name): leaf has inlined middle/inner")
        }
    }

    func testCPlusPlusTemplatesAndAnonymousNamespace() throws {
        let dir = try Self.buildDirectory()
        let binary = "\(dir)/cpp-pie"
        let (_, text) = try Self.run("/usr/bin/nm", [binary])
        let symbolizer = Symbolizer()
        var names = Set<String>()
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, ["t", "T", "W", "w"].contains(f[1]), let a = UInt64(f[0], radix: 16) else { continue }
            if let frames = symbolizer.frames(binary: binary, virtualAddress: a) { names.insert(frames[0].name) }
        }
        XCTAssertTrue(names.contains("ns::Worker<long>::spin"), names.sorted().joined(separator: "\n"))
        XCTAssertTrue(names.contains { $0.hasPrefix("(anonymous namespace)::") }, names.sorted().joined(separator: "\n"))

        // `readsFiles` off (the perf.data folding fuzzer): the same lookups open nothing.
        var closed = SymbolizeOptions()
        closed.readsFiles = false
        let none = Symbolizer(options: closed)
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, let a = UInt64(f[0], radix: 16) else { continue }
            XCTAssertNil(none.frames(binary: binary, virtualAddress: a))
            XCTAssertNil(none.frames(path: binary, address: a))
        }
        XCTAssertNil(none.codeFile(path: binary))
        XCTAssertTrue(none.warnings.isEmpty, none.warnings.joined(separator: "\n"))
    }

    /// The same answers from the unstripped binary, and for the stripped one through every
    /// place a debug file can be: --binary, a --debug-dir build-id tree, a debuglink.
    func testStrippedBinariesResolveThroughEveryDebugSource() throws {
        let dir = try Self.buildDirectory()
        for name in ["c-pie", "c-nopie", "cpp-pie"] {
            let unstripped = "\(dir)/\(name)"
            let layout = try ELFFile(path: unstripped)
            let (start, size) = try symbol(name.hasPrefix("c-") ? "leaf" : "main", in: unstripped)
            // perf prints user addresses as file offsets.
            let offsets = stride(from: start, to: start + size, by: 7).compactMap { vaddr -> UInt64? in
                layout.segments.first { vaddr >= $0.vaddr && vaddr < $0.vaddr + $0.fileSize }.map { vaddr - $0.vaddr + $0.offset }
            }
            XCTAssertFalse(offsets.isEmpty)
            let reference = Symbolizer()
            let expected = offsets.map { reference.frames(path: unstripped, address: $0) }
            XCTAssertTrue(expected.allSatisfy { $0 != nil })

            // perf's own build-id cache (~/.debug) may hold the unstripped twin: keep it out.
            var nothing = SymbolizeOptions(); nothing.buildIDCache = nil
            var viaBinary = nothing; viaBinary.binaries = [unstripped]; viaBinary.useProfilePath = false
            var viaDebugDir = nothing; viaDebugDir.debugDirs = ["\(dir)/debugdir"]; viaDebugDir.useProfilePath = false
            let cases: [(String, SymbolizeOptions, String)] = [
                ("--binary", viaBinary, "\(dir)/\(name).stripped"),
                ("--debug-dir", viaDebugDir, "\(dir)/\(name).stripped"),
                ("debuglink", nothing, "\(dir)/\(name).debuglink"),
            ]
            for (label, options, path) in cases {
                let s = Symbolizer(options: options)
                let got = offsets.map { s.frames(path: path, address: $0) }
                XCTAssertEqual(got, expected, "\(name) via \(label)")
                XCTAssertEqual(s.warnings, [], "\(name) via \(label)")
            }
            // Without any debug source a stripped binary has no function symbols.
            let bare = Symbolizer(options: nothing)
            XCTAssertNil(bare.frames(path: "\(dir)/\(name).stripped", address: offsets[0]))
        }
    }

    /// A binary rebuilt since the profile was recorded is not the code that ran: its symbols and
    /// CFI are refused, and perf's build-id cache copy of the recorded build is used (as perf does).
    func testRebuiltBinaryGivesWayToPerfsCachedCopy() throws {
        let dir = try Self.buildDirectory()
        let recorded = try ELFFile(path: "\(dir)/c-pie")
        let id = try XCTUnwrap(recorded.buildID)
        let work = "\(dir)/rebuilt"
        let cache = "\(work)/perf-cache"
        let entry = "\(cache)/.build-id/\(id.prefix(2))/\(id.dropFirst(2))"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(dir)/c-pie", toPath: "\(entry)/elf")
        // The path now holds another build.
        try FileManager.default.copyItem(atPath: "\(dir)/cpp-pie", toPath: "\(work)/prog")
        var options = SymbolizeOptions()
        options.buildIDCache = cache
        options.diskCache = nil
        let s = Symbolizer(options: options)
        s.expectBuildIDs(["\(work)/prog": id])
        let (start, _) = try symbol("leaf", in: "\(dir)/c-pie")
        let offset = try XCTUnwrap(recorded.segments.first { start >= $0.vaddr && start < $0.vaddr + $0.fileSize }
            .map { start - $0.vaddr + $0.offset })
        XCTAssertEqual(s.frames(path: "\(work)/prog", address: offset)?.first?.name, "leaf")
        XCTAssertEqual(s.codeFile(path: "\(work)/prog"), "\(entry)/elf")
        let w = try XCTUnwrap(s.warnings.first { $0.contains("rebuilt since?") }, s.warnings.joined(separator: "\n"))
        XCTAssertTrue(w.contains(id), w)
    }

    func testMismatchedBuildIDIsRefusedNamingBothIDs() throws {
        let dir = try Self.buildDirectory()
        var options = SymbolizeOptions()
        options.buildIDCache = nil
        options.binaries = ["\(dir)/cpp-pie"]   // not the build of c-pie.stripped
        options.useProfilePath = false
        let s = Symbolizer(options: options)
        let c = try ELFFile(path: "\(dir)/c-pie.stripped"), cpp = try ELFFile(path: "\(dir)/cpp-pie")
        // Same file name, different build: refused even when matched by name.
        let renamed = "\(dir)/renamed"
        try? FileManager.default.createDirectory(atPath: renamed, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: "\(renamed)/c-pie.stripped")
        try FileManager.default.copyItem(atPath: "\(dir)/cpp-pie", toPath: "\(renamed)/c-pie.stripped")
        var byName = SymbolizeOptions(); byName.buildIDCache = nil; byName.binaries = ["\(renamed)/c-pie.stripped"]; byName.useProfilePath = false
        let s2 = Symbolizer(options: byName)
        XCTAssertNil(s2.frames(path: "\(dir)/c-pie.stripped", address: 0x1230))
        let w = try XCTUnwrap(s2.warnings.first { $0.contains("has build-id") }, s2.warnings.joined(separator: "\n"))
        let cppID = try XCTUnwrap(cpp.buildID), cID = try XCTUnwrap(c.buildID)
        XCTAssertTrue(w.contains(cppID) && w.contains(cID), w)
        // Matching by build-id finds nothing suitable either: stays unknown.
        XCTAssertNil(s.frames(path: "\(dir)/c-pie.stripped", address: 0x1230))
    }

    func testMissingTruncatedAndSymbolFreeFilesDoNotCrash() throws {
        let dir = try Self.buildDirectory()
        var options = SymbolizeOptions()
        options.binaries = ["\(dir)/nothing-here"]
        let s = Symbolizer(options: options)
        XCTAssertNil(s.frames(path: "/nonexistent/bin/app", address: 0x1000))
        XCTAssertTrue(s.warnings.contains { $0.contains("/nonexistent/bin/app: not found") }, s.warnings.joined(separator: "\n"))

        // A truncated ELF: header present, the rest cut off.
        let full = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/c-pie"))
        for cut in [0, 16, 64, 700, full.count / 2] {
            let path = "\(dir)/truncated-\(cut)"
            try full.prefix(cut).write(to: URL(fileURLWithPath: path))
            XCTAssertNil(Symbolizer().frames(path: path, address: 0x1230), "cut at \(cut)")
            XCTAssertNil(Symbolizer().frames(binary: path, virtualAddress: 0x1230), "cut at \(cut)")
        }
        // Not an ELF file at all.
        let text = "\(dir)/text-file"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ELFFile(path: text))
        XCTAssertNil(Symbolizer().frames(path: text, address: 0))
    }

    /// PLT slots are named `f@plt` as perf synthesizes them, C++ targets demangled as perf prints
    /// them; oracle: objdump's labels in `.plt`. libc's `.rela.plt` is not in slot order (its
    /// IFUNC slots, which objdump labels `*ABS*+0x<resolver>@plt`, come last): each slot is named
    /// by the GOT entry it jumps through, an IFUNC slot after the function at its resolver.
    func testPLTSlotsAreNamedLikeObjdump() throws {
        let dir = try Self.buildDirectory()
        let libc = URL(fileURLWithPath: "/lib/x86_64-linux-gnu/libc.so.6").resolvingSymlinksInPath().path
        var binaries = ["c-pie", "c-nopie", "cpp-pie"].map { "\(dir)/\($0)" }
        if FileManager.default.fileExists(atPath: libc) { binaries.append(libc) }
        var ifuncSlots = 0
        for binary in binaries {
            let name = binary
            let (_, text) = try Self.run("/usr/bin/objdump", ["-d", "-j", ".plt", binary])
            var labels: [(UInt64, String)] = []
            for line in text.split(separator: "\n") where line.hasSuffix("@plt>:") {
                let parts = line.split(separator: " ")
                guard let address = UInt64(parts[0], radix: 16) else { continue }
                labels.append((address, String(parts[1].dropFirst().dropLast(2))))
            }
            XCTAssertFalse(labels.isEmpty, "\(name): objdump shows no PLT slots")
            var ifuncs: [UInt64: [String]] = [:]
            for line in try Self.run("/usr/bin/nm", ["-D", "--defined-only", binary]).1.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 3, parts[1] == "i", let address = UInt64(parts[0], radix: 16) else { continue }
                ifuncs[address, default: []].append(String(parts[2].prefix { $0 != "@" }))
            }
            var options = SymbolizeOptions()
            options.diskCache = nil
            let s = Symbolizer(options: options)
            for (address, label) in labels {
                // Named as perf names them: the target, demangled (DemanglerTests checks the demangler).
                var expected = Demangler.demangle(String(label.split(separator: "@")[0])) + "@plt"
                if label.hasPrefix("*ABS*+0x"), let resolver = UInt64(label.dropFirst(8).prefix { $0 != "@" }, radix: 16) {
                    // The exported IFUNC at the resolver's address (`nm -D`, type i), the alias
                    // with the fewest leading underscores: `rawmemchr`, not `__rawmemchr`.
                    let aliases = ifuncs[resolver] ?? []
                    let fewest = aliases.map { $0.prefix { $0 == "_" }.count }.min() ?? 0
                    let names = Set(aliases.filter { $0.prefix { $0 == "_" }.count == fewest }.map { $0 + "@plt" })
                    XCTAssertFalse(names.isEmpty, "\(name): nm -D shows no IFUNC at \(label)'s resolver")
                    let got = s.frames(binary: binary, virtualAddress: address)?.first?.name ?? "nil"
                    XCTAssertTrue(names.contains(got), "\(name) \(label): \(got), not one of \(names)")
                    expected = got
                    ifuncSlots += 1
                }
                XCTAssertEqual(s.frames(binary: binary, virtualAddress: address)?.first?.name, expected, "\(name) \(label)")
                XCTAssertEqual(s.frames(binary: binary, virtualAddress: address + 6)?.first?.name, expected, "\(name) \(label)")
            }
        }
        if binaries.contains(libc) { XCTAssertGreaterThan(ifuncSlots, 0, "\(libc) has IFUNC PLT slots") }
    }

    func testAddressesOutsideFunctionsAreUnknown() throws {
        let dir = try Self.buildDirectory()
        let binary = "\(dir)/c-pie"
        let (start, size) = try symbol("leaf", in: binary)
        let s = Symbolizer()
        XCTAssertNotNil(s.frames(binary: binary, virtualAddress: start + size - 1))
        // Padding after leaf's end belongs to no function (perf prints [unknown] there too),
        // unless the next function starts right at the end.
        let (callerStart, _) = try symbol("caller", in: binary)
        if callerStart > start + size {
            XCTAssertNil(s.frames(binary: binary, virtualAddress: start + size))
        }
        XCTAssertNil(s.frames(binary: binary, virtualAddress: 0))   // the ELF header: no function
    }
}
