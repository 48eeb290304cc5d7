import Foundation
import XCTest
import TestSupport
@testable import Symbolize

/// Tests of `RustDemangler`: known pairs from the rustc book's "v0 Symbol Format" chapter (the
/// documentation migrated from RFC 2603) and from the legacy scheme, hand-built symbols for each
/// grammar production, hostile and mutated input, and (when rustc is installed) real symbols.
final class RustDemanglerTests: XCTestCase {
    private func v0(_ symbol: String, _ expected: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(RustDemangler.demangleV0(symbol), expected, symbol, file: file, line: line)
    }

    /// `_RINvC5krate1f` + `args` + `E`: the function `krate::f` instantiated with `args`.
    private func generic(_ args: String, _ expected: String?, file: StaticString = #filePath, line: UInt = #line) {
        v0("_RINvC5krate1f" + args + "E", expected.map { "krate::f::<" + $0 + ">" }, file: file, line: line)
    }

    // MARK: Known pairs

    /// Every example of the rustc book's v0 chapter (doc.rust-lang.org/rustc/symbol-mangling/v0.html,
    /// migrated from RFC 2603), with its "Recommended demangling".
    func testRustcBookExamples() {
        // "Symbol name": PathBuf::new instantiated in mycrate.
        v0("_RNvMsr_NtCs3ssYzQotkvD_3std4pathNtB5_7PathBuf3newCs15kBYyAo9fc_7mycrate", "<std::path::PathBuf>::new")
        // "Path: Crate root".
        v0("_RNvCs15kBYyAo9fc_7mycrate7example", "mycrate::example")
        // "Path: Inherent impl".
        v0("_RNvMs_Cs4Cv8Wi1oAIB_7mycrateNtB4_7Example3foo", "<mycrate::Example>::foo")
        // "Path: Trait impl".
        v0("_RNvXCs15kBYyAo9fc_7mycrateNtB2_7ExampleNtB2_5Trait3foo", "<mycrate::Example as mycrate::Trait>::foo")
        // "Path: Impl" (two impl blocks, the second with a disambiguator).
        v0("_RNvMCs7qp2U7fqm6G_7mycrateNtB2_7Example3foo", "<mycrate::Example>::foo")
        v0("_RNvMs_Cs7qp2U7fqm6G_7mycrateNtB4_7Example3bar", "<mycrate::Example>::bar")
        // "Path: Trait definition".
        v0("_RNvYNtCs15kBYyAo9fc_7mycrate7ExampleNtB4_5Trait7exampleB4_", "<mycrate::Example as mycrate::Trait>::example")
        // "Path: Nested path": two closures in main.
        v0("_RNCNvCsgStHSCytQ6I_7mycrate4main0B3_", "mycrate::main::{closure#0}")
        v0("_RNCNvCsgStHSCytQ6I_7mycrate4mains_0B3_", "mycrate::main::{closure#1}")
        // "Path: Generic arguments".
        v0("_RINvCsgStHSCytQ6I_7mycrate7examplelKj1_EB2_", "mycrate::example::<i32, 1>")
        // "Punycode identifiers".
        v0("_RNvNtNtCsgOH4LzxkuMq_7mycrateu8gdel_5qa6escher4bach", "mycrate::gödel::escher::bach")
        // "Lifetime".
        v0("_RINvCs7qp2U7fqm6G_7mycrate7exampleFG0_RL1_hRL0_tEuEB2_",
           "mycrate::example::<for<'a, 'b> fn(&'a u8, &'b u16)>")
        // "Const".
        v0("_RINvCs7qp2U7fqm6G_7mycrate7exampleKy12345678_EB2_", "mycrate::example::<305419896>")
        // "Placeholders".
        v0("_RNvNvMCsd9PVOYlP1UU_7mycrateINtB4_7ExamplepKpE3foo14EXAMPLE_STATIC",
           "<mycrate::Example<_, _>>::foo::EXAMPLE_STATIC")
        // "Type" (array).
        v0("_RINvCs7qp2U7fqm6G_7mycrate7exampleAtj8_EB2_", "mycrate::example::<[u16; 8]>")
        // "Backref".
        v0("_RINvCs7qp2U7fqm6G_7mycrate7exampleNtB2_7ExampleBw_EB2_",
           "mycrate::example::<mycrate::Example, mycrate::Example>")
        // "Instantiating crate".
        v0("_RINvMsY_NtCseXNvpPnDBDp_3std4pathNtB6_4Path3neweECs7qp2U7fqm6G_7mycrate", "<std::path::Path>::new::<str>")
        // "Vendor-specific suffix".
        v0("_RNvNvNvCs7qp2U7fqm6G_7mycrate7EXAMPLE7___getit5___KEY$tlv$init", "mycrate::EXAMPLE::__getit::__KEY")
    }

