import ProfileModel
import TextInputs
import Symbolize

/// Options of stackcollapse-perf.pl, with the same names and meaning.
public struct CollapseOptions: Sendable {
    /// Root frame `comm-PID` (`comm-?` when perf printed only the tid).
    public var includePid = false
    /// Root frame `comm-PID/TID`.
    public var includeTid = false
    /// Frame naming: annotations and addresses.
    public var naming = FrameNaming()
    /// Keep only this event; nil means the first event seen.
    public var eventFilter: String?
    /// Merge only consecutive samples (time order) instead of all equal stacks.
    public var chartMode = false
    /// Add inlined calls as `name_[i]` frames (needs `symbolOptions`).
    public var inline = false
    /// Append `:file:line` to frame names, as stackcollapse-perf.pl `--context` (needs `symbolOptions`).
    public var srcline = false
    /// Where to look for symbols. The loader of an input builds its one symbolizer from these and
    /// saves its cache: for text, frames perf left `[unknown]` (and every user frame with
    /// `inline`/`srcline`) are symbolized again; perf.data is always symbolized. Nil: text keeps
    /// the names perf printed.
    public var symbolOptions: SymbolizeOptions?
    /// Demangle Swift names perf printed mangled (perf demangles C++ and Rust itself).
    public var demangleSwift = true
    /// Keep only these processes, threads or comms (`--pid N`, `--tid N`, `--comm NAME`).
    public var filter = ProcessFilter()
    /// `--time`: keep only the samples in these ranges, and the parts of off-CPU intervals
    /// inside them, as `perf script --time` keeps them (`TimeSelection`).
    public var time: TimeSelection?
    /// Keep every sample's time, thread and stack in `Profile.timeline` (for timeline exports).
    public var keepTimeline = false
    /// Keep the weights over time in `Profile.buckets` (for the SVG's time strip).
    public var keepBuckets = false
    /// `--spans`: the program's spans, as read, whose totals the reading keeps in `Profile.spanTotals`.
    public var spans: SpanRequest?
    /// Keep where each frame name came from in `Profile.origins` (for exports that describe code).
    public var keepOrigins = false

    /// stackcollapse-perf.pl's defaults: comm roots, the first event kept, no filter; Swift demangled.
    public init() {}

    /// The symbolizer a text input's frames are symbolized again with (nil: no `symbolOptions`):
    /// with inline chains and source lines when `inline`/`srcline` ask, and then allowed to read
    /// the paths the profile names.
    func textSymbolizer() -> Symbolizer? {
        guard var s = symbolOptions else { return nil }
        s.useProfilePath = inline || srcline
        s.inlineAndLines = inline || srcline
        return Symbolizer(options: s)
    }
}

