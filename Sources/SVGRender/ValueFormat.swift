import ProfileModel

/// Human formatting of weights for tooltips and notes.
public enum ValueFormat {
    /// 1234567 -> "1,234,567".
    public static func grouped(_ v: UInt64) -> String {
        let digits = Array(String(v))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// `part` of `whole` as a percentage with two decimals ("12.34%").
    public static func percent(_ part: UInt64, of whole: UInt64) -> String {
        guard whole > 0 else { return "0.00%" }
        let hundredths = (Double(part) / Double(whole) * 10000).rounded()
        return fixed(hundredths / 100, decimals: 2) + "%"
    }

    /// Nanoseconds as the largest unit that keeps at least one whole digit: "1.23 s", "45.6 ms".
    public static func duration(nanoseconds ns: UInt64) -> String {
        let v = Double(ns)
        if v >= 1e9 { return significant(v / 1e9) + " s" }
        if v >= 1e6 { return significant(v / 1e6) + " ms" }
        if v >= 1e3 { return significant(v / 1e3) + " µs" }
        return "\(ns) ns"
    }

    /// Three significant digits for values from 1 to 999, more for larger.
    static func significant(_ v: Double) -> String {
        if v >= 100 { return fixed(v, decimals: 0) }
        if v >= 10 { return fixed(v, decimals: 1) }
        return fixed(v, decimals: 2)
    }

    /// `v` with `decimals` digits after the point ("1.50"). Values past 2^64 (a change of
    /// 10^20 % from a weight of 1) are printed in exponent form rather than trapping.
    public static func fixed(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "?" : (v < 0 ? "-inf" : "inf") }
        if v < 0 { return "-" + fixed(-v, decimals: decimals) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        guard v * scale < 1e19 else {
            var exponent = 0, mantissa = v
            while mantissa >= 10 { mantissa /= 10; exponent += 1 }
            return fixed(mantissa, decimals: 2) + "e+\(exponent)"
        }
        let scaled = UInt64((v * scale).rounded())
        let whole = scaled / UInt64(scale)
        guard decimals > 0 else { return String(whole) }
        var frac = String(scaled % UInt64(scale))
        while frac.count < decimals { frac = "0" + frac }
        return "\(whole).\(frac)"
    }

    /// The tooltip lines for a weight: the main line and the self line.
    static func lines(total: UInt64, totalSamples: UInt64, selfWeight: UInt64, selfSamples: UInt64,
                      grandTotal: UInt64, unit: WeightUnit, countName: String) -> (String, String) {
        let pct = percent(total, of: grandTotal)
        let selfPct = percent(selfWeight, of: grandTotal)
        switch unit {
        case .samples:
            return ("\(grouped(total)) \(countName) (\(pct))",
                    "self: \(grouped(selfWeight)) \(countName) (\(selfPct))")
        case .criticalPath:
            // Waits on the path have no samples; running time has the samples it was shared over.
            let count = { (n: UInt64) in n > 0 ? ", \(grouped(n)) samples" : "" }
            return ("\(duration(nanoseconds: total)) of the path (\(pct))\(count(totalSamples))",
                    "self: \(duration(nanoseconds: selfWeight)) (\(selfPct))\(count(selfSamples))")
        case .nanoseconds:
            return ("\(duration(nanoseconds: total)) (\(pct)), \(grouped(totalSamples)) samples",
                    "self: \(duration(nanoseconds: selfWeight)) (\(selfPct)), \(grouped(selfSamples)) samples")
        case .offCPU:
            // Inputs that carry totals only (bcc, bpftrace) have no interval count.
            let count = { (n: UInt64) in n > 0 ? ", \(grouped(n)) intervals" : "" }
            return ("\(duration(nanoseconds: total)) off-CPU (\(pct))\(count(totalSamples))",
                    "self: \(duration(nanoseconds: selfWeight)) (\(selfPct))\(count(selfSamples))")
        case .events(let event):
            let name = event.split(separator: ":").first.map(String.init) ?? event
            return ("\(grouped(total)) \(name) (\(pct)), \(grouped(totalSamples)) samples",
                    "self: \(grouped(selfWeight)) \(name) (\(selfPct)), \(grouped(selfSamples)) samples")
        }
    }

    /// The tooltip lines of a hot/cold frame (weights in nanoseconds): the time and how much of
    /// it was on-CPU and off-CPU.
    static func hotColdLines(total: UInt64, cold: UInt64, selfWeight: UInt64, selfCold: UInt64,
                             grandTotal: UInt64) -> (String, String) {
        func split(_ all: UInt64, _ off: UInt64) -> String {
            "\(duration(nanoseconds: all &- off)) on-CPU, \(duration(nanoseconds: off)) off-CPU"
        }
        return ("\(duration(nanoseconds: total)) (\(percent(total, of: grandTotal))): \(split(total, cold))",
                "self: \(duration(nanoseconds: selfWeight)) (\(percent(selfWeight, of: grandTotal)))"
                    + (selfWeight > 0 ? ": \(split(selfWeight, selfCold))" : ""))
    }

    /// Tooltip lines of a differential frame: both sides with their shares, then the change.
    static func diffLines(before: UInt64, after: UInt64, beforeTotal: UInt64, afterTotal: UInt64,
                          beforeSelf: UInt64, afterSelf: UInt64, amount: (UInt64) -> String) -> (String, String) {
        // Compared, not subtracted into an Int64: a change of 2^63 or more keeps its sign.
        let grew = after >= before
        let magnitude = grew ? after - before : before - after
        let sign = grew ? "+" : "-"
        let change: String
        if before == 0 {
            change = "new"
        } else if after == 0 {
            change = "gone"
        } else {
            change = sign + fixed(Double(magnitude) / Double(before) * 100, decimals: 1) + "%"
        }
        return ("before \(amount(before)) (\(percent(before, of: beforeTotal))), after \(amount(after)) "
                    + "(\(percent(after, of: afterTotal))): \(sign)\(amount(magnitude)) (\(change))",
                "self: before \(amount(beforeSelf)), after \(amount(afterSelf))")
    }
}
