import ProfileModel

/// speedscope's file format (https://www.speedscope.app/file-format-schema.json): one sampled
/// profile per process or thread (the first frame of flame's stacks, which is not repeated inside
/// the profile), frames shared by all of them with their source file and line when the
/// symbolizer gave them, weights in nanoseconds for time and unitless for counts.
///
/// Samples are the distinct stacks in flame graph order, or in time order when the profile was
/// folded in chart mode (`--flamechart`), which speedscope's Time Order view then shows as it was.
public enum SpeedscopeExport {
    /// The JSON file; `name` titles it in speedscope.
    public static func bytes(_ profile: Profile, name: String) -> [UInt8] {
        let tree = FlameTree(profile)
        let origins = profile.origins
        var frameIndex: [Int32: Int] = [:]
        var frameOrder: [Int32] = []
        func index(_ frame: Int32) -> Int {
            if let i = frameIndex[frame] { return i }
            let i = frameOrder.count
            frameIndex[frame] = i
            frameOrder.append(frame)
            return i
        }
        // Roots of the same name (a flame chart has one per run of samples) make one profile.
        var groups: [(frame: Int32, roots: [Int])] = []
        var groupOf: [Int32: Int] = [:]
        for r in tree.children(0) {
            let f = tree.frame[Int(r)]
            if let g = groupOf[f] { groups[g].roots.append(Int(r)) } else {
                groupOf[f] = groups.count
                groups.append((f, [Int(r)]))
            }
        }
        let unit: StaticString = profile.unit.isTime ? "nanoseconds" : "none"
        var profiles = JSONWriter(capacity: 1 << 20)
        var heaviest = (index: 0, weight: UInt64(0))
        var emitted = 0
        for group in groups {
            var samples = JSONWriter()
            var weights = JSONWriter()
            var total: UInt64 = 0
            var first = true
            for root in group.roots {
                forEachStack(tree, under: root) { frames, node in
                    let w = tree.selfWeight[node]
                    guard w > 0 else { return }
                    if !first { samples.raw(","); weights.raw(",") }
                    first = false
                    samples.raw("[")
                    if frames.isEmpty {
                        // Samples without a usable frame count under the process, as in the SVG.
                        samples.integer(index(group.frame))
                    }
                    for (k, f) in frames.enumerated() {
                        if k > 0 { samples.raw(",") }
                        samples.integer(index(f))
                    }
                    samples.raw("]")
                    weights.integer(w)
                    total &+= w
                }
            }
            guard total > 0 else { continue }
            if emitted > 0 { profiles.raw(",") }
            profiles.raw("{\"type\":\"sampled\",\"name\":")
            profiles.raw(JSONWriter.quoted(profile.names.bytes(group.frame)))
            profiles.raw(",\"unit\":\"")
            profiles.raw(unit)
            profiles.raw("\",\"startValue\":0,\"endValue\":")
            profiles.integer(total)
            profiles.raw(",\"samples\":[")
            profiles.raw(samples.bytes)
            profiles.raw("],\"weights\":[")
            profiles.raw(weights.bytes)
            profiles.raw("]}")
            if total > heaviest.weight { heaviest = (emitted, total) }
            emitted += 1
        }
        var out = JSONWriter(capacity: profiles.bytes.count + frameOrder.count * 48 + 256)
        out.raw("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"exporter\":\"flame\",\"name\":")
        out.string(name)
        out.raw(",\"activeProfileIndex\":")
        out.integer(heaviest.index)
        out.raw(",\"shared\":{\"frames\":[")
        for (i, f) in frameOrder.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.raw(JSONWriter.quoted(profile.names.bytes(f)))
            if let o = origins?.byName[f] {
                if let file = o.file {
                    out.raw(",\"file\":")
                    out.string(file)
                }
                if let line = o.line {
                    out.raw(",\"line\":")
                    out.integer(line)
                }
            }
            out.raw("}")
        }
        out.raw("]},\"profiles\":[")
        out.raw(profiles.bytes)
        out.raw("]}\n")
        return out.bytes
    }
}
