import Dispatch
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
    /// Line in `file` (1-based); for a frame whose callee was inlined, the line of that call. Nil when unknown.
    public var line: Int?
    /// For the function frame: the address minus the symbol's start (perf script's `+0x…`).
    public var offset: UInt64?
    /// When DWARF covers the address: the name perf's inline list (DWARF-unwound frames) gives
    /// this entry, which is what binutils' `addr2line -f -i` prints, demangled: the linkage
    /// name, else the DWARF name (`hash` for `hash.constprop.0`). See `Addr2LineNames`.
    public var perfName: String?
    /// For a function (or inlined instance) without a linkage name, in a language that mangles:
    /// the symbol-table name binutils gives it when it is first looked up as the innermost
    /// entry, the instance (its DIE), and whether binutils then keeps that name for it (the
    /// symbol starts where it does). See `Addr2LineNames`.
    public var perfAlias: String?
    /// The DWARF DIE offset of that function or inlined instance; set together with `perfAlias`.
    public var perfInstance: UInt64?
    /// True when the symbol starts at the instance's first address, so binutils keeps `perfAlias` for it.
    public var perfRenames = false

    /// A frame with `name`; the other fields default to unknown (nil) or false.
    public init(name: String, inlined: Bool = false, file: String? = nil, line: Int? = nil, offset: UInt64? = nil,
                perfName: String? = nil, perfAlias: String? = nil, perfInstance: UInt64? = nil, perfRenames: Bool = false) {
        self.perfAlias = perfAlias
        self.perfInstance = perfInstance
        self.perfRenames = perfRenames
        self.name = name
        self.inlined = inlined
        self.file = file
        self.line = line
        self.offset = offset
        self.perfName = perfName
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
    /// Look up inline chains and source lines (DWARF); false: function names from the symbol
    /// table only, which spares a walk of all DWARF when a flame graph needs just names.
    public var inlineAndLines = true
    /// Where answers are kept between runs; nil turns the disk cache off.
    /// Default: `$XDG_CACHE_HOME/flame/symbols` (else `~/.cache/flame/symbols`).
    public var diskCache: String? = SymbolDiskCache.defaultDirectory()
    /// false: no binary, debug file or kernel symbol table is opened and frames stay unnamed;
    /// what is left is the reading and folding of the profile (the perf.data folding fuzzer).
    public var readsFiles = true

    /// The defaults: demangled names, inline chains and lines, perf's `~/.debug` cache and the disk cache.
    public init() {}
}

/// Turns (binary, address as perf prints it) into function names, inline chains and source lines,
/// with elfutils. Each binary is opened once and its indices are built lazily; results are cached
/// per (binary, address). Safe to call from several threads: libdw 0.188 is not safe for concurrent
/// use of one Dwfl, so each binary has its own lock and different binaries proceed in parallel.
public final class Symbolizer: @unchecked Sendable {
    private let options: SymbolizeOptions
    private let locator: DebugFileLocator
    /// Guards `slots`, `expectedIDs` and `warnings`.
    private let lock = Mutex()
    private var slots: [String: BinarySlot] = [:]
    private var expectedIDs: [String: String] = [:]
    private var warningList: [String] = []

    /// Warnings (mismatched build-ids, unreadable binaries), each once, in order.
    public var warnings: [String] { lock.locked { warningList } }

    /// One profile path: its symbol source once located, and its answers. Guarded by its own lock.
    private final class BinarySlot: @unchecked Sendable {
        let lock = Mutex()
        var located = false
        var loaded: LoadedBinary?
        var cache: [UInt64: [SymbolFrame]] = [:]
    }

    /// A binary whose symbol file was found. Its DWARF is opened on the first address the disk
    /// cache cannot answer.
    private final class LoadedBinary {
        let symbolPath: String
        let layout: ELFFile
        let disk: SymbolDiskCache?
        var module: DwarfModule?
        var openFailed = false

