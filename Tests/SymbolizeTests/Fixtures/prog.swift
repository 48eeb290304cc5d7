// prog.swift - Swift fixture for the Symbolize tests (built by build.sh).
//
// About 0.5 s of CPU, split across:
//   main -> drive -> Worker.spin(_:)         struct method (@inline(never))
//                    `-> Worker.mix(_:)       @inline(__always) helper inside it
//   main -> drive -> accumulate(_:)          generic function (@inline(never); -O specializes it
//                                            for Int, so the hot symbol is the `...Tg5` specialization)
//
// Each loop iteration depends on the previous one and the result is used, so -O cannot
// drop the work (Swift has no volatile; an opaque call per iteration would dominate the
// profile and, sampled before its prologue, hide its caller).
//
// Build: swiftc -O -g -module-name swprog -Xcc -fno-omit-frame-pointer \
//          -Xcc -mno-omit-leaf-frame-pointer -o prog prog.swift
// (swiftc on Linux x86_64 omits frame pointers by default; `-Xcc` flags reach Swift's
// own code generation too, `-Xllvm -frame-pointer=all` does not.)
// Usage: ./prog [seconds]   (CPU seconds to burn, default 0.5)
#if canImport(Glibc)
import Glibc
#endif

struct Worker {
    var seed: Int

    @inline(__always)
    func mix(_ x: Int) -> Int {
        (x &* 0x5851_f42d_4c95_7f2d) ^ (x >> 17)
    }

    @inline(never)
    func spin(_ n: Int) -> Int {
        var acc = seed
        for i in 0..<n {
            acc = acc &+ mix(i ^ acc)
        }
        return acc
    }
}

@inline(never)
func accumulate<T: FixedWidthInteger>(_ n: T) -> T {
    var acc: T = 1
    var i: T = 1
    while i <= n {
        acc = acc &* 31 &+ (i ^ (acc >> 3))
        i &+= 1
    }
    return acc
}

@inline(never)
func drive(_ scale: Int) -> Int {
    let w = Worker(seed: 7)
    return w.spin(300_000 * scale) &+ accumulate(300_000 * scale)
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let budget = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 0.5 : 0.5
let start = cpuSeconds()
var sink = 0
while cpuSeconds() - start < budget {
    sink = sink &+ drive(1)
}
if sink == 42 { print(sink) }
