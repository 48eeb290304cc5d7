import Foundation
import XCTest
import TestSupport
@testable import Export
@testable import ProfileModel
@testable import Fold
import TextInputs

/// Every export of the committed captures carries the total the SVG is drawn from, and reads back
/// as its format says: speedscope against its JSON schema, pprof through `go tool pprof`, Chrome
/// traces as nested events per thread in time order.
final class ExportTests: XCTestCase {
    typealias S = ExportSupport

    func testCapturesExportTheirTotalsInEveryFormat() throws {
        for (capture, offcpu) in S.onCPUCaptures.map({ ($0, false) }) + S.offCPUCaptures.map({ ($0, true) }) {
            let plain = try S.load(capture, offcpu: offcpu, keep: false)
            let rich = try S.load(capture, offcpu: offcpu, keep: true)
            XCTAssertGreaterThan(plain.totalWeight, 0, capture)
            // Keeping times and origins changes nothing of the profile itself.
            XCTAssertEqual(FoldedWriter.bytes(rich), FoldedWriter.bytes(plain), capture)
            XCTAssertEqual(rich.totalSamples, plain.totalSamples, capture)
            XCTAssertEqual(rich.unit, plain.unit, capture)

            let speedscope = try S.speedscope(try Exporter.bytes(rich, format: .speedscope, name: capture))
            XCTAssertEqual(speedscope.total, plain.totalWeight, capture)
            XCTAssertEqual(Set(speedscope.profiles.map(\.unit)), [rich.unit.isTime ? "nanoseconds" : "none"], capture)
            // One profile per first frame (the comm) with weight, as the SVG's second row.
            let tree = FlameTree(plain)
            let comms = Set(tree.children(0).filter { tree.total[Int($0)] > 0 }.map { plain.names.string(tree.frame[Int($0)]) })
            XCTAssertEqual(Set(speedscope.profiles.map(\.name)), comms, capture)

            let pprof = try S.pprof(try Exporter.bytes(rich, format: .pprof, name: capture))
            XCTAssertEqual(S.total(pprof, index: pprof.sampleType.count - 1), plain.totalWeight, capture)
            if pprof.sampleType.count == 2 { XCTAssertEqual(S.total(pprof, index: 0), plain.totalSamples, capture) }
            XCTAssertEqual(pprof.sample.count, (1..<plain.trie.nodeCount).filter {
                plain.trie.selfWeight[$0] > 0 || plain.trie.selfSamples[$0] > 0 }.count, "one sample per distinct stack")

            let chrome = try S.chrome(try Exporter.bytes(rich, format: .chrome, name: capture))
            XCTAssertEqual(rich.timeline?.untimed, 0, capture)
            XCTAssertEqual(chrome.total, plain.totalWeight, capture)
            XCTAssertGreaterThan(chrome.threads, 0, capture)

            let folded = try Exporter.bytes(rich, format: .folded, name: capture)
            XCTAssertEqual(folded, FoldedWriter.bytes(plain, divisor: offcpu ? 1000 : 1), capture)
        }
    }

    func testUnitsAndSampleTypes() throws {
        let clock = try S.pprof(try Exporter.bytes(try S.load("threads.data", offcpu: false, keep: true), format: .pprof, name: "t"))
        XCTAssertEqual(clock.sampleType.map { [clock.stringTable[Int($0.type)], clock.stringTable[Int($0.unit)]] },
                       [["samples", "count"], ["cpu", "nanoseconds"]])
        XCTAssertEqual(clock.stringTable[Int(clock.defaultSampleType)], "cpu")
        XCTAssertGreaterThan(clock.durationNanos, 0)
        let off = try S.pprof(try Exporter.bytes(try S.load("offcpu/waiter.sched.data", offcpu: true, keep: true), format: .pprof, name: "w"))
        XCTAssertEqual(off.sampleType.map { [off.stringTable[Int($0.type)], off.stringTable[Int($0.unit)]] },
                       [["waits", "count"], ["off-cpu", "nanoseconds"]])
        let counted = try S.load("multievent.data", offcpu: false, keep: true)
        let events = try S.pprof(try Exporter.bytes(counted, format: .pprof, name: "m"))
        XCTAssertEqual(events.sampleType.count, counted.unit == .samples ? 1 : 2)
        XCTAssertEqual(events.stringTable[Int(events.sampleType[0].unit)], "count")
        XCTAssertEqual(try S.speedscope(try Exporter.bytes(counted, format: .speedscope, name: "m")).profiles.first?.unit,
                       counted.unit.isTime ? "nanoseconds" : "none")
    }