        init(symbolPath: String, layout: ELFFile, disk: SymbolDiskCache?) {
            self.symbolPath = symbolPath
            self.layout = layout
            self.disk = disk
        }
    }

    /// A symbolizer that looks where `options` say; unsets `DEBUGINFOD_URLS` so libdwfl never goes to the network.
    public init(options: SymbolizeOptions = SymbolizeOptions()) {
        self.options = options
        locator = DebugFileLocator(binaries: options.binaries, debugDirs: options.debugDirs,
                                   useProfilePath: options.useProfilePath, perfCache: options.buildIDCache)
        // libdwfl would ask debuginfod servers over the network when this is set.
        unsetenv("DEBUGINFOD_URLS")
    }

    /// Build-ids the profile recorded for its paths (perf.data's build-id table): a symbol
    /// source with another id is refused. Call before the first lookup of those paths.
    public func expectBuildIDs(_ ids: [String: String]) {
        lock.locked { expectedIDs.merge(ids) { _, new in new } }
    }

    /// The frames at `address` in `path`, outermost first (the function, then each inlined call);
    /// nil when no function symbol covers it. `address` is what perf prints for user frames: a file
    /// offset (or, for non-PIE executables, possibly the absolute address).
    public func frames(path: String, address: UInt64, expectedBuildID: String? = nil) -> [SymbolFrame]? {
        let slot = self.slot(path)
        return slot.lock.locked {
            if let hit = slot.cache[address] { return hit.isEmpty ? nil : hit }
            var result: [SymbolFrame]?
            if let loaded = load(slot, path, expectedBuildID: expectedBuildID),
               let vaddr = loaded.layout.virtualAddress(fileOffset: address) {
                result = describe(loaded, vaddr: vaddr)
            }
            slot.cache[address] = result ?? []
            return result
        }
    }

    /// The frames at an ELF virtual address of `binary` (what `flame symbolize` takes).
    public func frames(binary: String, virtualAddress: UInt64) -> [SymbolFrame]? {
        let slot = self.slot(binary)
        return slot.lock.locked {
            guard let loaded = load(slot, binary, expectedBuildID: nil) else { return nil }
            return describe(loaded, vaddr: virtualAddress)
        }
    }

    /// The frames of many addresses of one binary, looked up in ascending order with each
    /// distinct address once (neighbouring addresses share CUs and line tables).
    /// `fileOffsets`: addresses as perf prints user frames; else ELF virtual addresses.
    public func frames(path: String, addresses: [UInt64], fileOffsets: Bool, expectedBuildID: String? = nil) -> [UInt64: [SymbolFrame]] {
        var unique = addresses
        unique.sort()
        var result: [UInt64: [SymbolFrame]] = [:]
        var previous: UInt64?
        for a in unique where a != previous {
            previous = a
            let frames = fileOffsets
                ? self.frames(path: path, address: a, expectedBuildID: expectedBuildID)
                : self.frames(binary: path, virtualAddress: a)
            if let frames { result[a] = frames }
        }
        return result
    }

    /// The frames of file offsets (as perf prints user frames) of one binary, in the order given;
    /// ascending order is the fast one. Nil where no function covers an address.
    public func frames(path: String, fileOffsets: [UInt64]) -> [[SymbolFrame]?] {
        let slot = self.slot(path)
        return slot.lock.locked {
            let loaded = load(slot, path, expectedBuildID: nil)
            return fileOffsets.map { address in
                if let hit = slot.cache[address] { return hit.isEmpty ? nil : hit }
                var result: [SymbolFrame]?
                if let loaded, let vaddr = loaded.layout.virtualAddress(fileOffset: address) {
                    result = describe(loaded, vaddr: vaddr)
                }
                slot.cache[address] = result ?? []
                return result
            }
        }
    }

    /// The file holding the code mapped from `path` as the profile recorded it (what unwinding
    /// reads `.eh_frame` from): the file itself when its build-id matches, else a `--binary`
    /// or perf's build-id cache copy with that build-id; nil when none is found.
    public func codeFile(path: String) -> String? {
        guard options.readsFiles else { return nil }
        let expected = lock.locked { expectedIDs[path] }
        return locator.locateCode(profilePath: path, expectedBuildID: expected)
    }

