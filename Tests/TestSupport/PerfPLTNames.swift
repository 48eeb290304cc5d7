import Foundation

/// perf 6.1, the oracle of the agreement tests, names a PLT slot by the position of its
/// relocation in `.rela.plt`, which is not the slot's position in libraries such as libc (its
/// IFUNC slots' relocations come last, so perf says `@plt` or another slot's name). flame names
/// slots as objdump does (SymbolizerTests.testPLTSlotsAreNamedLikeObjdump checks that). Where
/// perf's text is the oracle, both sides are compared with every `name@plt` written `@plt`:
/// a frame in a PLT slot must still be one on both sides, and everything else must agree.
public enum PerfPLTNames {
    /// `text` with the name of every `name@plt` frame (folded stacks or perf script lines) left out.
    public static func unnamed(_ text: String) -> String {
        text.replacingOccurrences(of: #"[^;\s]*@plt"#, with: "@plt", options: .regularExpression)
    }
}