    /// Mappings carry the binaries' paths and the build-ids perf recorded in the header (not the
    /// build-id of whatever sits at that path now: /tmp/flametd/threads has been rebuilt since, or
    /// is missing); locations with an address hold it inside their mapping's range.
    func testPprofMappingsCarryBuildIDs() throws {
        let profile = try S.load("threads.data", offcpu: false, keep: true)
        let p = try S.pprof(try Exporter.bytes(profile, format: .pprof, name: "threads"))
        let mappings = Dictionary(uniqueKeysWithValues: p.mapping.map { (p.stringTable[Int($0.filename)], $0) })
        let main = try XCTUnwrap(mappings["/tmp/flametd/threads"])
        XCTAssertEqual(p.mapping.first?.id, main.id, "the program first: pprof takes mapping[0] for the main binary")
        XCTAssertEqual(p.stringTable[Int(main.buildID)], "fddc9a10fa0845341728f6e80420d64f78a7833e")
        let libc = try XCTUnwrap(mappings["/usr/lib/x86_64-linux-gnu/libc.so.6"])
        XCTAssertEqual(p.stringTable[Int(libc.buildID)].count, 40, "libc's build-id from the header")
        // The program's own frames may have no address here (nothing can name them), libc's do.
        XCTAssertGreaterThan(assertAddressesInMappings(p), 0)
    }

    /// On a capture of a binary built in this run (so its build-id matches the header), the
    /// program's frames are named functions at addresses inside the program's mapping.
    func testPprofNamesLiveCapture() throws {
        let live = try S.liveCaptures()
        let profile = try S.load(path: live.threads, offcpu: false, keep: true)
        let p = try S.pprof(try Exporter.bytes(profile, format: .pprof, name: "threads"))
        let binary = live.bin.appendingPathComponent("threads").resolvingSymlinksInPath().path
        let mappings = Dictionary(uniqueKeysWithValues: p.mapping.map { (p.stringTable[Int($0.filename)], $0) })
        let main = try XCTUnwrap(mappings[binary], "\(mappings.keys.sorted())")
        XCTAssertEqual(p.mapping.first?.id, main.id, "the program first: pprof takes mapping[0] for the main binary")
        // The build-id as binutils reads it from the binary, not as flame does.
        let notes = try XCTUnwrap(try S.run("readelf", ["-n", binary]), "readelf (binutils) comes with gcc")
        let buildID = try XCTUnwrap(notes.output.split(separator: "\n").first { $0.contains("Build ID:") }?
            .split(separator: " ").last.map(String.init), notes.output)
        XCTAssertEqual(p.stringTable[Int(main.buildID)], buildID)
        XCTAssertTrue(main.hasFunctions_p)
        let located = p.location.filter { $0.mappingID == main.id }
        XCTAssertTrue(located.contains { $0.address != 0 }, "the program's functions have addresses")
        XCTAssertGreaterThan(assertAddressesInMappings(p), 0)
        let named = located.map { p.stringTable[Int(p.function[Int($0.line[0].functionID) - 1].name)] }
        XCTAssertTrue(named.contains("matmul") && named.contains("hash_block.constprop.0"), "\(named)")
    }

    /// Every location with an address (and a mapping) lies in its mapping's range; how many did.
    func assertAddressesInMappings(_ p: Perftools_Profiles_Profile, file: StaticString = #filePath, line: UInt = #line) -> Int {
        let byID = Dictionary(uniqueKeysWithValues: p.mapping.map { ($0.id, $0) })
        var checked = 0
        for l in p.location where l.mappingID != 0 && l.address != 0 {
            guard let m = byID[l.mappingID] else { continue }
            XCTAssertTrue(l.address >= m.memoryStart && l.address < m.memoryLimit,
                          "\(l.address) in \(p.stringTable[Int(m.filename)])", file: file, line: line)
            checked += 1
        }
        return checked
    }

    /// `go tool pprof` reads the files: the same total, and the same top functions as `flame top`.
    func testGoToolPprofReadsTheFiles() throws {
        guard S.which("go") != nil else {
            throw Live.skip("go is not installed (Debian: golang-go; scripts/install-deps.sh installs it)")
        }
        let dir = try S.temporaryDirectory()
        for (capture, offcpu) in [("threads.data", false), ("cpuburn.data", false), ("offcpu/waiter.sched.data", true)] {
            try checkGoToolPprof(try S.load(capture, offcpu: offcpu, keep: true), name: capture, offcpu: offcpu, in: dir)
        }
    }

