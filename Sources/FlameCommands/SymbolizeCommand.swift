import ArgumentParser
import Foundation
import Symbolize

/// Where to find symbols; shared by every command that re-symbolizes frames.
struct SymbolFlags: ParsableArguments {
    @Option(name: .customLong("binary"), help: "A binary or debug file with symbols (repeatable; matched by build-id, then file name).")
    var binaries: [String] = []
    @Option(name: .customLong("debug-dir"), help: "A directory of debug files: a .build-id tree or files by name (repeatable).")
    var debugDirs: [String] = []
    @Flag(name: .customLong("no-demangle"), help: "Keep mangled C++, Rust and Swift names.")
    var noDemangle = false
    @Option(name: .customLong("buildid-dir"), help: "perf's build-id cache (default: ~/.debug).")
    var buildIDDir: String?
    @Flag(name: .customLong("no-symbol-cache"), help: "Neither read nor write flame's symbol cache ($XDG_CACHE_HOME/flame/symbols).")
    var noSymbolCache = false

    var options: SymbolizeOptions {
        var o = SymbolizeOptions()
        o.binaries = binaries
        o.debugDirs = debugDirs
        o.demangle = !noDemangle
        if let buildIDDir { o.buildIDCache = buildIDDir }
        if noSymbolCache { o.diskCache = nil }
        return o
    }
}

struct SymbolizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbolize",
        abstract: "Print the function, inlined calls and source lines flame finds at addresses of a binary.")

    @OptionGroup var symbols: SymbolFlags

    @Flag(help: "Addresses are file offsets, as perf script prints user frames (default: ELF virtual addresses, as addr2line takes).")
    var offsets = false

    @Argument(help: "Hexadecimal addresses (with or without 0x); none: read them from standard input, one per line.")
    var addresses: [String] = []

    func validate() throws {
        guard symbols.binaries.count == 1 else { throw ValidationError("name exactly one --binary to look addresses up in") }
        for a in addresses where UInt64(a.hasPrefix("0x") ? String(a.dropFirst(2)) : a, radix: 16) == nil {
            throw ValidationError("\(a) is not a hexadecimal address")
        }
    }

    func run() throws {
        let binary = symbols.binaries[0]
        let symbolizer = Symbolizer(options: symbols.options)
        var out = ""
        var list = addresses
        if list.isEmpty {
            while let line = readLine() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { list.append(t) }
            }
        }
        let values = list.map { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) ?? 0 }
        let found = symbolizer.frames(path: binary, addresses: values, fileOffsets: offsets)
        symbolizer.saveCache()
        for value in values {
            let frames = found[value]
            let label = "0x" + String(value, radix: 16)
            guard let frames else {
                out += "\(label) ??\n"
                continue
            }
            for (i, f) in frames.enumerated() {
                let place = f.file.map { " at \($0):\(f.line.map(String.init) ?? "?")" } ?? ""
                out += i == 0 ? "\(label) \(f.name)\(place)\n" : "\(label)   inlined \(f.name)\(place)\n"
            }
        }
        for w in symbolizer.warnings { CLI.say(.warning(.symbols, w)) }
        try CLI.write(Array(out.utf8), to: nil)
    }
}
