import ProfileModel

/// The file formats `flame export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// speedscope's own JSON file format (sampled profiles, one per process or thread).
    case speedscope
    /// pprof's `profile.proto`, gzip-compressed (`go tool pprof`, Pyroscope, Parca).
    case pprof
    /// Chrome's trace-event JSON (chrome://tracing, Perfetto): samples in time order per thread.
    case chrome
    /// Folded stacks, as `flame fold` (or `flame offcpu --folded`) prints them.
    case folded

    /// Whether loading must keep every sample's time and thread (`CollapseOptions.keepTimeline`).
    public var needsTimeline: Bool { self == .chrome }
    /// Whether loading must keep where frames came from (`CollapseOptions.keepOrigins`).
    public var needsOrigins: Bool { self == .pprof || self == .speedscope }

    /// Where the output goes when none is given and standard output is a terminal.
    public var defaultFileName: String {
        switch self {
        case .speedscope: return "profile.speedscope.json"
        case .pprof: return "profile.pb.gz"
        case .chrome: return "trace.json"
        case .folded: return "profile.folded"
        }
    }
}

/// A profile that the chosen format cannot represent.
public struct ExportError: Error, CustomStringConvertible {
    /// The message for the user: what the format cannot hold, or why zlib failed.
    public let description: String
}

/// Turns a folded `Profile` into the files other tools read.
public enum Exporter {
    /// The file for `profile` in `format`; `name` (usually the input's) titles it in the viewers.
    /// Every format carries the profile's total weight unchanged (folded off-CPU output is in
    /// microseconds, as `flame offcpu --folded`).
    public static func bytes(_ profile: Profile, format: ExportFormat, name: String) throws -> [UInt8] {
        switch format {
        case .speedscope: return SpeedscopeExport.bytes(profile, name: name)
        case .pprof: return try PprofExport.bytes(profile, comments: ["flame export of \(name)"])
        case .chrome: return try ChromeTraceExport.bytes(profile, name: name)
        case .folded: return FoldedWriter.bytes(profile, divisor: profile.unit == .offCPU ? 1000 : 1)
        }
    }

    /// `bytes` gzip-compressed (Chrome traces shrink about 30 times; Perfetto reads them so).
    public static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        try Gzip.compress(bytes)
    }
}

extension WeightUnit {
    /// Whether weights are nanoseconds (clock events and off-CPU time) rather than counts.
    var isTime: Bool {
        switch self {
        case .nanoseconds, .offCPU: return true
        case .samples, .events: return false
        }
    }
}

/// `_[i]`: the frame is a call inlined into the frame below it (stackcollapse's annotation).
func isInlinedName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
    name.count >= 4 && name[name.count - 4] == UInt8(ascii: "_") && name[name.count - 3] == UInt8(ascii: "[")
        && name[name.count - 2] == UInt8(ascii: "i") && name[name.count - 1] == UInt8(ascii: "]")
}

/// Visits the nodes of `tree` under `top` (itself included) that samples end at, depth first in
/// display order, with the frames from `top`'s child down to the node (`top` excluded).
func forEachStack(_ tree: FlameTree, under top: Int, _ body: (_ frames: ArraySlice<Int32>, _ node: Int) -> Void) {
    var frames: [Int32] = []
    var work: [(node: Int32, depth: Int)] = [(Int32(top), 0)]
    while let (node, depth) = work.popLast() {
        frames.removeSubrange(depth...)
        if Int(node) != top { frames.append(tree.frame[Int(node)]) }
        if tree.selfWeight[Int(node)] > 0 || tree.selfSamples[Int(node)] > 0 { body(frames[...], Int(node)) }
        let nextDepth = Int(node) == top ? 0 : depth + 1
        for c in tree.children(Int(node)).reversed() { work.append((c, nextDepth)) }
    }
}
