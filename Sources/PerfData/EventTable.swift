/// Finds the event that owns a record, the way perf's evlist does (id_pos / is_pos from the first event).
struct EventTable {
    private(set) var events: [PerfEvent] = []
    /// What decoding needs of each event.
    private(set) var layouts: [SampleLayout] = []
    private var byID: [UInt64: Int] = [:]
    /// Position (in u64s) of the id in a sample, or -1 (perf: `evlist->id_pos`).
    private var idPos = -1
    /// Position (in u64s, counted from the end) of the id in a sample_id_all trailer, or -1.
    private var isPos = -1

    mutating func set(_ events: [PerfEvent]) {
        self.events = events
        reindex()
    }

    mutating func append(_ event: PerfEvent) {
        events.append(event)
        reindex()
    }

    mutating func rename(id: UInt64, to name: String) {
        if let i = byID[id] { events[i].name = name }
    }

    private mutating func reindex() {
        layouts = events.map(SampleLayout.init)
        byID.removeAll(keepingCapacity: true)
        for (i, e) in events.enumerated() {
            for id in e.ids where byID[id] == nil { byID[id] = i }
        }
        guard let first = events.first else { idPos = -1; isPos = -1; return }
        let t = first.sampleType
        if t.contains(.identifier) {
            idPos = 0
            isPos = 1
        } else if t.contains(.id) {
            idPos = [SampleType.ip, .tid, .time, .addr].filter { t.contains($0) }.count
            isPos = 1 + [SampleType.cpu, .streamID].filter { t.contains($0) }.count
        } else {
            idPos = -1
            isPos = -1
        }
    }

    /// Event index for a sample whose body (after the 8-byte header) is `body`.
    @inline(__always)
    func eventForSample(_ body: UnsafeRawBufferPointer) -> Int? {
        if events.count == 1 || idPos < 0 { return events.isEmpty ? nil : 0 }
        guard let id = body.load(UInt64.self, at: idPos * 8) else { return nil }
        return byID[id]
    }

    /// Event index for a non-sample kernel record whose body (after the header) is `body`.
    func eventForOther(_ body: UnsafeRawBufferPointer) -> Int? {
        if events.isEmpty { return nil }
        if events.count == 1 || isPos < 0 || !layouts[0].sampleIDAll { return 0 }
        guard let id = body.load(UInt64.self, at: body.count - isPos * 8) else { return nil }
        return byID[id]
    }
}
