import PerfData

/// A view of a capture: it is handed every record of the one time-ordered walk and computes what
/// it shows (the on-CPU profile, off-CPU time, and the views to come) from them and from the
/// walk's shared `CaptureStacks`.
package protocol CaptureView: AnyObject {
    /// Whether the view reads scheduler events (the walk decodes them only then).
    var readsScheduler: Bool { get }
    /// A sample, in time order, with the scheduler event it is (nil: none, or not decoded).
    func sample(_ s: PerfSample, _ event: SchedulerEvent?)
    /// Any other record (maps, comms, forks, exits), before the shared state applies it: an
    /// exiting thread is still known.
    func record(_ record: PerfRecord)
}

/// The one time-ordered walk of a perf.data capture: every record, in time order, once, to every
/// view that shares it. The walk keeps the machine's state (`CaptureStacks`) and decodes the
/// scheduler tracepoints (`SchedulerEvents`) once for all of them, so `flame both`, `record` and
/// `report` read a capture, unwind its DWARF stacks and look up its symbols once for both views.
package final class CaptureWalk {
    /// The capture.
    package let file: PerfDataFile
    /// The state and stacks every view shares.
    package let stacks: CaptureStacks
    /// The scheduler tracepoints' decoders.
    package let scheduler: SchedulerEvents
    private let hasTime: [Bool]

    /// A walk of `file` whose shared state is `stacks` (made for this file).
    package init(file: PerfDataFile, stacks: CaptureStacks) {
        self.file = file
        self.stacks = stacks
        scheduler = SchedulerEvents(file: file)
        hasTime = file.header.events.map { $0.sampleType.contains(.time) }
    }

    /// Walks the whole file through `views` and returns what the reader counted (lost events,
    /// damage: what was read before it has been handed over).
    package func run(_ views: [CaptureView]) throws -> PerfReadReport {
        let stacks = self.stacks, processes = stacks.processes, hasTime = self.hasTime
        let reads = views.map(\.readsScheduler)
        let scheduler = reads.contains(true) ? self.scheduler : nil
        return try file.forEachRecord(ordered: true, sample: { s in
            guard let index = s.eventIndex, index < hasTime.count else { return }
            if hasTime[index] { processes.noteTime(s.time) }
            stacks.beginSample()
            let event = scheduler?.decode(s)
            for (i, v) in views.enumerated() { v.sample(s, reads[i] ? event : nil) }
        }, other: { r in
            for v in views { v.record(r) }
            stacks.apply(r)
        })
    }
}
