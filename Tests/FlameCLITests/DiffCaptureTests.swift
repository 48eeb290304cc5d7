import XCTest
import TestSupport

/// `flame diff` on two captures of a program changed between runs (testdata/src/diffwork.c:
/// spin_a's loop made twice as long, old_path removed, new_path added, spin_b unchanged),
/// recorded during the test run. The same work can take 20% more CPU time in one run than in the
/// other on a shared machine, so each change is checked against the program's own measure of its
/// functions' CPU time (`before.truth`, `after.truth`), not against the iteration counts.
final class DiffCaptureTests: XCTestCase {
    func capture() throws -> String {
        let dir = try CLITests.makeTemporaryDirectory().path
        let (probe, log) = try CLITests.shell("cd '\(dir)' && perf record -q -o probe.data -- true 2>&1")
        guard probe == 0 else { throw Live.skip("perf cannot record here (not installed, or not root): \(log)") }
        let src = CLITests.root.appendingPathComponent("testdata/src").path
        let (built, buildLog) = try CLITests.shell("cd '\(dir)' && OUT='\(dir)/bin' sh '\(src)/build.sh' 2>&1")
        guard built == 0 else { throw Live.skip("testdata/src/build.sh failed: \(buildLog)") }
        for side in ["before", "after"] {
            let (s, out) = try CLITests.shell("cd '\(dir)' && perf record -q -F 997 -g -o \(side).data -- ./bin/\(side)/diffwork \(side).truth 2>&1 >/dev/null")
            XCTAssertEqual(s, 0, out)
        }
        return dir
    }