    // MARK: Types

    /// The "basic-type" letters of the book's "Type" section.
    func testEveryBasicType() {
        let table: [(String, String)] = [
            ("a", "i8"), ("b", "bool"), ("c", "char"), ("d", "f64"), ("e", "str"), ("f", "f32"),
            ("h", "u8"), ("i", "isize"), ("j", "usize"), ("l", "i32"), ("m", "u32"), ("n", "i128"),
            ("o", "u128"), ("s", "i16"), ("t", "u16"), ("u", "()"), ("v", "..."), ("x", "i64"),
            ("y", "u64"), ("z", "!"), ("p", "_"),
        ]
        for (tag, name) in table { generic(tag, name) }
        generic("C4f128", "f128")  // the book: new primitives are spelled as crate roots
        for tag in ["g", "k", "q", "r", "w"] { generic(tag, nil) }  // unassigned letters
    }

    func testCompositeTypes() {
        generic("Ahj4_", "[u8; 4]")
        generic("Se", "[str]")
        generic("RSh", "&[u8]")
        generic("QSh", "&mut [u8]")
        generic("RL_h", "&u8")  // an erased lifetime is not shown on a reference
        generic("TE", "()")
        generic("TuE", "((),)")
        generic("ThmE", "(u8, u32)")
        generic("Pa", "*const i8")
        generic("Oh", "*mut u8")
        generic("PQRu", "*const &mut &()")
        generic("L_", "'_")
        generic("INtC5alloc3VechE", "alloc::Vec<u8>")  // no `::` before `<` in a type
        generic("RL0_h", nil)  // lifetime index 1 with no binder in scope
        generic("Th", nil)  // unterminated tuple
    }

    func testNestedGenerics() {
        v0("_RINvC5krate1fINtC5alloc3VecINtC4core6OptionTlRShEEEE",
           "krate::f::<alloc::Vec<core::Option<(i32, &[u8])>>>")
        v0("_RNvMC5krateINtB2_3FoolE3bar", "<krate::Foo<i32>>::bar")
        v0("_RINvMC5krateINtB3_3FoolE3barjE", "<krate::Foo<i32>>::bar::<usize>")
        v0("_RNvXC5krateINtC5alloc3VechEINtC4core4FromaE4from",
           "<alloc::Vec<u8> as core::From<i8>>::from")
    }

    // MARK: Paths

    func testClosuresAndShims() {
        v0("_RNCNvC5krate4main0", "krate::main::{closure#0}")
        v0("_RNCNvC5krate4mains0_0", "krate::main::{closure#2}")
        v0("_RNCNCNvC5krate4main00", "krate::main::{closure#0}::{closure#0}")  // `0` then `0`
        v0("_RNSNvC5krate3foo6vtable", "krate::foo::{shim:vtable#0}")
        v0("_RNSNvC5krate3foos_5reify", "krate::foo::{shim:reify#1}")
        v0("_RNQNvC5krate3foo3bar", "krate::foo::{Q:bar#0}")  // future upper-case namespaces: the tag
        v0("_RNvNvC5krate3foo0", "krate::foo")  // unnamed item in an internal namespace
        v0("_RNCNvC5krate4main", nil)  // missing identifier
    }

    func testBackReferences() {
        // Offsets count from just after `_R`; `Bc_` is offset 13.
        generic("RShBc_", "&[u8], [u8]")
        generic("Kj8_KBc_", "8, 8")  // const backref
        v0("_RNvC5krate3fooB2_", "krate::foo")  // instantiating crate as a backref, not shown
        generic("Bc_", nil)  // points at itself
        generic("Bd_", nil)  // points forwards
        v0("_RIB_E", nil)  // re-enters itself forever: stopped by the depth limit
        v0("_RNvB_3foo", nil)
    }