/// Folds `perf script` records into a `Profile`, one stack per sample, weighted by period
/// when perf printed one. No sample is dropped: one without usable frames counts under its
/// process name.
package final class PerfScriptCollapser: PerfScriptVisitor {
    /// The profile samples are folded into: the one given to `init`, or a new one.
    package let profile: Profile
    /// How frames are named and which samples are kept.
    package let options: CollapseOptions
    /// Names frames again where perf printed none (see `CollapseOptions.symbolOptions`).
    package let symbolizer: Symbolizer?
    private let names: ByteTable
    private let trie: StackTrie
    /// `--time` as absolute ranges (text has no capture span for percent slices).
    private let window: TimeWindow?
    /// Samples `--time` kept because they carry no time.
    package private(set) var untimed = 0

    // Cache: raw (symbol, dso, java) -> the frame ids it folds to.
    private let rawKeys = ByteTable(expected: 4096)
    private var rawResultStart: [Int32] = []
    private var rawResultCount: [Int32] = []
    private var rawResults: [Int32] = []
    private var rootBytes: [UInt8] = []
    // Cache: (symbolizer name, dso, java, inlined) -> its folded name id, when no srcline is asked.
    private let symbolNames = ByteTable(expected: 4096)
    private var symbolNameIDs: [Int32] = []

    // Current record.
    private var active = false
    private var java = false
    private var rootFrame: Int32 = 0
    private var weight: UInt64 = 1
    private var pending: [Int32] = []
    private var time: UInt64?
    private var pid: Int32 = -1
    private var tid: Int32 = 0
    /// The strip's thread of the current record (with `keepBuckets`).
    private var bucketThread: Int32 = 0
    private var bucketThreads = BucketThreads()

    // Events.
    private var filter: [UInt8]?
    private var filterDefaulted = false
    private var filterReason = "the first event seen"
    private let eventNames = ByteTable(expected: 16)
    private var eventSamples: [UInt64] = []
    private var sawPeriod = false

    /// Folds into `profile`, or into a new one (in chart mode when `options` say) when nil;
    /// `symbolizer` names the frames perf left unnamed.
    package init(options: CollapseOptions, symbolizer: Symbolizer? = nil, profile: Profile? = nil) {
        self.options = options
        self.symbolizer = symbolizer
        self.profile = profile ?? Profile(trie: StackTrie(chartMode: options.chartMode))
        names = self.profile.names
        trie = self.profile.trie
        if options.keepTimeline && self.profile.timeline == nil { self.profile.timeline = SampleTimeline() }
        if options.keepBuckets && self.profile.buckets == nil { self.profile.buckets = TimeBuckets() }
        if options.keepOrigins && self.profile.origins == nil { self.profile.origins = FrameOrigins() }
        if let f = options.eventFilter { filter = Array(f.utf8) }
        window = options.time?.absoluteWindow
        pending.reserveCapacity(256)
        rootBytes.reserveCapacity(512)
    }

    /// Starts a sample: kept when its event is the one shown and the filter admits its thread;
    /// otherwise its frames are ignored.
    package func record(_ header: ScriptHeader, line: Int) {
        if let window, !window.keeps(header.timeNanos ?? 0) {
            active = false
            return
        }
        guard let w = admit(event: header.event, period: header.period),
              options.filter.isEmpty || options.filter.admits(pid: header.pid, tid: header.tid, comm: header.comm, processComm: nil) else {
            active = false
            return
        }
        active = true
        if window != nil && header.timeNanos == nil { untimed += 1 }
        pending.removeAll(keepingCapacity: true)
        weight = w
        if let t = header.timeNanos { profile.noteTime(t) }
        time = header.timeNanos
        pid = header.pid.map { Int32(truncatingIfNeeded: $0) } ?? -1
        tid = Int32(truncatingIfNeeded: header.tid)
        rootFrame = rootName(comm: header.comm, pid: header.pid, tid: header.tid)
        java = isJava(rootFrame)
        if profile.buckets != nil { bucketThread = bucketThreads.index(tid: tid, comm: header.comm, in: &profile.buckets!) }
    }

    /// Shows `event` unless the options name one: the reader knows which event the profile is
    /// about (the sampling event of a capture that also holds tracepoints).
    package func preferEvent(_ event: String) {
        guard options.eventFilter == nil else { return }
        filter = Array(event.utf8)
        filterDefaulted = true
        filterReason = "the sampling event among tracepoints"
    }

    /// Counts a sample of `event`; returns the weight it adds (its period when perf recorded
    /// one, else 1), or nil when another event is the one shown.
    package func admit(event: UnsafeBufferPointer<UInt8>?, period: UInt64?) -> UInt64? {
        if let event {
            let id = Int(eventNames.intern(event))
            if id == eventSamples.count { eventSamples.append(0) }
            eventSamples[id] += 1
            if filter == nil {
                filter = Array(event)
                filterDefaulted = true
            }
            if let f = filter, !f.elementsEqual(event) { return nil }
        }
        if let p = period, p != 0 {
            sawPeriod = true
            return p
        }
        return 1
    }

    /// The name id of a sample's root frame: comm with spaces as underscores, with `-PID` and
    /// `/TID` as the options ask (`-?` when only the tid is known).
    package func rootName(comm: UnsafeBufferPointer<UInt8>, pid: Int?, tid: Int) -> Int32 {
        rootBytes.removeAll(keepingCapacity: true)
        for b in comm { rootBytes.append(b == 0x20 ? 0x5F : b) }
        if options.includeTid || options.includePid {
            rootBytes.append(0x2D)
            if let pid { appendDecimal(pid, to: &rootBytes) } else { rootBytes.append(0x3F) }
            if options.includeTid {
                rootBytes.append(0x2F)
                appendDecimal(tid, to: &rootBytes)
            }
        }
        return rootBytes.withUnsafeBufferPointer { names.intern($0) }
    }

    /// Whether frames under this root follow Java's naming rules (stackcollapse-perf.pl: the
    /// process name starts with `java`).
    package func isJava(_ root: Int32) -> Bool {
        names.bytes(root).starts(with: "java".utf8)
    }

    /// The frame names one frame line folds to, outermost first (an inline chain `a->b` gives
    /// two; a process name in parentheses gives none). Cached per distinct frame.
    package func foldedNames(_ frame: FrameLine, java: Bool) -> ArraySlice<Int32> {
        self.java = java
        guard let key = cacheKey(frame) else { return ArraySlice(resolve(frame)) }
        let start = Int(rawResultStart[Int(key)])
        return rawResults[start..<(start + Int(rawResultCount[Int(key)]))]
    }

    /// The folded names of a function name a tool printed alone, without an address or a binary
    /// (bcc, bpftrace, `perf sched timehist`): named as perf script's `[unknown]`-binary frames
    /// are, so both spell a function the same way (parameter lists cut, Swift demangled, `;` safe).
    package func foldedNames(bareSymbol symbol: UnsafeBufferPointer<UInt8>, java: Bool) -> ArraySlice<Int32> {
        Self.unknownBinary.withUnsafeBufferPointer { dso in
            foldedNames(FrameLine(address: UnsafeBufferPointer(start: nil, count: 0), symbol: symbol, offset: nil, dso: dso), java: java)
        }
    }

    private static let unknownBinary = Array("[unknown]".utf8)

    /// Adds a frame (innermost first) to the current sample; ignored when the sample is not kept.
    package func frame(_ frame: FrameLine, line: Int) {
        guard active else { return }
        if let key = cacheKey(frame) {
            appendCached(key)
        } else {
            pending.append(contentsOf: resolve(frame).reversed())
        }
    }

    /// The cache entry of a frame (filled on first sight); nil for the frames that are not
    /// cached (`--addrs` on an unknown symbol, whose name holds the address).
    @inline(__always)
    private func cacheKey(_ frame: FrameLine) -> Int32? {
        let unknown = frame.symbol.elementsEqual("[unknown]".utf8)
        if symbolizer != nil, frame.dso.first == UInt8(ascii: "/"),
           unknown || options.inline || options.srcline {
            let key = rawKeys.intern(frame.address, frame.dso, tag: java ? 3 : 2)
            if Int(key) == rawResultStart.count {
                let ids = symbolized(frame) ?? resolve(frame)
                rawResultStart.append(Int32(rawResults.count))
                rawResultCount.append(Int32(ids.count))
                rawResults.append(contentsOf: ids)
            }
            return key
        }
        if options.naming.includeAddrs && unknown { return nil }
        let key = rawKeys.intern(frame.symbol, frame.dso, tag: java ? 1 : 0)
        if Int(key) == rawResultStart.count {
            let ids = resolve(frame)
            rawResultStart.append(Int32(rawResults.count))
            rawResultCount.append(Int32(ids.count))
            rawResults.append(contentsOf: ids)
        }
        return key
    }

    @inline(__always)
    private func appendCached(_ key: Int32) {
        let start = Int(rawResultStart[Int(key)])
        let count = Int(rawResultCount[Int(key)])
        if count == 1 {
            pending.append(rawResults[start])
        } else if count > 1 {
            // `a->b` lists the outer function first; frames are collected innermost first.
            for i in stride(from: start + count - 1, through: start, by: -1) { pending.append(rawResults[i]) }
        }
    }

    /// Ignored: source lines come from the symbolizer (`srcline`), not from perf's text.
    package func sourceLine(_ text: UnsafeBufferPointer<UInt8>, line: Int) {}

    /// Adds the kept sample: its stack under its root frame with its weight (and, with `keepTimeline`, its time).
    package func endRecord() {
        guard active else { return }
        active = false
        var node = trie.child(of: 0, frame: rootFrame)
        var i = pending.count - 1
        while i >= 0 {
            node = trie.child(of: node, frame: pending[i])
            i -= 1
        }
        trie.add(node: node, weight: weight, samples: 1)
        if let time, profile.buckets != nil {
            profile.buckets!.add(node: node, time: time, weight: weight)
            profile.buckets!.add(thread: bucketThread, start: time, weight: weight)
        }
        if options.keepTimeline {
            if let time {
                profile.timeline!.append(time: time, pid: pid, tid: tid, node: node, weight: weight)
            } else {
                profile.timeline!.untimed += 1
            }
        }
    }

    /// Drops the current sample (cut off by the end of the input) without counting it.
    package func discardRecord() {
        active = false
    }

    /// What this collapser saw of events.
    package var tally: EventTally {
        var t = EventTally()
        t.kept = filter.map { String(decoding: $0, as: UTF8.self) }
        t.defaulted = filterDefaulted
        t.reason = filterReason
        t.sawPeriod = sawPeriod
        t.untimed = untimed
        for id in 0..<eventNames.count {
            t.counts.append((eventNames.string(Int32(id)), eventSamples[id]))
        }
        return t
    }

    /// Records the event, the unit of the weights, and a note when events were filtered.
    /// Call once after parsing.
    package func finish() {
        tally.apply(to: profile)
        if let note = trie.overflowNote { profile.diagnostics.append(note) }
    }

    /// Frame ids from the symbolizer, outermost first like `a->b`; nil when it finds nothing.
    private func symbolized(_ frame: FrameLine) -> [Int32]? {
        guard let symbolizer else { return nil }
        let path = String(decoding: frame.dso, as: UTF8.self)
        guard var frames = symbolizer.frames(path: path, address: frame.addressValue), !frames.isEmpty else { return nil }
        if !options.inline {
            // The function alone, at its own line (where it calls the first inlined code).
            frames = [frames[0]]
        }
        var ids: [Int32] = []
        for f in frames {
            var name = f.name
            if !options.srcline {
                // Names without lines depend only on the function, shared by many addresses.
                let key = name.withUTF8 { symbolNames.intern($0, frame.dso, tag: (java ? 1 : 0) | (f.inlined ? 2 : 0)) }
                if Int(key) < symbolNameIDs.count {
                    ids.append(symbolNameIDs[Int(key)])
                    continue
                }
                ids.append(folded(f, frame))
                symbolNameIDs.append(ids[ids.count - 1])
                continue
            }
            ids.append(folded(f, frame))
        }
        return ids
    }

    /// The folded name of a function the symbolizer found in file `dso` (its `[0]` frame, as
    /// perf names a frame without inline chains or source lines).
    package func foldedName(_ function: SymbolFrame, dso: UnsafeBufferPointer<UInt8>, java: Bool) -> Int32 {
        var name = function.name
        let key = name.withUTF8 { symbolNames.intern($0, dso, tag: java ? 1 : 0) }
        if Int(key) < symbolNameIDs.count { return symbolNameIDs[Int(key)] }
        self.java = java
        let id = folded(function, FrameLine(address: UnsafeBufferPointer(start: nil, count: 0), symbol: UnsafeBufferPointer(start: nil, count: 0), offset: nil, dso: dso))
        symbolNameIDs.append(id)
        return id
    }

    /// The folded name of one symbolizer frame of `frame`.
    private func folded(_ f: SymbolFrame, _ frame: FrameLine) -> Int32 {
        let raw = Array(f.name.utf8)
        var text = raw.withUnsafeBufferPointer { buf in
            options.naming.names(symbol: buf, dso: frame.dso, address: frame.address, java: java).first ?? raw
        }
        let function = text
        if options.srcline, let file = f.file, let line = f.line {
            let base = file.split(separator: "/").last.map(String.init) ?? file
            text += Array(":\(base):\(line)".utf8)
        }
        if f.inlined && !text.ends(with: Array("_[i]".utf8)) { text += Array("_[i]".utf8) }
        let id = text.withUnsafeBufferPointer { names.intern($0) }
        profile.origins?.note(id, binary: frame.dso) { o in
            o.function = String(decoding: function, as: UTF8.self)
            o.file = f.file
            o.line = f.line
            o.inlined = f.inlined
        }
        return id
    }

    private func resolve(_ frame: FrameLine) -> [Int32] {
        var ids: [Int32]
        if options.demangleSwift, let readable = swiftDemangled(frame.symbol) {
            ids = readable.withUnsafeBufferPointer { symbol in
                options.naming.names(symbol: symbol, dso: frame.dso, address: frame.address, java: java).map { name in
                    name.withUnsafeBufferPointer { names.intern($0) }
                }
            }
        } else {
            ids = options.naming.names(symbol: frame.symbol, dso: frame.dso, address: frame.address, java: java).map { name in
                name.withUnsafeBufferPointer { names.intern($0) }
            }
        }
        if let origins = profile.origins {
            // After the first, perf's `a->b` names are calls inlined into the one before.
            for (i, id) in ids.enumerated() { origins.note(id, binary: frame.dso) { $0.inlined = i > 0 } }
        }
        return ids
    }
}

