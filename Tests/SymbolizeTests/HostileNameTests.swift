import Dispatch
import XCTest
@testable import Symbolize

/// Symbol names from binaries nobody here wrote (issue 9, found by the Demangle fuzz target).
final class HostileNameTests: XCTestCase {
    /// The Swift runtime's demangler aborts the process on this 16-byte name ("fatal error: should
    /// be printed as a child of a DependentGenericSignature"); flame keeps the name as it is,
    /// prints nothing, and demangles the next names as before, on any thread.
    func testNameThatAbortsTheSwiftRuntimeDemanglerIsKept() {
        let bad = "$s8mainF0_Z_$RV_"
        XCTAssertEqual(Demangler.demangle(bad), bad)
        XCTAssertEqual(Demangler.demangle(bad, parameters: true), bad)
        XCTAssertNil(Demangler.swift(bad))
        XCTAssertEqual(Demangler.demangle("$s6swprog5driveyS2iF"), "swprog.drive")
        // The fuzzer's own input: a prefix byte, then the name with a NUL and control bytes in it.
        XCTAssertEqual(Demangler.demangle("_$s$s8mainF0_Z_$RV_\u{0}a\u{16}yF"), "_$s$s8mainF0_Z_$RV_\u{0}a\u{16}yF")
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            for _ in 0..<50 {
                XCTAssertEqual(Demangler.demangle(i % 2 == 0 ? bad : "$sSa6appendyyxnF"),
                               i % 2 == 0 ? bad : "Swift.Array.append")
            }
        }
    }
}