    /// Locates the symbol file of `path` and builds its function table ahead of the lookups, so a
    /// caller can do it on another thread while it does other work. Does nothing more when the
    /// disk cache holds answers for that file (a warm run may never need its DWARF).
    public func preload(path: String) {
        let slot = self.slot(path)
        slot.lock.locked {
            guard let loaded = load(slot, path, expectedBuildID: nil), loaded.disk?.isEmpty ?? true else { return }
            _ = module(loaded)?.functions.count
        }
    }

    /// Writes new answers to the disk cache on another thread, so a first run draws while it
    /// writes; call `waitForBackgroundSaves()` before the process exits.
    public func saveCacheInBackground() {
        Symbolizer.backgroundSaves.enter()
        DispatchQueue.global().async {
            self.saveCache()
            Symbolizer.backgroundSaves.leave()
        }
    }

    private static let backgroundSaves = DispatchGroup()

    /// Waits for every `saveCacheInBackground()` to finish.
    public static func waitForBackgroundSaves() { backgroundSaves.wait() }

    /// Writes new answers to the disk cache (call once at the end of a run).
    public func saveCache() {
        let all = lock.locked { Array(slots.values) }
        DispatchQueue.concurrentPerform(iterations: all.count) { i in
            all[i].lock.locked { all[i].loaded?.disk?.save() }
        }
    }

    private func slot(_ path: String) -> BinarySlot {
        lock.locked {
            if let s = slots[path] { return s }
            let s = BinarySlot()
            slots[path] = s
            return s
        }
    }

    private func warn(_ w: String) {
        lock.locked { if !warningList.contains(w) { warningList.append(w) } }
    }

    /// Locates the symbol source of `path` once. Called with the slot's lock held.
    private func load(_ slot: BinarySlot, _ path: String, expectedBuildID: String?) -> LoadedBinary? {
        if slot.located { return slot.loaded }
        slot.located = true
        guard options.readsFiles else { return nil }
        let expected = expectedBuildID ?? lock.locked { expectedIDs[path] }
        let choice = locator.locate(profilePath: path, expectedBuildID: expected)
        for w in choice.warnings { warn(w) }
        if let symbols = choice.symbols, let layout = choice.layout {
            let disk = options.diskCache.flatMap {
                SymbolDiskCache(directory: $0, symbolFile: symbols.path, buildID: symbols.buildID ?? layout.buildID,
                                demangle: options.demangle, inlineAndLines: options.inlineAndLines)
            }
            slot.loaded = LoadedBinary(symbolPath: symbols.path, layout: layout, disk: disk)
        } else if !options.binaries.isEmpty || !options.debugDirs.isEmpty {
            // Stripped system libraries that perf could not name either are not worth a line;
            // a missing file, or one the user named a --binary after, is.
            let name = path.split(separator: "/").last.map(String.init) ?? path
            if access(path, F_OK) != 0 {
                warn("\(path): not found; its frames stay [unknown] (name it with --binary)")
            } else if options.binaries.contains(where: { $0.split(separator: "/").last.map(String.init) == name }) {
                warn("\(path): no symbols found (no matching --binary, debug file or build-id cache entry); its frames stay [unknown]")
            }
        }
        return slot.loaded
    }

    private func describe(_ loaded: LoadedBinary, vaddr: UInt64) -> [SymbolFrame]? {
        if let known = loaded.disk?.lookup(vaddr) { return known.isEmpty ? nil : known }
        guard let module = module(loaded) else { return nil }
        let frames = describe(module, vaddr: vaddr)
        loaded.disk?.record(vaddr, frames)
        return frames
    }

