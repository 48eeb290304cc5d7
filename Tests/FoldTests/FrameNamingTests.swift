import XCTest
@testable import Fold
@testable import ProfileModel
import TextInputs

final class FrameNamingTests: XCTestCase {
    func names(_ symbol: String, dso: String = "/usr/bin/app", address: String = "4005d0", java: Bool = false,
               _ naming: FrameNaming = FrameNaming()) -> [String] {
        var s = Array(symbol.utf8), d = Array(dso.utf8), a = Array(address.utf8)
        return s.withUnsafeMutableBufferPointer { sb in
            d.withUnsafeMutableBufferPointer { db in
                a.withUnsafeMutableBufferPointer { ab in
                    naming.names(symbol: UnsafeBufferPointer(sb), dso: UnsafeBufferPointer(db),
                                 address: UnsafeBufferPointer(ab), java: java)
                        .map { String(decoding: $0, as: UTF8.self) }
                }
            }
        }
    }

    func testStackcollapseRules() {
        XCTAssertEqual(names("main"), ["main"])
        XCTAssertEqual(names("foo(int, char)"), ["foo"])
        XCTAssertEqual(names("[unknown]", dso: "/usr/lib/x86_64-linux-gnu/libc.so.6"), ["[libc.so.6]"])
        XCTAssertEqual(names("[unknown]", dso: "[unknown]"), ["[unknown]"])
        XCTAssertEqual(names("[unknown]", dso: "/lib/libc.so.6", address: "7f12", FrameNaming(includeAddrs: true)),
                       ["[libc.so.6 <7f12>]"])
        XCTAssertEqual(names("(anonymous namespace)::work(int)"), ["(anonymous namespace)::work"])
        XCTAssertEqual(names("net/http.(*Client).Do"), ["net/http.(*Client).Do"])
        XCTAssertEqual(names("RegExp:[&<>\"']"), ["RegExp:[&<>]"])
        XCTAssertEqual(names("a;b"), ["a:b"])
        XCTAssertEqual(names("(process name)"), [])
        XCTAssertEqual(names("outer->inner"), ["outer", "inner_[i]"])
        XCTAssertEqual(names("Lorg/mozilla/Foo;.call(Lorg/X;)V", java: true), ["org/mozilla/Foo:.call"])
        XCTAssertEqual(names("Lorg/mozilla/Foo;.call(Lorg/X;)V", java: false), ["Lorg/mozilla/Foo:.call"])
    }

    func testAnnotations() {
        let all = FrameNaming(annotateKernel: true, annotateJit: true)
        XCTAssertEqual(names("do_syscall_64", dso: "[kernel.kallsyms]", all), ["do_syscall_64_[k]"])
        XCTAssertEqual(names("nf_hook", dso: "[nf_conntrack]", all), ["nf_hook_[k]"])
        XCTAssertEqual(names("tcp_sendmsg", dso: "/lib/modules/4.3.0/build/vmlinux", all), ["tcp_sendmsg_[k]"])
        XCTAssertEqual(names("[unknown]", dso: "[unknown]", all), ["[unknown]"])
        XCTAssertEqual(names("Ljava/io/PrintStream;::print", dso: "/tmp/perf-19982.map", all),
                       ["Ljava/io/PrintStream:::print_[j]"])
        XCTAssertEqual(names("main", dso: "/usr/bin/app", all), ["main"])
    }

    /// Where stackcollapse-perf.pl cuts names short, flame keeps them whole.
    func testCPlusPlusNamesWithParenthesesInTemplatesStayWhole() {
        XCTAssertEqual(names("std::function<int (int, int)>::operator()"), ["std::function<int (int, int)>::operator()"])
        XCTAssertEqual(names("std::function<int (int, int)>::operator()(int, int) const"),
                       ["std::function<int (int, int)>::operator()"])
        XCTAssertEqual(names("std::_Function_handler<int (int, int), main::{lambda(int, int)#1}>::_M_invoke(std::_Any_data const&, int&&, int&&)"),
                       ["std::_Function_handler<int (int, int), main::{lambda(int, int)#1}>::_M_invoke"])
        XCTAssertEqual(names("Adder::operator()(int) const"), ["Adder::operator()"])
        XCTAssertEqual(names("std::ostream::operator<<(int)"), ["std::ostream::operator<<"])
        XCTAssertEqual(names("Ptr<Node>::operator->() const"), ["Ptr<Node>::operator->"])
        XCTAssertEqual(names("ns::Worker<long>::spin(long)"), ["ns::Worker<long>::spin"])
        // A lambda's enclosing function is its scope, not its parameter list.
        XCTAssertEqual(names("run_lambda(long)::{lambda(long)#1}::operator()"), ["run_lambda(long)::{lambda(long)#1}::operator()"])
        XCTAssertEqual(names("outer(int)::Local::method(char)"), ["outer(int)::Local::method"])
        // Unbalanced brackets fall back to the Perl rule.
        XCTAssertEqual(names("bad<name(int)"), ["bad<name"])
    }
}

/// Frames in files deleted since they were mapped (a rebuilt binary, memfd code).
final class DeletedFileFrameTests: XCTestCase {
    func testDeletedMappingKeepsItsNameInTextAndNaming() {
        let line = Array("\t           128e9 [unknown] (/memfd:sealed-91173221a7ea (deleted))".utf8)
        line.withUnsafeBufferPointer { buf in
            guard let f = FrameLine.parse(buf) else { return XCTFail("not parsed") }
            XCTAssertEqual(String(decoding: f.symbol, as: UTF8.self), "[unknown]")
            XCTAssertEqual(String(decoding: f.dso, as: UTF8.self), "/memfd:sealed-91173221a7ea (deleted)")
            let names = FrameNaming().names(symbol: f.symbol, dso: f.dso, address: f.address, java: false)
            XCTAssertEqual(names.map { String(decoding: $0, as: UTF8.self) }, ["[memfd:sealed-91173221a7ea]"])
        }
        // A symbol that merely ends in parentheses is not taken for a deleted file.
        let plain = Array("\t 1636 f (/tmp/bin/x)".utf8)
        plain.withUnsafeBufferPointer { buf in
            XCTAssertEqual(FrameLine.parse(buf).map { String(decoding: $0.dso, as: UTF8.self) }, "/tmp/bin/x")
        }
    }
}