    /// What the program measured: each function's CPU time in ns, per side.
    func truth(_ dir: String) throws -> [String: (before: Double, after: Double)] {
        var out: [String: (Double, Double)] = [:]
        for (i, side) in ["before", "after"].enumerated() {
            let text = try String(contentsOfFile: "\(dir)/\(side).truth", encoding: .utf8)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let ns = Double(parts[1]) else { continue }
                var v = out[String(parts[0])] ?? (0, 0)
                if i == 0 { v.0 = ns } else { v.1 = ns }
                out[String(parts[0])] = v
            }
        }
        return out
    }

    /// Folded weight before and after per function (the frame above `main`).
    func byFunction(_ folded: String) -> [String: (before: Double, after: Double)] {
        var out: [String: (Double, Double)] = [:]
        for line in folded.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let b = Double(parts[parts.count - 2]), let a = Double(parts[parts.count - 1]) else { continue }
            let frames = parts.dropLast(2).joined(separator: " ").split(separator: ";")
            guard let main = frames.firstIndex(of: "main"), main + 1 < frames.count else { continue }
            let f = String(frames[main + 1])
            out[f] = ((out[f]?.0 ?? 0) + b, (out[f]?.1 ?? 0) + a)
        }
        return out
    }

    func testDiffMarksExactlyTheChangedFunctions() throws {
        let dir = try capture()
        let raw = try CLITests.run(["diff", "\(dir)/before.data", "\(dir)/after.data", "--folded", "--no-normalize"])
        XCTAssertEqual(raw.status, 0, raw.stderr)
        let f = byFunction(String(decoding: raw.stdout, as: UTF8.self))
        XCTAssertEqual(Set(f.keys), ["spin_a", "spin_b", "old_path", "new_path"])
        let t = try truth(dir)
        let a = try XCTUnwrap(f["spin_a"]), b = try XCTUnwrap(f["spin_b"])
        let ta = try XCTUnwrap(t["spin_a"]), tb = try XCTUnwrap(t["spin_b"])
        // The weights change as the CPU time the program measured did (the work: 2x and 1x).
        XCTAssertEqual((a.after / a.before) / (ta.after / ta.before), 1, accuracy: 0.1, "spin_a: \(a) against measured \(ta)")
        XCTAssertEqual((b.after / b.before) / (tb.after / tb.before), 1, accuracy: 0.1, "spin_b: \(b) against measured \(tb)")
        XCTAssertGreaterThan(f["old_path"]!.before, 0)
        XCTAssertEqual(f["old_path"]!.after, 0, "old_path is gone")
        XCTAssertEqual(f["new_path"]!.before, 0, "new_path is new")
        XCTAssertGreaterThan(f["new_path"]!.after, 0)
        // old_path and new_path do the same work: their weights compare as their measured times do.
        let told = try XCTUnwrap(t["old_path"]).before, tnew = try XCTUnwrap(t["new_path"]).after
        XCTAssertEqual((f["new_path"]!.after / f["old_path"]!.before) / (tnew / told), 1, accuracy: 0.15)

        // As measured is the default; --normalize scales the before column to the after total.
        let plain = try CLITests.run(["diff", "\(dir)/before.data", "\(dir)/after.data", "--folded"])
        XCTAssertEqual(plain.stdout, raw.stdout)
        let norm = try CLITests.run(["diff", "\(dir)/before.data", "\(dir)/after.data", "--folded", "--normalize"])
        let columns = String(decoding: norm.stdout, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ") }
        let before = columns.reduce(0.0) { $0 + Double($1[$1.count - 2])! }, after = columns.reduce(0.0) { $0 + Double($1[$1.count - 1])! }
        XCTAssertEqual(before / after, 1, accuracy: 0.001)

        // The SVG marks the new and the gone frame, and its tooltips give both sides and the change.
        let svg = try CLITests.run(["diff", "\(dir)/before.data", "\(dir)/after.data", "--no-normalize", "-o", "-"])
        let text = String(decoding: svg.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("<g class=\"f new\" data-d=\"4\" data-v=\""), "new_path marked new")
        XCTAssertTrue(text.range(of: #"<g class="f new" data-d="4"[^>]*><title>new_path\n"#, options: .regularExpression) != nil)
        XCTAssertTrue(text.range(of: #"<g class="f gone" data-d="4"[^>]*><title>old_path\n"#, options: .regularExpression) != nil)
        let spinA = try XCTUnwrap(text.range(of: #"<title>spin_a\nbefore [^\n]*\(\+[0-9.]+%\)"#, options: .regularExpression))
        let pct = Double(text[spinA].split(separator: "(").last!.dropFirst().dropLast(2))!
        XCTAssertEqual(pct, (a.after / a.before - 1) * 100, accuracy: 0.5, "the tooltip gives the folded change: \(text[spinA])")
        let panes = try CLITests.run(["diff", "\(dir)/before.data", "\(dir)/after.data", "--view", "panes", "-o", "-"])
        XCTAssertEqual(String(decoding: panes.stdout, as: UTF8.self).components(separatedBy: "<g class=\"pane\"").count - 1, 3)
    }

    /// A capture without call stacks (`perf record` without -g) is said, by every reading of it
    /// and by both sides of a difference, perf.data and text alike; one with stacks is not.
    func testInputsWithoutCallStacksAreSaid() throws {
        let data = CLITests.testdata.appendingPathComponent("nocallchain.data").path
        let text = CLITests.testdata.appendingPathComponent("nocallchain.perf.txt").path
        let out = try CLITests.makeTemporaryDirectory().appendingPathComponent("d.svg").path
        let diff = try CLITests.run(["diff", data, text, "-o", out])
        XCTAssertEqual(diff.status, 0, diff.stderr)
        for input in [data, text] {
            XCTAssertTrue(diff.stderr.contains("flame: \(input): warning: recorded without call stacks (perf record without -g)"), diff.stderr)
        }
        let withStacks = try CLITests.run(["oncpu", CLITests.testdata.appendingPathComponent("threads.data").path, "-o", out])
        XCTAssertFalse(withStacks.stderr.contains("without call stacks"), withStacks.stderr)
    }
}
