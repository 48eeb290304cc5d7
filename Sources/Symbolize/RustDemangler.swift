/// Rust symbol demangling: legacy (`_ZN...17h<hash>E`, after C++ demangling) and v0 (`_R...`).
enum RustDemangler {
    /// Demangles a Rust v0 symbol (`_R...`); nil when it is not one.
    static func demangleV0(_ name: String) -> String? {
        nil
    }

    /// Cleans a legacy Rust name that `__cxa_demangle` produced (`core::fmt::write::h0123456789abcdef`):
    /// drops the hash and unescapes `$LT$`-style sequences. Nil when `text` is not a Rust legacy name.
    static func cleanLegacy(_ text: String) -> String? {
        nil
    }
}
