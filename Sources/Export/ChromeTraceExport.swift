import ProfileModel

/// Chrome's trace-event JSON (chrome://tracing, ui.perfetto.dev): per thread, its samples in time
/// order as nested complete (`X`) events, one per frame, so the viewers draw when each function
/// ran: a flame chart per thread on the capture's time axis.
///
/// - A sample stands for the time until the thread's next sample when that comes within 1.5
///   sampling intervals, else for one interval: the period of a clock event (its weight, in ns),
///   else the median gap between a thread's consecutive samples. Consecutive samples that share
///   frames extend the same events, so a function that ran for 40 samples in a row is one event.
/// - Off-CPU, every interval has its own start and length (the wait, its run-queue part).
/// - Every event has `args.weight` and `args.samples`: what the samples inside it add to the
///   profile (period sum or ns); the outermost events of all threads add up to the profile's total.
/// - The comm (the stack's first frame in the SVG) names the thread; a sample with no frame
///   under it is an event named by the comm.
/// - Times are µs from the first sample, three decimals (the capture's ns).
public enum ChromeTraceExport {
    /// The JSON file. Throws when the profile kept no sample times (folded input, totals-only
    /// off-CPU input, or a load without `CollapseOptions.keepTimeline`).
    public static func bytes(_ profile: Profile, name: String) throws -> [UInt8] {
        guard let timeline = profile.timeline, timeline.count > 0 else {
            throw ExportError(description: "the input has no sample times (a Chrome trace needs perf.data or perf script text "
                + "with times, or scheduler events for off-CPU)")
        }
        let trie = profile.trie
        let names = profile.names
        let n = timeline.count
        // Stable order by thread, then time.
        let order = (0..<n).sorted { a, b in
            let ta = timeline.tid[a], tb = timeline.tid[b]
            if ta != tb { return ta < tb }
            let xa = timeline.time[a], xb = timeline.time[b]
            return xa != xb ? xa < xb : a < b
        }
        let origin = timeline.time.min() ?? 0
        let interval = samplingInterval(timeline, order: order)
        let clockWeights = profile.unit != .offCPU && profile.unit.isTime

        var quotedName: [Int32: [UInt8]] = [:]
        func quoted(_ id: Int32) -> [UInt8] {
            if let q = quotedName[id] { return q }
            let q = JSONWriter.quoted(names.bytes(id))
            quotedName[id] = q
            return q
        }
        let category: StaticString = profile.unit == .offCPU ? "offcpu" : "oncpu"

        struct Slice { var frame: Int32; var start: UInt64; var end: UInt64; var weight: UInt64; var samples: UInt64 }
        var out = JSONWriter(capacity: n * 256)
        out.raw("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"exporter\":\"flame\",\"source\":")
        out.string(name)
        if let event = profile.event {
            out.raw(",\"event\":")
            out.string(event)
        }
        out.raw(",\"weight\":")
        out.string(profile.unit.isTime ? "nanoseconds" : (profile.unit == .samples ? "samples" : "events"))
        out.raw("},\"traceEvents\":[")
        var firstEvent = true
        func separator() {
            if !firstEvent { out.raw(",\n") }
            firstEvent = false
        }

        // A process is named by its main thread's comm, else by its first thread's.
        var processComm: [Int32: (comm: Int32, main: Bool)] = [:]
        var processOrder: [Int32] = []
        for k in 0..<n {
            let s = order[k]
            if k > 0 && timeline.tid[order[k - 1]] == timeline.tid[s] { continue }
            let tid = timeline.tid[s], pid = timeline.pid[s] >= 0 ? timeline.pid[s] : tid
            let main = pid == tid
            if let known = processComm[pid] {
                if main && !known.main { processComm[pid] = (rootFrame(trie, timeline.node[s]), true) }
            } else {
                processComm[pid] = (rootFrame(trie, timeline.node[s]), main)
                processOrder.append(pid)
            }
        }
        for pid in processOrder {
            separator()
            metadata(&out, "process_name", pid: pid, tid: nil, name: quoted(processComm[pid]!.comm))
        }

        var path: [Int32] = []
        var open: [(frame: Int32, slice: Int)] = []
        var slices: [Slice] = []
        var i = 0
        while i < n {
            // One thread: order[i..<j].
            let tid = timeline.tid[order[i]]
            var j = i
            while j < n && timeline.tid[order[j]] == tid { j += 1 }
            let rawPid = timeline.pid[order[i]]
            let pid = rawPid >= 0 ? rawPid : tid
            let comm = rootFrame(trie, timeline.node[order[i]])
            separator()
            metadata(&out, "thread_name", pid: pid, tid: tid, name: quoted(comm))

            slices.removeAll(keepingCapacity: true)
            open.removeAll(keepingCapacity: true)
            var previousEnd: UInt64 = 0
            for k in i..<j {
                let s = order[k]
                var start = timeline.time[s]
                var end: UInt64
                if timeline.duration[s] > 0 {
                    end = start &+ timeline.duration[s]
                } else {
                    let step = clockWeights && timeline.weight[s] > 0 ? timeline.weight[s] : interval
                    end = start &+ step
                    if k + 1 < j {
                        let next = timeline.time[order[k + 1]]
                        if next >= start && next - start <= step + step / 2 { end = max(next, start + 1) }
                    }
                }
                // Events of one thread must nest: a sample never starts before the previous ends.
                let contiguous = k > i && start <= previousEnd
                if contiguous {
                    let length = end - start
                    start = previousEnd
                    end = max(end, start + length)
                }
                stack(trie, timeline.node[s], into: &path)
                var common = 0
                if contiguous {
                    while common < open.count && common < path.count && open[common].frame == path[common] { common += 1 }
                }
                for o in open[common...] { slices[o.slice].end = previousEnd }
                open.removeSubrange(common...)
                for f in path[common...] {
                    open.append((f, slices.count))
                    slices.append(Slice(frame: f, start: start, end: end, weight: 0, samples: 0))
                }
                for o in open {
                    slices[o.slice].weight &+= timeline.weight[s]
                    slices[o.slice].samples &+= 1
                }
                previousEnd = end
            }
            for o in open { slices[o.slice].end = previousEnd }
            for sl in slices {
                separator()
                out.raw("{\"ph\":\"X\",\"cat\":\"")
                out.raw(category)
                out.raw("\",\"pid\":")
                out.integer(pid)
                out.raw(",\"tid\":")
                out.integer(tid)
                out.raw(",\"ts\":")
                out.microseconds(sl.start - origin)
                out.raw(",\"dur\":")
                out.microseconds(sl.end - sl.start)
                out.raw(",\"name\":")
                out.raw(quoted(sl.frame))
                out.raw(",\"args\":{\"weight\":")
                out.integer(sl.weight)
                out.raw(",\"samples\":")
                out.integer(sl.samples)
                out.raw("}}")
            }
            i = j
        }
        out.raw("]}\n")
        return out.bytes
    }

