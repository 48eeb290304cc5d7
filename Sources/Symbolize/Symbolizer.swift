#if canImport(Glibc)
import Glibc
#endif

/// One frame of a symbolized address.
public struct SymbolFrame: Equatable, Sendable {
    /// The function name, demangled unless asked otherwise.
    public var name: String
    /// True for a call inlined into the frame before it.
    public var inlined: Bool
    /// Source file and line, when DWARF has them.
    public var file: String?
    public var line: Int?

    public init(name: String, inlined: Bool = false, file: String? = nil, line: Int? = nil) {
        self.name = name
        self.inlined = inlined
        self.file = file
        self.line = line
    }
}

/// Where to look for symbols and what to produce.
public struct SymbolizeOptions: Sendable {
    /// Binaries or debug files named by the user (`--binary`).
    public var binaries: [String] = []
    /// Directories holding debug files (`--debug-dir`).
    public var debugDirs: [String] = []
    /// Demangle C++, Rust and Swift names.
    public var demangle = true
    /// Read symbols from the file at the profile's path itself when nothing better is found.
    /// perf already failed to name `[unknown]` frames from it, and text profiles carry no
    /// build-id to prove it is the same build, so this is for inline and srcline lookups.
    public var useProfilePath = true
    /// perf's build-id cache (perf's `--buildid-dir`); nil skips it. Default: `~/.debug`.
    public var buildIDCache: String? = getenv("HOME").map { String(cString: $0) + "/.debug" }

    public init() {}
}

/// Turns (binary, address as perf prints it) into function names, inline chains and source lines,
/// with elfutils. Each binary is opened once and its indices are built lazily; results are cached
/// per (binary, address). Safe to call from several threads: libdw is not, so calls are serialized.
public final class Symbolizer: @unchecked Sendable {
    private let options: SymbolizeOptions
    private let locator: DebugFileLocator
    private var modules: [String: LoadedBinary?] = [:]
    private var cache: [CacheKey: [SymbolFrame]] = [:]
    /// Heap-allocated: pthread needs a stable address, which a stored property does not promise.
    private let lock: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)
    /// Warnings (mismatched build-ids, unreadable binaries), each once, in order.
    public private(set) var warnings: [String] = []

    private struct CacheKey: Hashable {
        var path: String
        var address: UInt64
    }

    private struct LoadedBinary {
        var symbols: DwarfModule
        var layout: ELFFile
    }

    public init(options: SymbolizeOptions = SymbolizeOptions()) {
        self.options = options
        locator = DebugFileLocator(binaries: options.binaries, debugDirs: options.debugDirs,
                                   useProfilePath: options.useProfilePath, perfCache: options.buildIDCache)
        pthread_mutex_init(lock, nil)
        // libdwfl would ask debuginfod servers over the network when this is set.
        unsetenv("DEBUGINFOD_URLS")
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// The frames at `address` in `path`, outermost first (the function, then each inlined call);
    /// nil when no function symbol covers it. `address` is what perf prints for user frames: a file
    /// offset (or, for non-PIE executables, possibly the absolute address).
    public func frames(path: String, address: UInt64, expectedBuildID: String? = nil) -> [SymbolFrame]? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let key = CacheKey(path: path, address: address)
        if let hit = cache[key] { return hit.isEmpty ? nil : hit }
        let result = resolve(path: path, address: address, expectedBuildID: expectedBuildID)
        cache[key] = result ?? []
        return result
    }

    /// The frames at an ELF virtual address of `binary` (what `flame symbolize` takes).
    public func frames(binary: String, virtualAddress: UInt64) -> [SymbolFrame]? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let loaded = load(binary, expectedBuildID: nil) else { return nil }
        return describe(loaded.symbols, vaddr: virtualAddress)
    }

    private func resolve(path: String, address: UInt64, expectedBuildID: String?) -> [SymbolFrame]? {
        guard let loaded = load(path, expectedBuildID: expectedBuildID),
              let vaddr = loaded.layout.virtualAddress(fileOffset: address) else { return nil }
        return describe(loaded.symbols, vaddr: vaddr)
    }

    private func load(_ path: String, expectedBuildID: String?) -> LoadedBinary? {
        if let known = modules[path] { return known }
        let choice = locator.locate(profilePath: path, expectedBuildID: expectedBuildID)
        for w in choice.warnings where !warnings.contains(w) { warnings.append(w) }
        var loaded: LoadedBinary?
        if let symbols = choice.symbols, let layout = choice.layout {
            do {
                loaded = LoadedBinary(symbols: try DwarfModule(path: symbols.path), layout: layout)
            } catch {
                warnings.append("\(error)")
            }
        } else if !options.binaries.isEmpty || !options.debugDirs.isEmpty {
            let exists = access(path, F_OK) == 0
            warnings.append(exists
                ? "\(path): no symbols found (no matching --binary, debug file or build-id cache entry); its frames stay [unknown]"
                : "\(path): not found; its frames stay [unknown] (name it with --binary)")
        }
        modules[path] = loaded
        return loaded
    }

    private func describe(_ module: DwarfModule, vaddr: UInt64) -> [SymbolFrame]? {
        guard let function = module.functions.lookup(vaddr) else { return nil }
        var frames = [SymbolFrame(name: displayName(symbol: function.name))]
        let chain = module.inlines?.chain(vaddr) ?? []
        // chain[0] is the subprogram (named by the ELF symbol, as perf does); then inlined calls.
        if chain.count > 1 {
            for (i, f) in chain.enumerated() where i > 0 {
                // The caller's line is where this inline instance was called.
                frames[frames.count - 1].file = f.callFile
                frames[frames.count - 1].line = f.callLine > 0 ? f.callLine : nil
                let name = f.linkageName.map { displayName(symbol: $0) } ?? f.name ?? "??"
                frames.append(SymbolFrame(name: name, inlined: true))
            }
        }
        if let (file, line) = module.sourceLine(vaddr) {
            frames[frames.count - 1].file = file
            frames[frames.count - 1].line = line
        }
        return frames
    }

    /// perf's names: version suffixes (`@@GLIBC_2.34`) dropped, C++ without parameters, and
    /// (unlike perf) Swift and Rust demangled.
    private func displayName(symbol: String) -> String {
        var name = symbol
        if let at = name.firstIndex(of: "@"), !name.hasPrefix("@") { name = String(name[..<at]) }
        return options.demangle ? Demangler.demangle(name) : name
    }
}