    func testPunycodeAndUTF8Identifiers() {
        // The book's "Punycode identifiers" table (`-` written as `_`).
        v0("_RNvC5krateu6f_5gaa", "krate::føø")
        v0("_RNvC5krateu7___ylb7e", "krate::α_ω")
        v0("_RNvC5krateu6n84amf", "krate::铁锈")
        v0("_RNvC5krateu4fq9h", "krate::🤦")
        v0("_RNvC5krateu6_2xaedc", "krate::ρυστ")
        v0("_RNvC5krate6gödel", "krate::gödel")  // plain UTF-8 is allowed too
        v0("_RNvC5krateu2a_", nil)  // nothing after the delimiter
        v0("_RNvC5krateu4zzzz", nil)  // code point out of range
        v0("_RNvC5krate4ab", nil)  // length past the end
    }

    func testTraitPaths() {
        v0("_RNvXs0_C5krateNtB5_1SNtNtC4core3fmt7Display3fmt", "<krate::S as core::fmt::Display>::fmt")
        v0("_RNvYRShNtC5krate5Trait4name", "<&[u8] as krate::Trait>::name")
        v0("_RNvYhC5krate", nil)  // the nested path has no identifier
    }

    // MARK: Consts

    func testConstGenerics() {
        generic("Kj8_Kln5_Kb1_Kb0_Kc61_Kca_Kp", "8, -5, true, false, 'a', '\\n', _")
        generic("Kj0_Kj_", "0, 0")
        generic("Kyffffffffffffffff_", "18446744073709551615")
        generic("Kxn8000000000000000_", "-9223372036854775808")
        generic("Ko100000000000000000_", "0x100000000000000000")  // past 64 bits: hex
        generic("Kc1f926_Kc27_Kc5c_Kc7f_", "'🤦', '\\'', '\\\\', '\\u{7f}'")
        generic("AhKj10_", nil)  // array length must not be prefixed by K
        generic("Ahj10_", "[u8; 16]")
        generic("Kb2_", nil)
        generic("Kjn1_", nil)  // negative unsigned
        generic("Kc110000_", nil)  // past U+10FFFF
        generic("Kcd800_", nil)  // surrogate
        generic("KjG_", nil)  // not lower-case hex
        generic("Ke3ab_", nil)  // str constants are not part of the stable grammar
    }

    // MARK: dyn and fn types

    func testDynTraits() {
        generic("DINtNtC4core3ops6FnOnceThEEp6OutputmNtNtC4core6marker4SendEL_",
                "dyn core::ops::FnOnce<(u8,), Output = u32> + core::marker::Send")
        generic("DNtC5krate4Iterp4Itemlp3ErrmEL_", "dyn krate::Iter<Item = i32, Err = u32>")
        generic("RDNtC5krate5TraitEL_", "&dyn krate::Trait")
        generic("DG_INtC5krate5TraitL0_EEL_", "dyn for<'a> krate::Trait<'a>")
        generic("FG_RL0_DNtC5krate5TraitEL0_Eu", "for<'a> fn(&'a dyn krate::Trait + 'a)")
        // The trait path reached through a backref still takes the binding inside its `<...>`.
        generic("INtC5krate5TraitlEDBb_p1AhEL_", "krate::Trait<i32>, dyn krate::Trait<i32, A = u8>")
        generic("DNtC5krate5TraitE", nil)  // missing object lifetime
    }

    func testFnPointerTypes() {
        generic("FEu", "fn()")
        generic("FhtEm", "fn(u8, u16) -> u32")
        generic("FEz", "fn() -> !")
        generic("FUEu", "unsafe fn()")
        generic("FUKCPavEl", "unsafe extern \"C\" fn(*const i8, ...) -> i32")
        generic("FK8C_unwindEu", "extern \"C-unwind\" fn()")
        generic("FG1_RL0_hRL1_hRL2_hEu", "for<'a, 'b, 'c> fn(&'c u8, &'b u8, &'a u8)")
        // Nested binders: indices count outwards from the innermost.
        generic("FG_FG_RL0_hRL1_hEuEu", "for<'a> fn(for<'b> fn(&'b u8, &'a u8))")
        generic("FhE", nil)  // no return type
    }

