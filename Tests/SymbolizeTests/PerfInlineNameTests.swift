import XCTest
@testable import Symbolize

/// `SymbolFrame.perfName`: the names perf's inline lists (DWARF-unwound frames) show, which
/// are binutils' `addr2line -f -i` names. Checked against addr2line itself on small programs
/// compiled here, and the rules that differ from flame's own names pinned on examples.
final class PerfInlineNameTests: XCTestCase {
    /// Compiles `source` (C or C++ by `language`) with `flags` into a temporary binary.
    func compile(_ source: String, language: String, flags: [String] = ["-g", "-O2"]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flame-perfname-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let src = dir + (language == "c" ? "/prog.c" : "/prog.cpp")
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let compiler = language == "c" ? "/usr/bin/gcc" : "/usr/bin/g++"
        let (status, log) = try SymbolizerTests.run(compiler, flags + ["-o", dir + "/prog", src])
        XCTAssertEqual(status, 0, log)
        return dir + "/prog"
    }

    /// addr2line's function names at each address, innermost first, demangled as perf demangles
    /// them (the demangler is tested elsewhere; this is about which name is chosen). `after`:
    /// addresses one addr2line process looked up before (its names depend on them).
    func addr2line(_ binary: String, _ addresses: [UInt64], after: [UInt64] = []) throws -> [[String]] {
        let (status, text) = try SymbolizerTests.run("/usr/bin/addr2line",
                                                     ["-a", "-f", "-i", "-e", binary] + (after + addresses).map { "0x" + String($0, radix: 16) })
        XCTAssertEqual(status, 0, text)
        var out: [[String]] = []
        var lines = text.split(separator: "\n").map(String.init)[...]
        while let head = lines.first, head.hasPrefix("0x") {
            lines = lines.dropFirst()
            var names: [String] = []
            while let name = lines.first, !name.hasPrefix("0x"), lines.count >= 2 {
                names.append(Demangler.demangle(name))
                lines = lines.dropFirst(2)
            }
            out.append(names)
        }
        return Array(out.dropFirst(after.count))
    }

    /// C names come from DWARF; C++ functions without a linkage name (`crunch` in an anonymous
    /// namespace, `plain` with an alias) take the symbol table's once looked up as innermost.
    func testNamesAreAddr2linesOnCAndCPlusPlus() throws {
        let c = """
        static volatile long sink;
        static inline __attribute__((always_inline)) long inner(long x) { for (int i = 0; i < 100; i++) sink += x * i; return sink; }
        static inline __attribute__((always_inline)) long middle(long x) { return inner(x) + inner(x + 1); }
        __attribute__((noinline)) long leaf(long x) { return middle(x) * 3; }
        int main(int argc, char **argv) { (void)argv; return (int)leaf(argc); }
        """
        let cpp = """
        #include <algorithm>
        #include <vector>
        namespace { __attribute__((noinline)) long crunch(long n) { volatile long s = 0; for (long i = 0; i < n; i++) s = s + i; return s; } }
        template <typename T> struct Box {
            std::vector<T> v;
            __attribute__((noinline)) T total() const {
                T sum = 0;
                std::for_each(v.begin(), v.end(), [&sum](T x) { sum += x * x + crunch(x); });
                return sum;
            }
        };
        extern "C" __attribute__((noinline)) long plain(long x) { Box<long> b{std::vector<long>(x, 3)}; return b.total(); }
        extern "C" long plain_alias(long) __attribute__((weak, alias("plain")));
        int main(int argc, char **) { return (int)plain(argc * 1000); }
        """
        for (source, language, functions) in [(c, "c", ["leaf", "main"]), (cpp, "cpp", ["_ZN12_GLOBAL__N_16crunchEl", "_ZNK3BoxIlE5totalEv", "plain", "main"])] {
            let binary = try compile(source, language: language)
            let symbolizer = Symbolizer(options: { var o = SymbolizeOptions(); o.diskCache = nil; return o }())
            var checked = 0, inlined = 0
            let (_, nm) = try SymbolizerTests.run("/usr/bin/nm", ["-S", binary])
            var history = Addr2LineNames()
            var seen: [UInt64] = []
            for function in functions {
                // gcc may clone a function (`.isra.0`, `.constprop.0`): the first symbol named so.
                let line = try XCTUnwrap(nm.split(separator: "\n").first {
                    let f = $0.split(separator: " ")
                    return f.count == 4 && (f[3] == function || f[3].hasPrefix(function + "."))
                }, "\(function) in \(nm)")
                let f = line.split(separator: " ")
                let start = try XCTUnwrap(UInt64(f[0], radix: 16)), size = try XCTUnwrap(UInt64(f[1], radix: 16))
                let addresses = Array(stride(from: start, to: start + size, by: 1))
                let theirs = try addr2line(binary, addresses, after: seen)
                seen += addresses
                XCTAssertEqual(theirs.count, addresses.count)
                // One addr2line process looked them up in this order: so does one history.
                for (address, names) in zip(addresses, theirs) {
                    guard let frames = symbolizer.frames(binary: binary, virtualAddress: address),
                          let ours = history.names(frames) else { continue }
                    XCTAssertEqual(Array(ours.reversed()), names, "\(language) \(function)+\(address - start)")
                    checked += 1
                    if frames.count > 1 { inlined += 1 }
                }
            }
            XCTAssertGreaterThan(checked, 20, language)
            XCTAssertGreaterThan(inlined, 5, "\(language): some addresses have inline chains")
        }
    }

    /// A subprogram whose DIE is nested in another function's (GNU C nested functions here;
    /// Swift nests closures and thunks so) is a function of its own, with its own chain.
    func testNestedSubprogramsHaveTheirOwnChains() throws {
        let c = """
        static volatile long sink;
        int main(int argc, char **argv) {
            (void)argv;
            __attribute__((noinline)) long nested(long x) { for (int i = 0; i < 100; i++) sink += x * i; return sink; }
            return (int)nested(argc);
        }
        """
        let binary = try compile(c, language: "c")
        let (_, nm) = try SymbolizerTests.run("/usr/bin/nm", ["-S", binary])
        let line = try XCTUnwrap(nm.split(separator: "\n").first { $0.hasSuffix(" nested.0") || $0.contains(" nested.") })
        let f = line.split(separator: " ")
        let start = try XCTUnwrap(UInt64(f[0], radix: 16))
        let symbolizer = Symbolizer(options: { var o = SymbolizeOptions(); o.diskCache = nil; return o }())
        let frames = try XCTUnwrap(symbolizer.frames(binary: binary, virtualAddress: start + 4))
        XCTAssertEqual(frames.first?.perfName, "nested", "\(frames)")
        XCTAssertNotNil(frames.last?.line, "\(frames)")
    }
}