    /// What one sample stands for when the weights say nothing of time: the median gap between
    /// consecutive samples of a thread (1 ms when no thread has two).
    static func samplingInterval(_ timeline: SampleTimeline, order: [Int]) -> UInt64 {
        var gaps: [UInt64] = []
        for k in 1..<max(order.count, 1) {
            let a = order[k - 1], b = order[k]
            if timeline.tid[a] == timeline.tid[b] && timeline.time[b] > timeline.time[a] {
                gaps.append(timeline.time[b] - timeline.time[a])
            }
        }
        guard !gaps.isEmpty else { return 1_000_000 }
        gaps.sort()
        return max(gaps[gaps.count / 2], 1000)
    }

    /// The stack's first frame (the comm).
    static func rootFrame(_ trie: StackTrie, _ node: Int32) -> Int32 {
        var n = node
        while trie.parent[Int(n)] > 0 { n = trie.parent[Int(n)] }
        return trie.frame[Int(n)]
    }

    /// The frames under the comm, outermost first; the comm alone when there are none.
    static func stack(_ trie: StackTrie, _ node: Int32, into path: inout [Int32]) {
        trie.leafFirstPath(to: node, into: &path)
        if path.count > 1 { path.removeLast() }
        path.reverse()
    }

    private static func metadata(_ out: inout JSONWriter, _ kind: StaticString, pid: Int32, tid: Int32?, name: [UInt8]) {
        out.raw("{\"ph\":\"M\",\"name\":\"")
        out.raw(kind)
        out.raw("\",\"pid\":")
        out.integer(pid)
        if let tid {
            out.raw(",\"tid\":")
            out.integer(tid)
        }
        out.raw(",\"args\":{\"name\":")
        out.raw(name)
        out.raw("}}")
    }
}