    // MARK: Symbol framing

    func testPrefixSuffixAndVersion() {
        v0("__RNvC5krate3foo", "krate::foo")  // Mach-O's extra underscore
        v0("_RNvC5krate3foo.llvm.1234567", "krate::foo")
        v0("_RNvC5krate3foo!!", nil)
        v0("_R0NvC5krate3foo", nil)  // encoding versions are reserved
        v0("_RNvC5krate3fooZ", nil)  // bad instantiating crate
    }

    func testNotRust() {
        XCTAssertNil(RustDemangler.demangleV0("_RX"))
        XCTAssertNil(RustDemangler.demangleV0("_R"))
        XCTAssertNil(RustDemangler.demangleV0(""))
        XCTAssertNil(RustDemangler.demangleV0("_ZN2ns1WIlE4spinEl"))
        XCTAssertNil(RustDemangler.demangleV0("main"))
        // `__cxa_demangle("_ZN2ns1WIlE4spinEl")`: C++, no Rust hash.
        XCTAssertNil(RustDemangler.cleanLegacy("ns::W<long>::spin(long)"))
    }

    // MARK: Legacy

    /// The legacy scheme: `_ZN` + length-prefixed elements + `17h<16 hex>E`, elements escaped with
    /// `$LT$`-style codes and `..` for `::` (as documented in Linux perf's demangle-rust.c and
    /// rustc's legacy mangler). Inputs are what `__cxa_demangle` makes of such symbols.
    func testLegacyCleanup() {
        let pairs: [(String, String)] = [
            // The brief's example.
            ("core::fmt::write::h0123456789abcdef", "core::fmt::write"),
            // perf's demangle-rust.c comment example.
            ("_$LT$std..sys..fd..FileDesc$u20$as$u20$core..ops..Drop$GT$::drop::hc68340e1baa4987a",
             "<std::sys::fd::FileDesc as core::ops::Drop>::drop"),
            // Seen in a rustc 1.95 binary (nm output of a legacy build).
            ("_$LT$core..iter..adapters..map..Map$LT$I$C$F$GT$$u20$as$u20$core..iter..traits..iterator..Iterator$GT$::fold::h817b7dd4bf098477",
             "<core::iter::adapters::map::Map<I,F> as core::iter::traits::iterator::Iterator>::fold"),
            ("std::rt::lang_start::_$u7b$$u7b$closure$u7d$$u7d$::h168e94e611939a97",
             "std::rt::lang_start::{{closure}}"),
            ("foo::_$RF$$BP$$SP$$LP$$RP$$u22$$u27$$u5b$$u5d$$u7e$::h0000000000000000", "foo::&*@()\"'[]~"),
            ("foo::$u3bb$::hABCDEF0123456789", "foo::λ"),
            ("foo::$XX$bar::h0000000000000000", "foo::$XX$bar"),  // unknown escape kept
            ("foo::_bar::h0000000000000000", "foo::_bar"),  // `_` not before `$` kept
            ("foo::a_$LT$::h0000000000000000", "foo::a_<"),  // only a leading `_` is dropped
            ("a.b::h0000000000000000", "a.b"),
        ]
        for (text, expected) in pairs {
            XCTAssertEqual(RustDemangler.cleanLegacy(text), expected, text)
        }
        for text in ["core::fmt::write", "core::fmt::write::h0123", "core::fmt::write::h0123456789abcdeg",
                     "h0123456789abcdef", "::h0123456789abcdef", "core::fmt::write::x0123456789abcdef",
                     "core::fmt::write::h0123456789abcdef0"] {
            XCTAssertNil(RustDemangler.cleanLegacy(text), text)
        }
    }

