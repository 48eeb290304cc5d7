import FuzzSupport
import Symbolize

/// The demanglers: libstdc++'s and the Swift runtime's (through flame's C shim) and flame's own
/// Rust v0 and legacy-Rust code, with the clean-ups perf-style names get (parameters, return
/// types, Swift signatures). The first byte picks a mangling prefix so that every input reaches
/// every demangler; the rest is the name.
public func fuzzDemangle(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let prefixes = ["", "_R", "_ZN", "_Z", "$s", "_$s", "$e", "_T0"]
    let name = prefixes[Int(first) % prefixes.count]
        + String(decoding: UnsafeRawBufferPointer(rebasing: data.dropFirst()), as: UTF8.self)
    for parameters in [false, true] {
        let text = Demangler.demangle(name, parameters: parameters)
        // Frame names are drawn in a few hundred pixels: a runaway expansion is a finding.
        if text.utf8.count > max(1 << 20, 64 * name.utf8.count) {
            FuzzCheck.fail("demangled name of \(text.utf8.count) bytes from \(name.utf8.count)")
        }
    }
}