    /// The same on the live captures, whose top functions are the program's named ones.
    func testGoToolPprofReadsLiveCaptures() throws {
        guard S.which("go") != nil else {
            throw Live.skip("go is not installed (Debian: golang-go; scripts/install-deps.sh installs it)")
        }
        let live = try S.liveCaptures()
        let dir = try S.temporaryDirectory()
        for capture in [live.threads, live.cpuburn] {
            let profile = try S.load(path: capture, offcpu: false, keep: true)
            let top = FunctionTotals(profile).topBySelf(3).map(\.name)
            XCTAssertFalse(top.contains { FunctionTotals.isUnresolved($0) }, "\(capture): named from the binary: \(top)")
            try checkGoToolPprof(profile, name: capture, offcpu: false, in: dir)
        }
    }

    /// `go tool pprof -top` of the export: total, type, and its rows against `FunctionTotals`.
    func checkGoToolPprof(_ profile: Profile, name: String, offcpu: Bool, in dir: URL,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let path = dir.appendingPathComponent("p.pb.gz")
        try Data(try Exporter.bytes(profile, format: .pprof, name: name)).write(to: path)
        func top(_ options: [String]) throws -> (output: String, rows: [(name: String, flat: UInt64, cum: UInt64)]) {
            let r = try XCTUnwrap(try S.run("go", ["tool", "pprof", "-top", "-unit=ns", "-nodecount=10"] + options + [path.path]))
            XCTAssertEqual(r.status, 0, r.output, file: file, line: line)
            // Rows: flat flat% sum% cum cum% name.
            let rows = r.output.split(separator: "\n").compactMap { line -> (String, UInt64, UInt64)? in
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 6, let flat = Self.nanoseconds(f[0]), let cum = Self.nanoseconds(f[3]) else { return nil }
                return (f[5...].joined(separator: " "), flat, cum)
            }
            return (r.output, rows)
        }
        let totals = FunctionTotals(profile)
        let best = totals.topBySelf(3)

        // pprof hides every node whose cum is at most -nodefraction of the total (0.005 by default,
        // truncated to an integer as pprof does) and says "Dropped N nodes (cum <= X)":
        // cpuburn.data's `[[kernel.kallsyms]]` (0.33%) is in the export, with its own function and
        // location, but pprof's default hides it. So the rows are compared with -nodefraction=0,
        // and the default run is checked to hide exactly what falls under the cutoff. pprof also
        // lists functions without self time (flat 0, after the others), which topBySelf leaves out.
        let all = try top(["-nodefraction=0"])
        XCTAssertTrue(all.output.contains("of \(profile.totalWeight)ns total"), "\(name): \(all.output)", file: file, line: line)
        XCTAssertTrue(all.output.contains("Type: \(offcpu ? "off-cpu" : "cpu")"), all.output, file: file, line: line)
        XCTAssertFalse(all.output.contains("Dropped "), all.output, file: file, line: line)
        let selfRows = all.rows.filter { $0.flat > 0 }.prefix(3)
        XCTAssertEqual(selfRows.map(\.name), best.map(\.name), "\(name): \(all.output)", file: file, line: line)
        XCTAssertEqual(selfRows.map(\.flat), best.map(\.selfWeight), name, file: file, line: line)
        XCTAssertEqual(selfRows.map(\.cum), best.map(\.totalWeight), name, file: file, line: line)

        let cutoff = UInt64(Double(profile.totalWeight) * 0.005)
        let shown = try top([])
        let kept = best.filter { $0.totalWeight > cutoff }
        XCTAssertEqual(shown.rows.filter { $0.flat > 0 }.prefix(kept.count).map(\.name), kept.map(\.name),
                       "\(name): \(shown.output)", file: file, line: line)
        let hidden = totals.functions.filter { $0.totalWeight <= cutoff }.map(\.name)
        XCTAssertTrue(Set(shown.rows.map(\.name)).isDisjoint(with: hidden), "\(name): \(shown.output)", file: file, line: line)
        if !hidden.isEmpty {
            // "Dropped 1 node (cum <= X)" or "Dropped 9 nodes (cum <= X)": pprof counts its own nodes
            // (not functions) and uses the singular for one.
            let dropped = shown.output.contains(" node (cum <= \(cutoff)ns)") || shown.output.contains(" nodes (cum <= \(cutoff)ns)")
            XCTAssertTrue(dropped && shown.output.contains("Dropped "), "\(name): \(shown.output)", file: file, line: line)
        }
    }