    /// The binary's DWARF module, opened on first use. Called with the slot's lock held.
    private func module(_ loaded: LoadedBinary) -> DwarfModule? {
        if loaded.module == nil && !loaded.openFailed {
            do {
                loaded.module = try DwarfModule(path: loaded.symbolPath, codePath: loaded.layout.path)
            } catch {
                loaded.openFailed = true
                warn("\(error)")
            }
        }
        return loaded.module
    }

    private func describe(_ module: DwarfModule, vaddr: UInt64) -> [SymbolFrame]? {
        guard let function = module.functions.lookup(vaddr) else { return nil }
        // Demangling costs more than the lookup: once per function, not per address.
        let name = module.displayNames[function.start] ?? {
            let n = displayName(symbol: function.name, dropVersion: module.functions.fromDynsym)
            module.displayNames[function.start] = n
            return n
        }()
        var frames = [SymbolFrame(name: name, offset: vaddr &- function.start)]
        guard options.inlineAndLines else { return frames }
        let chain = module.inlines?.chain(vaddr) ?? []
        // chain[0] is the subprogram (named by the ELF symbol, as perf does); then inlined calls.
        if chain.count > 1 {
            for (i, f) in chain.enumerated() where i > 0 {
                // The caller's line is where this inline instance was called.
                frames[frames.count - 1].file = f.callFile
                frames[frames.count - 1].line = f.callLine > 0 ? f.callLine : nil
                let name = f.linkageName.map { displayName(symbol: $0, dropVersion: false) } ?? f.name ?? "??"
                frames.append(SymbolFrame(name: name, inlined: true))
            }
        }
        for (i, f) in chain.enumerated() where i < frames.count {
            frames[i].perfName = f.linkageName.map { displayName(symbol: $0, dropVersion: false) } ?? f.name ?? "??"
            if !f.isLinkage {
                frames[i].perfAlias = bfdName(function, name, module)
                frames[i].perfInstance = UInt64(f.die)
                frames[i].perfRenames = f.low == function.start
            }
        }
        if let (file, line) = module.sourceLine(vaddr) {
            frames[frames.count - 1].file = file
            frames[frames.count - 1].line = line
            // A line but no DWARF function: addr2line names the address by the symbol table.
            if chain.isEmpty { frames[0].perfName = bfdName(function, name, module) }
        }
        return frames
    }

    /// The name binutils gives `function` from the symbol table (its alias choice differs from perf's).
    private func bfdName(_ function: FunctionSymbols.Entry, _ name: String, _ module: DwarfModule) -> String {
        function.bfdNamePointer == nil ? name : displayName(symbol: function.bfdName, dropVersion: module.functions.fromDynsym)
    }

    /// perf's names: C++ without parameters (PLT slots' targets too), (unlike perf) Swift and Rust demangled, and the
    /// version suffix (`@@GLIBC_2.34`) that libdwfl appends to `.dynsym` names dropped, as
    /// perf's own `.dynsym` reading has none. `.symtab` names keep theirs: glibc's debug symtab
    /// spells `sched_setaffinity@@GLIBC_2.3.4` literally, and perf prints it so.
    private func displayName(symbol: String, dropVersion: Bool = true) -> String {
        // A PLT slot is named after its target, and perf demangles a C++ target (`_Z…`) there:
        // `std::future_category@plt`. Other targets keep perf's spelling (Swift's stay mangled, as
        // in perf script text, so that perf.data and its text fold alike).
        if symbol.hasSuffix("@plt"), symbol.hasPrefix("_Z") {
            return displayName(symbol: String(symbol.dropLast(4)), dropVersion: dropVersion) + "@plt"
        }
        var name = symbol
        if dropVersion, let at = name.firstIndex(of: "@"), !name.hasPrefix("@"), !name.hasSuffix("@plt") {
            name = String(name[..<at])
        }
        return options.demangle ? Demangler.demangle(name) : name
    }
}

/// A pthread mutex on the heap (pthread needs a stable address, which a stored property does
/// not promise).
final class Mutex: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t> = .allocate(capacity: 1)

    init() { pthread_mutex_init(m, nil) }

    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }

    @inline(__always)
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}
