import XCTest
import TestSupport
@testable import Symbolize

/// C++ and Swift demangling against the system's own demanglers (`c++filt`, `swift demangle`).
final class DemanglerTests: XCTestCase {
    static let cxxNames = [
        "_ZN2ns1WIlE4spinEl", "_Z3fooi", "_ZNKSt8functionIFiiiEEclEii",
        "_ZN12_GLOBAL__N_16crunchEl", "_ZZ10run_lambdalENKUllE_clEl", "_ZNSt6vectorIiSaIiEE9push_backERKi",
    ]
    static let swiftNames = [
        "$s4main3FooV3baryyF", "$s6swprog6WorkerV4spinySdSiF", "$sSa6appendyyxnF", "_$s4main3FooV3baryyF",
    ]

    /// Runs a demangler tool over names, one per line.
    /// The toolchain's swift-demangle: on PATH, else beside the `swift` on PATH.
    static var swiftDemangle: String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/swift-demangle") { return d + "/swift-demangle" }
        for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/swift") {
            let real = URL(fileURLWithPath: d + "/swift").resolvingSymlinksInPath().deletingLastPathComponent()
            return real.appendingPathComponent("swift-demangle").path
        }
        return "swift-demangle"
    }

    func tool(_ path: String, _ args: [String], _ names: [String]) throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Live.skip("\(path) is not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(names.joined(separator: "\n").appending("\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func testCPlusPlusAgreesWithCxxfilt() throws {
        let expected = try tool("/usr/bin/c++filt", [], Self.cxxNames)
        XCTAssertEqual(Self.cxxNames.map { Demangler.demangle($0, parameters: true) }, expected)
    }

    func testCPlusPlusWithoutParametersAsPerfPrints() {
        XCTAssertEqual(Demangler.demangle("_ZN2ns1WIlE4spinEl"), "ns::W<long>::spin")
        XCTAssertEqual(Demangler.demangle("_ZNKSt8functionIFiiiEEclEii"), "std::function<int (int, int)>::operator()")
        XCTAssertEqual(Demangler.demangle("_ZN12_GLOBAL__N_16crunchEl"), "(anonymous namespace)::crunch")
        XCTAssertEqual(Demangler.demangle("_ZZ10run_lambdalENKUllE_clEl"), "run_lambda(long)::{lambda(long)#1}::operator()")
        // Template functions demangle with a return type; perf prints the name alone.
        XCTAssertEqual(Demangler.demangle("_Z5driveISt8functionIFiiiEEEvRT_l"), "drive<std::function<int (int, int)> >")
        XCTAssertEqual(Demangler.demangle("_ZnwmRKSt9nothrow_t"), "operator new")
        XCTAssertEqual(Demangler.demangle("_ZN1AcviEv"), "A::operator int")
    }

    func testSwiftAgreesWithSwiftDemangle() throws {
        let expected = try tool(Self.swiftDemangle, ["--compact"], Self.swiftNames)
        XCTAssertEqual(Self.swiftNames.map { Demangler.demangle($0, parameters: true) }, expected)
    }

    /// Flame graph names: signatures dropped (stackcollapse's rules would cut at `(` and split
    /// at `->`), generic arguments and closure contexts kept. Expected texts written by hand from
    /// `swift demangle --compact` output.
    func testSwiftWithoutSignatures() {
        XCTAssertEqual(Demangler.demangle("$s6swprog5driveyS2iF"), "swprog.drive")
        XCTAssertEqual(Demangler.demangle("$s6swprog10accumulateyxxs17FixedWidthIntegerRzlFSi_Tg5"),
                       "generic specialization <Swift.Int> of swprog.accumulate<A where A: Swift.FixedWidthInteger>")
        XCTAssertEqual(Demangler.demangle("$s4main1fyyFyycfU_"), "closure #1 in main.f")
        XCTAssertEqual(Demangler.demangle("$sSa6appendyyxnF"), "Swift.Array.append")
        XCTAssertEqual(Demangler.dropSwiftSignatures("static Swift.CommandLine.arguments.getter : Swift.Array<Swift.String>"),
                       "static Swift.CommandLine.arguments.getter : Swift.Array<Swift.String>")
        XCTAssertEqual(Demangler.dropSwiftSignatures("(extension in Foo):Swift.Array.bar(Swift.Int) async throws -> ()"),
                       "(extension in Foo):Swift.Array.bar")
        XCTAssertEqual(Demangler.dropSwiftSignatures("f<(Swift.Int) -> ()>(A) -> (Swift.Int) -> Swift.Int"), "f<(Swift.Int) -> ()>")
        XCTAssertEqual(Demangler.dropSwiftSignatures("closure #2 (Swift.Int) -> (Swift.Int) -> () in g(x: (Swift.Int)) -> ()"),
                       "closure #2 in g")
    }

    func testPlainNamesStayAsTheyAre() {
        for name in ["main", "hash.constprop.0", "_start", "_Zgarbage", "$notswift", "_GLOBAL__sub_I_x"] {
            XCTAssertEqual(Demangler.demangle(name), name)
        }
    }
}
