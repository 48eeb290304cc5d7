// prog.rs - Rust fixture for the Symbolize tests (built by build.sh; std only, no crates).
//
// About 0.5 s of CPU (wall clock), split across:
//   main -> drive -> prog::spin::<u64>        generic function (#[inline(never)])
//                    `-> prog::mix             #[inline(always)] helper inside it
//   main -> drive -> prog::drive::{{closure}}  a closure, called through &dyn Fn
//
// Build (two mangling schemes):
//   rustc -C opt-level=2 -C debuginfo=2 -C force-frame-pointers=yes -o prog prog.rs
//   rustc -C opt-level=2 -C debuginfo=2 -C force-frame-pointers=yes -C symbol-mangling-version=v0 -o prog prog.rs
// Usage: ./prog [seconds]   (default 0.5)
use std::hint::black_box;
use std::time::{Duration, Instant};

#[inline(always)]
fn mix(x: u64) -> u64 {
    (x.wrapping_mul(0x9e37_79b9_7f4a_7c15)) ^ (x >> 31)
}

#[inline(never)]
fn spin<T: Into<u64> + Copy>(n: T) -> u64 {
    let n: u64 = n.into();
    let mut acc: u64 = 0;
    for i in 0..n {
        acc = black_box(acc.wrapping_add(mix(i ^ acc)));
    }
    acc
}

#[inline(never)]
fn drive(scale: u64) -> u64 {
    let mut total = 0u64;
    total = total.wrapping_add(spin(black_box(300_000u64 * scale)));
    // Called through a black-boxed `&dyn Fn`, so the closure body stays its own function.
    let step = |i: u64| -> u64 {
        let mut acc = i;
        for k in 0..64u64 {
            acc = black_box((acc << 1) ^ (acc >> 3) ^ k);
        }
        acc
    };
    let step: &dyn Fn(u64) -> u64 = black_box(&step);
    for i in 0..black_box(1_500 * scale) {
        total = total.wrapping_add(step(i));
    }
    total
}

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0.5);
    let budget = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut sink = 0u64;
    while start.elapsed() < budget {
        sink = sink.wrapping_add(drive(1));
    }
    black_box(sink);
}