    /// A `-unit=ns` value of pprof's table: `123ns`, or `0` (pprof prints a zero without unit).
    static func nanoseconds(_ field: Substring) -> UInt64? {
        field == "0" ? 0 : field.hasSuffix("ns") ? UInt64(field.dropLast(2)) : nil
    }

    /// With protoc (the schema's own compiler) the bytes decode as a perftools.profiles.Profile.
    func testProtocDecodesTheMessage() throws {
        guard S.which("protoc") != nil else { throw Live.skip("protoc is not installed (Debian: protobuf-compiler)") }
        let dir = try S.temporaryDirectory()
        let raw = dir.appendingPathComponent("p.pb")
        let profile = try S.load("threads.data", offcpu: false, keep: true)
        try Data(try Gzip.decompress(try Exporter.bytes(profile, format: .pprof, name: "t"))).write(to: raw)
        let proto = S.root.appendingPathComponent("Sources/Export/pprof")
        let r = try XCTUnwrap(try S.run("bash", ["-c", "protoc -I'\(proto.path)' --decode perftools.profiles.Profile profile.proto < '\(raw.path)'"]))
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("string_table: \"cpu\""), r.output)
        XCTAssertTrue(r.output.contains("build_id:"), r.output)
    }

    /// speedscope's published schema (Fixtures/speedscope-file-format-schema.json, transcribed from
    /// its file-format-spec.ts), checked by Python's jsonschema, on every capture's export.
    func testSpeedscopeFilesMatchTheSchema() throws {
        guard let probe = try S.run("python3", ["-c", "import jsonschema"]), probe.status == 0 else {
            throw Live.skip("python3 jsonschema is not installed (Debian: python3-jsonschema)")
        }
        let dir = try S.temporaryDirectory()
        var files: [String] = []
        for (capture, offcpu) in S.onCPUCaptures.map({ ($0, false) }) + S.offCPUCaptures.map({ ($0, true) }) {
            for chart in [false, true] {
                var o = S.options(keep: true)
                o.chartMode = chart
                let path = S.testdata.appendingPathComponent(capture).path
                let profile = offcpu ? try OffCPULoader.load(path: path, collapse: o, options: OffCPUOptions()).profile
                                     : try ProfileLoader.load(path: path, options: o).0
                let file = dir.appendingPathComponent("\(files.count).speedscope.json")
                let bytes = try Exporter.bytes(profile, format: .speedscope, name: capture)
                XCTAssertEqual(try S.speedscope(bytes).total, profile.totalWeight, "\(capture) chart \(chart)")
                try Data(bytes).write(to: file)
                files.append(file.path)
            }
        }
        files.append(try hostileFile(dir, format: .speedscope))
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft7Validator.check_schema(schema)
            for f in sys.argv[2:]:
                jsonschema.validate(json.load(open(f, encoding='utf-8')), schema)
            bad = {"$schema": "https://www.speedscope.app/file-format-schema.json", "shared": {"frames": []},
                   "profiles": [{"type": "sampled", "name": "x", "unit": "ticks", "startValue": 0, "endValue": 0,
                                 "samples": [], "weights": []}]}
            try:
                jsonschema.validate(bad, schema)
                print("the schema accepted a unit speedscope does not know")
                sys.exit(1)
            except jsonschema.ValidationError:
                print("ok", len(sys.argv) - 2)
            """
        let r = try XCTUnwrap(try S.run("python3", ["-c", script, S.schema.path] + files))
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.hasPrefix("ok \(files.count)"), r.output)
    }

    // MARK: - Names

    static let hostileNames: [[UInt8]] = [
        Array("quote\" back\\slash".utf8),
        Array("tab\there\nnewline\rcr".utf8),
        [0x00, 0x01, 0x1F, 0x7F, 0x41],
        [0x66, 0xFF, 0xFE, 0x67],                // invalid UTF-8
        [0x61, 0xC3],                            // cut multibyte sequence
        [0xC0, 0xAF, 0xED, 0xA0, 0x80],          // overlong, surrogate
        Array("line\u{2028}para\u{2029}bidi\u{202E}txt.exe".utf8),
        Array("</script><b onload=x>&amp;".utf8),
        Array("std::function<int (int, int)>::operator()".utf8),
        Array("emoji 🔥 日本語".utf8),
        Array(repeating: UInt8(ascii: "x"), count: 5000),
    ]

    /// A profile of one thread whose frames have the hostile names, with times.
    func hostileProfile() -> Profile {
        let p = Profile()
        p.unit = .nanoseconds("cpu-clock")
        p.timeline = SampleTimeline()
        let comm = Array("evil\"comm\u{1}".utf8).withUnsafeBufferPointer { p.names.intern($0) }
        var node = p.trie.child(of: 0, frame: comm)
        for (i, name) in Self.hostileNames.enumerated() {
            node = p.trie.child(of: node, frame: name.withUnsafeBufferPointer { p.names.intern($0) })
            p.trie.add(node: node, weight: 1_000_000, samples: 1)
            p.timeline!.append(time: UInt64(i) * 1_000_000, pid: 7, tid: 7, node: node, weight: 1_000_000)
        }
        return p
    }

    func hostileFile(_ dir: URL, format: ExportFormat) throws -> String {
        let file = dir.appendingPathComponent("hostile.\(format.rawValue)")
        try Data(try Exporter.bytes(hostileProfile(), format: format, name: "hostile \"\u{7}")).write(to: file)
        return file.path
    }

    /// Any bytes come out as valid strings: valid UTF-8 unchanged, invalid bytes as U+FFFD.
    func testHostileNamesRoundTrip() throws {
        let profile = hostileProfile()
        let expected = Set(Self.hostileNames.map { String(decoding: $0, as: UTF8.self) })
        for format in [ExportFormat.speedscope, .chrome] {
            let bytes = try Exporter.bytes(profile, format: format, name: "hostile")
            XCTAssertNotNil(String(validating: bytes, as: UTF8.self), "\(format) is UTF-8")
            // JSON strings hold no raw control characters; U+2028 is escaped for old JS parsers.
            var inString = false, escaped = false
            for b in bytes {
                if inString {
                    XCTAssertGreaterThanOrEqual(b, 0x20, "\(format): raw control byte in a string")
                    if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                } else if b == 0x22 {
                    inString = true
                }
            }
            XCTAssertNil(bytes.firstRange(of: Array("\u{2028}".utf8)), "\(format)")
            let names: [String]
            if format == .speedscope {
                names = try S.speedscope(bytes).frames.compactMap { $0["name"] as? String }
                XCTAssertEqual(try S.speedscope(bytes).profiles.map(\.name), ["evil\"comm\u{1}"])
            } else {
                names = try S.chrome(bytes).names
            }
            XCTAssertEqual(Set(names), expected, "\(format)")
        }
        let pprof = try S.pprof(try Exporter.bytes(profile, format: .pprof, name: "hostile"))
        let functionNames = Set(pprof.function.map { pprof.stringTable[Int($0.name)] })
        XCTAssertTrue(expected.isSubset(of: functionNames), "\(expected.subtracting(functionNames))")
        XCTAssertEqual(S.total(pprof, index: 1), profile.totalWeight)
        // Python's strict JSON parser agrees.
        if let r = try S.run("python3", ["-c", "import json,sys; [json.load(open(f, encoding='utf-8')) for f in sys.argv[1:]]; print('ok')",
                                          try hostileFile(try S.temporaryDirectory(), format: .speedscope),
                                          try hostileFile(try S.temporaryDirectory(), format: .chrome)]) {
            XCTAssertEqual(r.output, "ok\n")
        }
    }

    // MARK: - Shapes

    /// A frame with `_[i]` frames above it is one location with several lines, innermost first;
    /// functions lose the annotation and keep file and line from the origins.
    func testInlinedFramesShareOneLocation() throws {
        let p = Profile()
        p.unit = .nanoseconds("cpu-clock")
        p.origins = FrameOrigins()
        func id(_ s: String, file: String? = nil, line: Int? = nil, function: String? = nil) -> Int32 {
            var s = s
            let i = s.withUTF8 { p.names.intern($0) }
            if file != nil || line != nil {
                Array("/bin/prog".utf8).withUnsafeBufferPointer { b in
                    p.origins!.note(i, binary: b) { o in
                        o.file = file
                        o.line = line
                        o.function = function
                        o.inlined = s.hasSuffix("_[i]")
                    }
                }
                p.origins!.noteAddress(i, 0x1000)
            }
            return i
        }
        let stack = [id("prog"), id("main", file: "/src/prog.c", line: 40),
                     id("outer:prog.c:12", file: "/src/prog.c", line: 12, function: "outer"),
                     id("helper:util.h:3_[i]", file: "/src/util.h", line: 3, function: "helper"),
                     id("leaf_[i]")]
        p.trie.add(stack: stack, weight: 5, samples: 5)
        p.trie.add(stack: stack.prefix(3), weight: 2, samples: 2)
        let pprof = try S.pprof(try Exporter.bytes(p, format: .pprof, name: "inline"))
        XCTAssertEqual(S.total(pprof, index: 1), 7)
        func describe(_ l: Perftools_Profiles_Location) -> [String] {
            l.line.map { line in
                let f = pprof.function[Int(line.functionID) - 1]
                return "\(pprof.stringTable[Int(f.name)])@\(pprof.stringTable[Int(f.filename)]):\(line.line)"
            }
        }
        let deep = try XCTUnwrap(pprof.sample.first { $0.value[1] == 5 })
        let locations = deep.locationID.map { id in describe(pprof.location.first { $0.id == id }!) }
        XCTAssertEqual(locations, [["leaf@:0", "helper@/src/util.h:3", "outer@/src/prog.c:12"], ["main@/src/prog.c:40"], ["prog@:0"]])
        let shallow = try XCTUnwrap(pprof.sample.first { $0.value[1] == 2 })
        XCTAssertEqual(shallow.locationID.map { id in describe(pprof.location.first { $0.id == id }!) },
                       [["outer@/src/prog.c:12"], ["main@/src/prog.c:40"], ["prog@:0"]])
        XCTAssertEqual(pprof.mapping.count, 1)
        XCTAssertTrue(pprof.mapping[0].hasInlineFrames_p && pprof.mapping[0].hasLineNumbers_p && pprof.mapping[0].hasFilenames_p)
        XCTAssertEqual(pprof.stringTable[Int(pprof.mapping[0].filename)], "/bin/prog")
        XCTAssertEqual(pprof.sample[0].label.map { pprof.stringTable[Int($0.str)] }, ["prog"])
        let speedscope = try S.speedscope(try Exporter.bytes(p, format: .speedscope, name: "inline"))
        let outer = try XCTUnwrap(speedscope.frames.first { $0["name"] as? String == "outer:prog.c:12" })
        XCTAssertEqual(outer["file"] as? String, "/src/prog.c")
        XCTAssertEqual(outer["line"] as? Int, 12)
    }

    /// Consecutive samples of a thread that share frames are one event; a gap longer than the
    /// sampling interval ends them; a thread's events do not mix with another's.
    func testChromeEventsFollowTheSamples() throws {
        let p = Profile()
        p.unit = .nanoseconds("cpu-clock")
        p.timeline = SampleTimeline()
        func node(_ frames: [String]) -> Int32 {
            var n: Int32 = 0
            for var f in frames { n = p.trie.child(of: n, frame: f.withUTF8 { p.names.intern($0) }) }
            return n
        }
        let ms: UInt64 = 1_000_000
        let samples: [(UInt64, Int32, [String])] = [
            (0, 1, ["t", "A", "B"]), (1, 1, ["t", "A", "B"]), (2, 1, ["t", "A", "B"]), (3, 1, ["t", "A", "C"]),
            (10, 1, ["t", "A", "B"]), (1, 2, ["u", "A"]), (2, 2, ["u"]),
        ]
        for (t, tid, frames) in samples {
            let n = node(frames)
            p.trie.add(node: n, weight: ms, samples: 1)
            p.timeline!.append(time: 100 * ms + t * ms, pid: 1, tid: tid, node: n, weight: ms)
        }
        let bytes = try Exporter.bytes(p, format: .chrome, name: "chart")
        let checked = try S.chrome(bytes)
        XCTAssertEqual(checked.total, 7 * ms)
        let events = try XCTUnwrap(try S.json(bytes)["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        let shape = events.map { e -> String in
            let args = e["args"] as! [String: Any]
            return "\(e["tid"]!) \(e["name"]!) \(e["ts"]!)+\(e["dur"]!) w=\(args["weight"]!) n=\(args["samples"]!)"
        }
        XCTAssertEqual(shape, [
            "1 A 0+4000 w=4000000 n=4", "1 B 0+3000 w=3000000 n=3", "1 C 3000+1000 w=1000000 n=1",
            "1 A 10000+1000 w=1000000 n=1", "1 B 10000+1000 w=1000000 n=1",
            "2 A 1000+1000 w=1000000 n=1", "2 u 2000+1000 w=1000000 n=1",
        ])
        let metadata = try XCTUnwrap(try S.json(bytes)["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "M" }
        XCTAssertEqual(metadata.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }, ["t", "t", "u"],
                       "process 1 by its main thread's comm, each thread by its own")
    }

    /// Off-CPU intervals keep their own start and length; a run-queue part nests after the wait.
    func testChromeOffCPUIntervals() throws {
        let p = Profile()
        p.unit = .offCPU
        p.timeline = SampleTimeline()
        func node(_ frames: [String]) -> Int32 {
            var n: Int32 = 0
            for var f in frames { n = p.trie.child(of: n, frame: f.withUTF8 { p.names.intern($0) }) }
            return n
        }
        let wait = node(["w", "main", "read"]), queue = node(["w", "main", "read", "[runqueue]"])
        for (t, d, n) in [(UInt64(5_000), UInt64(50_000), wait), (55_000, 10_000, queue), (200_000, 1_500, wait)] {
            p.trie.add(node: n, weight: d, samples: 1)
            p.timeline!.append(time: t, duration: d, pid: 9, tid: 9, node: n, weight: d)
        }
        let bytes = try Exporter.bytes(p, format: .chrome, name: "off")
        XCTAssertEqual(try S.chrome(bytes).total, 61_500)
        let events = try XCTUnwrap(try S.json(bytes)["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        XCTAssertEqual(events.map { "\($0["name"]!) \($0["ts"]!)+\($0["dur"]!) \($0["cat"]!)" }, [
            "main 0+60 offcpu", "read 0+60 offcpu", "[runqueue] 50+10 offcpu", "main 195+1.5 offcpu", "read 195+1.5 offcpu",
        ])
    }

    /// Folded stacks have no times: the Chrome export says so instead of inventing them.
    func testChromeNeedsTimes() throws {
        let file = "golden/cpuburn.collapsed"
        let (profile, format) = try ProfileLoader.load(path: S.testdata.appendingPathComponent(file).path, options: S.options(keep: true))
        XCTAssertEqual(format, .folded)
        XCTAssertThrowsError(try Exporter.bytes(profile, format: .chrome, name: file)) { error in
            XCTAssertTrue("\(error)".contains("no sample times"), "\(error)")
        }
        XCTAssertEqual(try S.speedscope(try Exporter.bytes(profile, format: .speedscope, name: file)).total, profile.totalWeight)
        XCTAssertEqual(S.total(try S.pprof(try Exporter.bytes(profile, format: .pprof, name: file)), index: 0), profile.totalWeight)
    }

    /// perf script text folded in parts on several threads keeps every sample in order.
    func testTimelineSurvivesParallelFolding() throws {
        let path = S.testdata.appendingPathComponent("threads.perf.txt").path
        let (serial, _) = try ProfileLoader.load(path: path, options: S.options(keep: true), threads: 1)
        let size = try XCTUnwrap(ByteSource.regularFileSize(path))
        let split = try XCTUnwrap(ProfileLoader.loadInParts(path: path, size: size, options: S.options(keep: true), parts: 3))
        let a = try XCTUnwrap(serial.timeline), b = try XCTUnwrap(split.timeline)
        XCTAssertEqual(a.count, Int(serial.totalSamples))
        XCTAssertEqual(a.time, b.time)
        XCTAssertEqual(a.tid, b.tid)
        XCTAssertEqual(a.weight, b.weight)
        for i in 0..<a.count {
            XCTAssertEqual(serial.trie.path(to: a.node[i]).map { serial.names.string($0) },
                           split.trie.path(to: b.node[i]).map { split.names.string($0) })
        }
        XCTAssertEqual(try Exporter.bytes(serial, format: .chrome, name: "t"), try Exporter.bytes(split, format: .chrome, name: "t"))
        XCTAssertEqual(Set(serial.origins!.binaries.map(\.path)), Set(split.origins!.binaries.map(\.path)))
    }
}