    /// Through `Demangler`, which routes `_R` here and cleans `_Z` output that ends in a hash.
    func testThroughDemangler() {
        XCTAssertEqual(Demangler.demangle("_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write")
        XCTAssertEqual(Demangler.demangle("_RNvCs15kBYyAo9fc_7mycrate7example"), "mycrate::example")
        XCTAssertEqual(Demangler.demangle("_RX"), "_RX")
        // ThinLTO's local renaming, seen in a rustc 1.95 -C opt-level=3 binary (perf prints the path alone).
        XCTAssertEqual(Demangler.demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h7a1ecbf1273d3403E.llvm.5234336914349402751"),
                       "std::rt::lang_start::{{closure}}")
        // A C++ clone keeps its suffix-free name as before.
        XCTAssertEqual(Demangler.demangle("_ZL4hashPKhmm.constprop.0"), "hash")
    }

    // MARK: Hostile input

    func testDeepNestingIsRefused() {
        XCTAssertNil(RustDemangler.demangleV0("_R" + String(repeating: "R", count: 100_000) + "u"))
        XCTAssertNil(RustDemangler.demangleV0("_R" + String(repeating: "INv", count: 50_000)))
        XCTAssertNil(RustDemangler.demangleV0("_RINvC1a1f" + String(repeating: "FG_", count: 20_000) + "E"))
        // Just under the limit is fine.
        let depth = RustDemangler.maxDepth - 5
        XCTAssertEqual(RustDemangler.demangleV0("_RINvC1a1f" + String(repeating: "P", count: depth) + "uE"),
                       "a::f::<" + String(repeating: "*const ", count: depth) + "()>")
    }

    /// Each type refers twice to the one before it, so the output doubles per step: 2^60 is refused.
    func testExponentialBackrefsAreBounded() {
        var symbol = "INvC1a1f"
        var previous = symbol.utf8.count
        symbol += "TuuE"
        for _ in 0..<60 {
            let here = symbol.utf8.count
            symbol += "T" + backref(previous) + backref(previous) + "E"
            previous = here
        }
        let start = Date()
        XCTAssertNil(RustDemangler.demangleV0("_R" + symbol + "E"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    func testHugeNumbersAreRefused() {
        v0("_RNvC5krate99999999999999999999999a", nil)
        generic("Bzzzzzzzzzzzzzzzzzzzzzzz_", nil)
        generic("FGzzzzzz_EuE", nil)
        generic("RLzzzzzzzzzzzzzzzzzzzzzz_h", nil)
        v0("_RNCNvC5krate4mainszzzzzzzzzzzzzzzzzzzzzzzzz_0", nil)
        generic("Kj" + String(repeating: "f", count: 100) + "_", "0x" + String(repeating: "f", count: 100))
    }

    /// A few thousand random edits of valid symbols: any result is fine, a trap is not.
    func testMutationsNeverTrap() {
        var seeds = [
            "_RNvMsr_NtCs3ssYzQotkvD_3std4pathNtB5_7PathBuf3newCs15kBYyAo9fc_7mycrate",
            "_RNvYNtCs15kBYyAo9fc_7mycrate7ExampleNtB4_5Trait7exampleB4_",
            "_RNCNvCsgStHSCytQ6I_7mycrate4mains_0B3_",
            "_RNvNtNtCsgOH4LzxkuMq_7mycrateu8gdel_5qa6escher4bach",
            "_RINvCs7qp2U7fqm6G_7mycrate7exampleFG0_RL1_hRL0_tEuEB2_",
            "_RNvNvMCsd9PVOYlP1UU_7mycrateINtB4_7ExamplepKpE3foo14EXAMPLE_STATIC",
            "_RINvCs7qp2U7fqm6G_7mycrate7exampleNtB2_7ExampleBw_EB2_",
            "_RINvC5krate1fINtC5krate5TraitlEDBb_p1AhEL_E",
            "_RINvC5krate1fDINtNtC4core3ops6FnOnceThEEp6OutputmNtNtC4core6marker4SendEL_E",
            "_RINvC5krate1fKj8_Kln5_Kb1_Kb0_Kc61_Kca_KpE",
            "_RINvC5krate1fFUKCPavElE",
        ]
        seeds.append("_RINvC1a1f" + String(repeating: "RTBc_", count: 30) + "E")
        let legacySeeds = [
            "_$LT$std..sys..fd..FileDesc$u20$as$u20$core..ops..Drop$GT$::drop::hc68340e1baa4987a",
            "std::rt::lang_start::_$u7b$$u7b$closure$u7d$$u7d$::h168e94e611939a97",
        ]
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$.:".utf8)
        var rng = SeededGenerator(seed: 0x5EED_F1A3E)
        var demangled = 0
        for round in 0..<4000 {
            let pool = round % 5 == 4 ? legacySeeds : seeds
            var bytes = Array(pool[Int.random(in: 0..<pool.count, using: &rng)].utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0...bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes.removeSubrange(at...)  // truncate
                case 1 where at < bytes.count: bytes[at] = alphabet.randomElement(using: &rng) ?? 0
                case 2: bytes.insert(alphabet.randomElement(using: &rng) ?? 0, at: at)
                case 3 where at < bytes.count: bytes.remove(at: at)
                default:  // duplicate a slice (makes repeated and back-referenced structure)
                    let end = min(bytes.count, at + Int.random(in: 1...12, using: &rng))
                    bytes.insert(contentsOf: Array(bytes[at..<end]), at: at)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let out = RustDemangler.demangleV0(text) {
                demangled += 1
                XCTAssertLessThanOrEqual(out.utf8.count, RustDemangler.maxOutput + 4096)
            }
            _ = RustDemangler.cleanLegacy(text)
        }
        for _ in 0..<1000 {
            let tail = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 }
            _ = RustDemangler.demangleV0("_R" + String(decoding: tail, as: UTF8.self))
        }
        XCTAssertGreaterThan(demangled, 0)  // some mutations stay valid
    }

    // MARK: Real symbols from rustc

    private static let rustSource = """
        pub mod flamegeo {
            pub struct Circle { pub r: f64 }
            impl Circle {
                #[inline(never)]
                pub fn area(&self) -> f64 { self.r * self.r * 3.0 }
            }
            pub trait Shape { fn describe(&self) -> u64; }
            impl Shape for Circle {
                #[inline(never)]
                fn describe(&self) -> u64 { self.r as u64 }
            }
        }

        #[inline(never)]
        pub fn flame_generic<T: Copy + Into<u64>, const N: usize>(x: [T; N]) -> u64 {
            x.iter().map(|v| (*v).into()).sum()
        }

        #[inline(never)]
        fn flame_dyn(f: &dyn Fn(u32) -> u32) -> u32 { f(3) }

        #[inline(never)]
        fn flame_boxed<F: Fn(u32) -> u32>(f: F) -> u32 { f(4) }

        fn main() {
            use flamegeo::Shape;
            let c = flamegeo::Circle { r: 2.0 };
            let total = flame_generic([1u8, 2, 3]) + c.describe();
            let k = flame_dyn(&|x| x + 1);
            let b: Box<dyn Fn(u32) -> u32> = Box::new(|x| x * 2);
            println!("{} {} {} {}", c.area(), total, k, flame_boxed(b));
        }
        """

    func testRustcV0Symbols() throws {
        let symbols = try compileRust(attempts: [(["-C", "symbol-mangling-version=v0"], [:])], prefix: "_R")
        var names: [String: String] = [:]
        for symbol in symbols {
            let name = RustDemangler.demangleV0(symbol)
            XCTAssertNotNil(name, "cannot demangle \(symbol)")
            names[symbol] = name
        }
        let all = Set(names.values)
        for expected in [
            "flametest::main", "<flametest::flamegeo::Circle>::area",
            "<flametest::flamegeo::Circle as flametest::flamegeo::Shape>::describe",
            "flametest::flame_generic::<u8, 3>", "flametest::flame_generic::<u8, 3>::{closure#0}",
            "flametest::flame_dyn", "flametest::main::{closure#0}",
            "<flametest::main::{closure#0} as core::ops::function::FnOnce<(u32,)>>::call_once::{shim:vtable#0}",
            "flametest::flame_boxed::<alloc::boxed::Box<dyn core::ops::function::Fn<(u32,), Output = u32>>>",
        ] {
            XCTAssertTrue(all.contains(expected), "no \(expected) among \(all.filter { $0.contains("flame") }.sorted())")
        }

        // rustfilt (rustc-demangle) prints the same paths, plus the crate hashes we leave out.
        if let rustfilt = findExecutable("rustfilt") {
            let keys = Array(names.keys)
            let output = try run(rustfilt, [], input: keys.joined(separator: "\n") + "\n").output
            let theirs = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (symbol, reference) in zip(keys, theirs) {
                let cleaned = reference.replacingOccurrences(of: #"\[[0-9a-f]+\]"#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #"\b(\d+)(usize|isize|[ui](8|16|32|64|128))\b"#, with: "$1",
                                          options: .regularExpression)
                XCTAssertEqual(names[symbol], cleaned, symbol)
            }
        }
    }

    func testRustcLegacySymbols() throws {
        // `legacy` is the stable default today; naming it explicitly needs `-Z unstable-options`.
        let symbols = try compileRust(attempts: [
            (["-C", "symbol-mangling-version=legacy"], [:]),
            (["-Z", "unstable-options", "-C", "symbol-mangling-version=legacy"], ["RUSTC_BOOTSTRAP": "1"]),
            ([], [:]),
        ], prefix: "_ZN", requiring: "flame_generic")
        var all = Set<String>()
        for symbol in symbols where symbol.hasSuffix("E") && symbol.dropLast(17).hasSuffix("17h") {
            let text = try XCTUnwrap(Demangler.cxx(symbol), symbol)
            let name = RustDemangler.cleanLegacy(text)
            XCTAssertNotNil(name, "\(symbol) -> \(text)")
            if let name { all.insert(name) }
        }
        for expected in [
            "flametest::main", "flametest::flamegeo::Circle::area",
            "<flametest::flamegeo::Circle as flametest::flamegeo::Shape>::describe",
            "flametest::flame_generic", "flametest::flame_generic::{{closure}}", "flametest::flame_dyn",
        ] {
            XCTAssertTrue(all.contains(expected), "no \(expected) among \(all.filter { $0.contains("flame") }.sorted())")
        }
    }

    // MARK: Helpers

    /// `B` + the base-62 encoding of `offset`.
    private func backref(_ offset: Int) -> String {
        guard offset > 0 else { return "B_" }
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var n = offset - 1
        var text = ""
        repeat {
            text = String(digits[n % 62]) + text
            n /= 62
        } while n > 0
        return "B" + text + "_"
    }

    /// Compiles `rustSource` as crate `flametest` with the first working set of extra flags and
    /// returns the defined symbols (from `nm`) starting with `prefix`; skips without rustc or nm.
    private func compileRust(attempts: [([String], [String: String])], prefix: String,
                             requiring marker: String? = nil) throws -> [String] {
        guard let rustc = findExecutable("rustc") else { throw Live.skip("rustc not installed") }
        guard let nm = findExecutable("nm") else { throw Live.skip("nm (binutils) not installed") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rustdemangle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("main.rs")
        try Self.rustSource.write(to: source, atomically: true, encoding: .utf8)
        let binary = dir.appendingPathComponent("flametest").path
        for (flags, environment) in attempts {
            let args = ["--crate-name", "flametest", "-C", "opt-level=0", "-o", binary] + flags + [source.path]
            guard try run(rustc, args, environment: environment).status == 0 else { continue }
            let listing = try run(nm, ["--defined-only", binary])
            XCTAssertEqual(listing.status, 0)
            let symbols = listing.output.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
                .filter { $0.hasPrefix(prefix) }
            if let marker, !symbols.contains(where: { $0.contains(marker) }) { continue }
            guard !symbols.isEmpty else { continue }
            return symbols
        }
        throw Live.skip("rustc could not build the \(prefix) variant")
    }

    private func findExecutable(_ name: String) -> String? {
        var directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if name == "rustc" || name == "rustfilt" {
            directories.append(NSHomeDirectory() + "/.cargo/bin")
        }
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                     input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // Written from another thread so a large output cannot block both sides.
            let writer = stdin.fileHandleForWriting
            let data = Data(input.utf8)
            Thread.detachNewThread {
                writer.write(data)
                try? writer.close()
            }
        }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A small deterministic generator, so a failing mutation round can be replayed.