/// The demangled name when `symbol` is a Swift mangled name (`$s`, `_$s`, `$S`, `$e`), else nil.
/// Callers cache per symbol, so the String round trip happens once per distinct name.
func swiftDemangled(_ symbol: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard symbol.count > 2 else { return nil }
    let a = symbol[0], b = symbol[1]
    let dollar = UInt8(ascii: "$")
    guard (a == dollar && (b == UInt8(ascii: "s") || b == UInt8(ascii: "S") || b == UInt8(ascii: "e")))
            || (a == UInt8(ascii: "_") && b == dollar) else { return nil }
    let text = String(decoding: symbol, as: UTF8.self)
    let readable = Demangler.demangle(text)
    return readable == text ? nil : Array(readable.utf8)
}

/// Appends a decimal integer as ASCII, without building a String.
@inline(__always)
func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 0 { out.append(0x2D) }
    var v = value.magnitude
    let start = out.count
    repeat {
        out.append(UInt8(0x30 + v % 10))
        v /= 10
    } while v > 0
    out[start...].reverse()
}

/// The events met in perf script input: samples per event in first-seen order, which one was
/// kept, and whether perf printed periods. Tallies of parts of one input merge in order.
package struct EventTally: Sendable {
    /// Samples per event name, every event kept or not, in first-seen order.
    package var counts: [(name: String, samples: UInt64)] = []
    /// The event whose samples the profile holds; nil when no record named an event.
    package var kept: String?
    /// The kept event was chosen by flame (see `reason`), not named by --event-filter.
    package var defaulted = false
    /// Why the kept event was chosen when no --event-filter named it.
    package var reason = "the first event seen"
    /// A kept sample had a nonzero period: weights are period sums and `apply` sets the event's unit.
    package var sawPeriod = false
    /// Kept samples that carry no time, which `--time` cannot place (kept, as perf keeps them).
    package var untimed = 0

    /// An empty tally: no events, none kept.
    package init() {}

    /// Adds a later part's tally.
    package mutating func merge(_ other: EventTally) {
        for (name, samples) in other.counts {
            if let i = counts.firstIndex(where: { $0.name == name }) {
                counts[i].samples += samples
            } else {
                counts.append((name, samples))
            }
        }
        kept = kept ?? other.kept
        sawPeriod = sawPeriod || other.sawPeriod
        untimed += other.untimed
    }

    /// Sets the profile's event and unit, and notes when the input had several events.
    package func apply(to profile: Profile) {
        if let kept {
            profile.event = kept
            if sawPeriod {
                // `cpu-clock:ppp`, `cpu-clock/period=1000000/`: the event without modifiers or terms.
                let base = kept.split(whereSeparator: { $0 == ":" || $0 == "/" }).first.map(String.init) ?? kept
                profile.unit = (base == "cpu-clock" || base == "task-clock") ? .nanoseconds(kept) : .events(kept)
            }
        }
        if untimed > 0 {
            profile.diagnostics.append(.warning(.selection, "\(untimed) samples carry no time (perf script -F without time): "
                + "--time kept them, as perf script --time keeps samples without one"))
        }
        if counts.count > 1 {
            let parts = counts.map { "\($0.name) (\($0.samples) samples)" }
            let how = defaulted ? "\(reason); choose another with --event-filter" : "--event-filter"
            profile.diagnostics.append(.note(.selection, "input has \(counts.count) events: \(parts.joined(separator: ", ")); showing \(kept ?? "?") (\(how))"))
        }
    }
}
