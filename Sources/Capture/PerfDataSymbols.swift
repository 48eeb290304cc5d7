#if canImport(Glibc)
import Glibc
#endif
import PerfData
import Symbolize

/// Where the frames of one perf.data file get their names: the symbolizer for user frames
/// (checked against the build-ids the file recorded, in its header or in MMAP2 records), perf's
/// saved vDSO image, and the kallsyms of the recorded kernel. Shared by folding and `flame script`.
package final class PerfDataSymbols: @unchecked Sendable {
    package let symbolizer: Symbolizer
    /// perf's saved copy of the vDSO the file recorded (`<cache>/[vdso]/<build-id>/vdso`).
    private let vdso: String?
    private let file: PerfDataFile
    private let perfCache: String?
    private let readsFiles: Bool
    private var expected: Set<String> = []
    /// Build-ids the file recorded, by the path frames are symbolized in (header and MMAP2).
    package private(set) var buildIDs: [String: String] = [:]
    private var kernel: KernelSymbols?
    private var kernelLooked = false
    /// Why kernel frames stay `[unknown]`, once the kernel symbols were looked for and not found.
    package private(set) var kernelWarning: String?

    /// The profile's own paths are always allowed: perf.data carries build-ids to check them.
    package init(file: PerfDataFile, options: SymbolizeOptions, inlineAndLines: Bool) {
        var s = options
        s.useProfilePath = true
        s.inlineAndLines = inlineAndLines
        symbolizer = Symbolizer(options: s)
        self.file = file
        perfCache = s.buildIDCache
        readsFiles = s.readsFiles
        var ids: [String: String] = [:]
        for entry in file.header.buildIDs where entry.filename.hasPrefix("/") { ids[entry.filename] = entry.buildID }
        var image: String?
        if s.readsFiles, let perfCache = s.buildIDCache, let id = file.header.buildIDs.first(where: { $0.filename == "[vdso]" })?.buildID {
            let path = "\(perfCache)/[vdso]/\(id)/vdso"
            if access(path, R_OK) == 0 {
                image = path
                ids[path] = id
            }
        }
        vdso = image
        symbolizer.expectBuildIDs(ids)
        expected = Set(ids.keys)
        buildIDs = ids
        for entry in file.header.buildIDs where buildIDs[entry.filename] == nil {
            // The kernel is named `[kernel.kallsyms]` in frames, whatever its entry's suffix.
            let name = entry.filename.hasPrefix("[kernel.kallsyms]") ? "[kernel.kallsyms]" : entry.filename
            buildIDs[name] = entry.buildID
        }
    }

    /// Learns a build-id from an MMAP2 record (`perf record --buildid-mmap`) before its first lookup.
    package func learn(_ record: PerfRecord) {
        guard case .mmap(let m) = record, let id = m.buildID, m.filename.hasPrefix("/"),
              !expected.contains(m.filename) else { return }
        expected.insert(m.filename)
        buildIDs[m.filename] = id
        symbolizer.expectBuildIDs([m.filename: id])
    }

    /// The file to symbolize a user map's frames in, or nil when there is none (anonymous
    /// memory, `[stack]`, a vDSO perf did not save).
    package func symbolFile(for map: MapRef) -> String? { symbolFile(filename: map.filename) }

    /// The file to symbolize the frames of a map of `filename` in (see `symbolFile(for:)`).
    package func symbolFile(filename: String) -> String? {
        if filename.hasPrefix("/") { return filename }
        return filename == "[vdso]" ? vdso : nil
    }

    /// The kernel function at `address` and its start, from the kallsyms of the recorded kernel.
    package func kernelSymbol(at address: UInt64) -> (name: String, start: UInt64)? {
        loadKernel()
        return kernel?.symbol(at: address)
    }

    /// The start of the kernel function at `address` (cheaper than its name).
    package func kernelFunctionStart(at address: UInt64) -> UInt64? {
        loadKernel()
        return kernel?.start(at: address)
    }

    /// Finds the kernel symbols once (safe to call first from another thread, then from one).
    package func loadKernel() {
        if !kernelLooked {
            kernelLooked = true
            guard readsFiles else { return }
            let id = file.header.buildIDs.first { $0.filename.hasPrefix("[kernel.kallsyms]") }?.buildID
            // Pipe-mode and -z files carry no build-ids: trust the running kernel when the file
            // says it was recorded on this host under this kernel release.
            var host = utsname()
            uname(&host)
            let release = withUnsafeBytes(of: host.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let node = withUnsafeBytes(of: host.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let sameHost = file.header.osRelease == release && file.header.hostname == node
            (kernel, kernelWarning) = KernelSymbols.locate(buildID: id, perfCache: perfCache, trustRunningKernel: sameHost)
        }
    }
}
