/// What a profile's weights measure.
public enum WeightUnit: Equatable, Sendable {
    /// Plain sample counts (no period was printed, or folded input).
    case samples
    /// Sum of sample periods of a counting event (cycles, instructions, page-faults, ...).
    case events(String)
    /// Sum of periods of a clock event (cpu-clock, task-clock): nanoseconds of CPU time.
    case nanoseconds(String)
    /// Nanoseconds threads spent off-CPU; sample counts are intervals (0 when the input had
    /// only totals, like bcc's and bpftrace's).
    case offCPU

    /// Nanoseconds of a program's wall time along its critical path (`flame critical`): on a CPU
    /// or waiting, the blocked stacks ending in the scheduler as off-CPU ones do.
    public static let criticalPath = WeightUnit.nanoseconds("critical path")
}

/// Aggregated stacks with their frame names and what the weights mean.
public final class Profile {
    /// Frame names by id.
    public let names: ByteTable
    /// The merged stacks; the first frame under the root is the process name.
    public let trie: StackTrie
    /// What the weights measure.
    public var unit: WeightUnit = .samples
    /// The event that was kept (perf script input), if known.
    public var event: String?
    /// What the reading has to say: damage, skipped lines, lost events, symbols not found,
    /// the event kept. Printed on stderr by the commands.
    public var diagnostics: [Diagnostic] = []
    /// The diagnostics as printed, one line each.
    public var notes: [String] { diagnostics.map(\.description) }
    /// First and last sample time (ns of perf's clock), when the input has times.
    public private(set) var timeRange: ClosedRange<UInt64>?
    /// Every sample with its time and thread, when `CollapseOptions.keepTimeline` asked for it.
    public package(set) var timeline: SampleTimeline?
    /// The weights over time in buckets (`TimeBuckets`), when `CollapseOptions.keepBuckets` asked.
    public package(set) var buckets: TimeBuckets?
    /// What each of the program's spans (`--spans`) took, when `CollapseOptions.spans` gave them.
    public package(set) var spanTotals: SpanTotals?
    /// Binaries, functions and source lines of the frame names, when `CollapseOptions.keepOrigins`
    /// asked for them.
    public package(set) var origins: FrameOrigins?
    /// The capture's processes this profile is about and what each did (perf.data input only).
    public var processes: ProcessTable?
    /// What makes the stacks less than whole (binaries without frame pointers, no call stacks
    /// at all); also in an on-CPU profile's `diagnostics`, and in reports' caveats.
    public var stackWarnings: [Diagnostic] = []

    /// The input's samples carry no call stacks (`perf record` without `-g`): perf.data whose
    /// event has no callchain, perf script text without frame lines.
    public var recordedWithoutCallStacks = false

    /// Widens `timeRange` to include `time`.
    @inline(__always)
    public func noteTime(_ time: UInt64) {
        if let r = timeRange {
            if time < r.lowerBound || time > r.upperBound { timeRange = min(r.lowerBound, time)...max(r.upperBound, time) }
        } else {
            timeRange = time...time
        }
    }

    /// How long the capture ran, from its first to its last sample, when known.
    public var duration: UInt64? { timeRange.map { $0.upperBound - $0.lowerBound } }

    /// A profile over `names` and `trie` (empty by default); the unit is `.samples` until a loader sets it.
    public init(names: ByteTable = ByteTable(), trie: StackTrie = StackTrie()) {
        self.names = names
        self.trie = trie
    }

    /// Adds every stack of `other` (a later part of the same input) to this profile.
    /// In chart mode the order is kept: `other`'s samples come after this profile's.
    public func absorb(_ other: Profile) {
        if let r = other.timeRange {
            noteTime(r.lowerBound)
            noteTime(r.upperBound)
        }
        var nameMap = [Int32](repeating: -1, count: other.names.count)
        for id in 0..<other.names.count {
            nameMap[id] = names.intern(other.names.bytes(Int32(id)))
        }
        let theirs = other.trie
        var nodeMap = [Int32](repeating: 0, count: theirs.nodeCount)
        for node in 1..<max(theirs.nodeCount, 1) {
            let mapped = trie.child(of: nodeMap[Int(theirs.parent[node])], frame: nameMap[Int(theirs.frame[node])])
            nodeMap[node] = mapped
            if theirs.selfSamples[node] > 0 || theirs.selfWeight[node] > 0 {
                trie.add(node: mapped, weight: theirs.selfWeight[node], samples: theirs.selfSamples[node])
            }
        }
        if let t = other.timeline { timeline?.append(t, nodeMap: nodeMap) }
        if let b = other.buckets { buckets?.absorb(b, nodeMap: nodeMap) }
        if let o = other.origins { origins?.absorb(o, nameMap: nameMap) }
    }

    /// The same profile with every stack flipped (leaf first; `--reverse`), sharing the names.
    public func reversed() -> Profile {
        let (flipped, map) = trie.reversedWithMap()
        let p = Profile(names: names, trie: flipped)
        // Samples keep their time and thread, now on the flipped stacks; origins go by name.
        p.timeline = timeline?.remapped(map)
        p.buckets = buckets?.remapped(map)
        p.origins = origins
        p.recordedWithoutCallStacks = recordedWithoutCallStacks
        p.unit = unit
        p.event = event
        p.diagnostics = diagnostics
        p.processes = processes
        p.stackWarnings = stackWarnings
        if let r = timeRange { p.noteTime(r.lowerBound); p.noteTime(r.upperBound) }
        return p
    }

    /// Total weight of all samples.
    public var totalWeight: UInt64 { trie.totalWeight }
    /// Total number of samples.
    public var totalSamples: UInt64 { trie.totalSamples }
}
