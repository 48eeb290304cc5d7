import XCTest
import TestSupport
import ProfileModel
import Fold
import TextInputs

/// The project root, from this file's path (Tests/FoldTests/CompatTests.swift).
let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// `flame fold --OPT` must be byte-identical to `stackcollapse-perf.pl --OPT` for FlameGraph's own
/// test inputs: 13 inputs x 6 options = 78 cases. The expected files are FlameGraph's, kept in
/// ../shared/compat (see its README); nothing here was produced by flame.
final class CompatTests: XCTestCase {
    static let compatDir = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/compat/flamegraph")
    static let optionNames = ["pid", "tid", "kernel", "jit", "all", "addrs"]

    static func options(_ name: String) -> CollapseOptions {
        var o = CollapseOptions()
        switch name {
        case "pid": o.includePid = true
        case "tid": o.includeTid = true
        case "kernel": o.naming.annotateKernel = true
        case "jit": o.naming.annotateJit = true
        case "all": o.naming.annotateKernel = true; o.naming.annotateJit = true
        case "addrs": o.naming.includeAddrs = true
        default: XCTFail("unknown option \(name)")
        }
        return o
    }

    func testAllSeventyEightCasesAreByteIdentical() throws {
        let dir = CompatTests.compatDir
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw Live.skip("\(dir.path) is absent: the stackcollapse-perf.pl conformance cases cannot run here")
        }
        let inputs = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".txt") }.sorted()
        XCTAssertEqual(inputs.count, 13, "FlameGraph ships 13 perf test inputs")
        var cases = 0
        for input in inputs {
            let base = String(input.dropLast(4))
            for option in CompatTests.optionNames {
                let expectedURL = dir.appendingPathComponent("results/\(base)-collapsed-\(option).txt")
                let expected = try Data(contentsOf: expectedURL)
                let (profile, format) = try ProfileLoader.load(path: dir.appendingPathComponent(input).path,
                                                               options: CompatTests.options(option))
                XCTAssertEqual(format, .perfScript)
                let got = Data(FoldedWriter.bytes(profile))
                if got != expected {
                    let g = String(decoding: got, as: UTF8.self).split(separator: "\n")
                    let e = String(decoding: expected, as: UTF8.self).split(separator: "\n")
                    let firstDiff = Array(zip(g, e)).firstIndex { $0 != $1 } ?? min(g.count, e.count)
                    XCTFail("\(base) --\(option): differs at line \(firstDiff + 1) (got \(g.count) lines, expected \(e.count)): got \(g.dropFirst(firstDiff).first ?? "") expected \(e.dropFirst(firstDiff).first ?? "")")
                }
                cases += 1
            }
        }
        XCTAssertEqual(cases, 78)
    }
}
