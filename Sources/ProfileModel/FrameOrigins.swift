/// Where frames came from, per frame name: the binary (with its build-id when the input recorded
/// one), the function start, and the function's name, source file and line when the symbolizer
/// gave them. Exports that describe code rather than names (pprof's mappings, functions and
/// lines; speedscope's file and line) read it. Kept only when `CollapseOptions.keepOrigins` asks.
///
/// One entry per distinct name, filled the first time the name is made; a name met in two
/// binaries (two libraries' `[unknown]`) keeps no binary rather than a wrong one.
public final class FrameOrigins: @unchecked Sendable {
    /// A file frames were found in: a path, `[kernel.kallsyms]`, a module, `[vdso]`.
    public struct Binary: Sendable, Equatable {
        /// The binary's path (or pseudo-name) as the input named the frame's dso; one entry per distinct path.
        public var path: String
        /// The build-id perf.data recorded for this path; nil when none was recorded (and for text input).
        public var buildID: String?
    }

    /// What is known of one frame name.
    public struct Origin: Sendable, Equatable {
        /// Index into `binaries`; nil when unknown or ambiguous.
        public var binary: Int32?
        /// Start of the function: a file offset in a user binary, an address in the kernel.
        public var address: UInt64?
        /// The function's own name (without the `:file:line` that `--srcline` appends to names).
        public var function: String?
        /// Source file (as DWARF names it) and line of the frame's address.
        public var file: String?
        /// Source line number of that address, with `file`; nil when the symbolizer gave none.
        public var line: Int?
        /// The frame is a call inlined into the frame below it (`--inline`).
        public var inlined = false
    }

    /// Every binary a frame came from, in first-seen order; `Origin.binary` indexes it.
    public private(set) var binaries: [Binary] = []
    private var binaryIndex: [String: Int32] = [:]
    /// By frame name id.
    public private(set) var byName: [Int32: Origin] = [:]
    private var ambiguous: Set<Int32> = []

    /// An empty table; the collapsers fill it when `CollapseOptions.keepOrigins` is set.
    public init() {}

    /// The index of the binary at `path`, added when new.
    func binary(_ path: String) -> Int32 {
        if let i = binaryIndex[path] { return i }
        let i = Int32(binaries.count)
        binaries.append(Binary(path: path))
        binaryIndex[path] = i
        return i
    }

    /// Sets a binary's build-id (perf.data records them per path).
    package func setBuildID(_ id: String, path: String) {
        if let i = binaryIndex[path] { binaries[Int(i)].buildID = id }
    }

    /// Records where name `id` came from; the first record wins, a second in another binary
    /// clears the binary.
    package func note(_ id: Int32, binary path: UnsafeBufferPointer<UInt8>?, _ fill: (inout Origin) -> Void = { _ in }) {
        let b: Int32? = path.flatMap { $0.isEmpty || $0.elementsEqual("[unknown]".utf8) ? nil : binary(String(decoding: $0, as: UTF8.self)) }
        if var known = byName[id] {
            if known.binary != b && !ambiguous.contains(id) {
                ambiguous.insert(id)
                known.binary = nil
                known.address = nil
                byName[id] = known
            }
            return
        }
        var origin = Origin(binary: b)
        fill(&origin)
        byName[id] = origin
    }

    /// Records the function start of name `id` when its origin has none yet.
    package func noteAddress(_ id: Int32, _ address: UInt64) {
        guard var o = byName[id], o.address == nil, !ambiguous.contains(id) else { return }
        o.address = address
        byName[id] = o
    }

    /// Adds `other`'s origins (a later part of the same input), names renamed through `nameMap`.
    func absorb(_ other: FrameOrigins, nameMap: [Int32]) {
        for (id, o) in other.byName {
            let path = Array((o.binary.map { other.binaries[Int($0)].path } ?? "").utf8)
            path.withUnsafeBufferPointer { buf in
                note(nameMap[Int(id)], binary: o.binary == nil ? nil : buf) { mine in
                    mine.address = o.address
                    mine.function = o.function
                    mine.file = o.file
                    mine.line = o.line
                    mine.inlined = o.inlined
                }
            }
        }
        for b in other.binaries { if let id = b.buildID { setBuildID(id, path: b.path) } }
    }
}
