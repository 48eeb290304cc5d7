// rustwork.rs - a Rust release-style workload for flame's DWARF-unwinding captures (std only).
//
// Built like `cargo build --release` (no frame pointers; with and without -g), its stacks can
// only be recovered from `.eh_frame`. About 0.4 s of CPU at scale 1, split across std code
// reached through generics, closures and trait objects:
//   main -> run -> sort_phase -> <[T]>::sort_unstable_by / sort_by (std's sort internals)
//   main -> run -> map_phase  -> HashMap::insert / entry (SipHash, probing)
//   main -> run -> text_phase -> format! / String::push_str (core::fmt)
//   main -> run -> tree_phase -> Tree::sum (recursive, through Box<dyn Fn>)
//
// Build (see build-nofp.sh):
//   rustc -C opt-level=3 -o rustwork rustwork.rs               # cargo --release
//   rustc -C opt-level=3 -g -o rustwork-g rustwork.rs          # release with debug info
// Usage: ./rustwork [scale]
use std::collections::HashMap;

/// Keeps a value from being optimized away (`std::hint::black_box` needs Rust 1.66; Debian 12 has 1.63).
#[inline(always)]
fn black_box<T: Copy>(x: T) -> T {
    unsafe { std::ptr::read_volatile(&x) }
}

#[inline(never)]
fn sort_phase(n: usize, seed: u64) -> u64 {
    let mut v: Vec<u64> = (0..n as u64).map(|i| (i ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    let mut w: Vec<(u32, u64)> = v.iter().map(|x| ((*x >> 40) as u32, *x)).collect();
    w.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    black_box(v[n / 2] ^ w[n / 3].1)
}

#[inline(never)]
fn map_phase(n: usize) -> u64 {
    let mut m: HashMap<u64, u64> = HashMap::new();
    for i in 0..n as u64 {
        *m.entry(i.wrapping_mul(2_654_435_761) % (n as u64 / 2 + 1)).or_insert(0) += i;
    }
    black_box(m.values().fold(0u64, |a, b| a.wrapping_add(*b)))
}

#[inline(never)]
fn text_phase(n: usize) -> usize {
    let mut s = String::new();
    let mut total = 0;
    for i in 0..n {
        s.clear();
        for k in 0..8 {
            s.push_str(&format!("{:>8}:{:x};", i * k, i ^ k));
        }
        total += black_box(s.len());
    }
    total
}

enum Tree {
    Leaf(u64),
    Node(Box<Tree>, Box<Tree>),
}

impl Tree {
    fn build(depth: u32, seed: u64) -> Tree {
        if depth == 0 {
            Tree::Leaf(seed)
        } else {
            Tree::Node(Box::new(Tree::build(depth - 1, seed * 2)), Box::new(Tree::build(depth - 1, seed * 2 + 1)))
        }
    }

    #[inline(never)]
    fn sum(&self, f: &dyn Fn(u64) -> u64) -> u64 {
        match self {
            Tree::Leaf(x) => f(*x),
            Tree::Node(a, b) => a.sum(f).wrapping_add(b.sum(f)),
        }
    }
}

#[inline(never)]
fn tree_phase(rounds: usize) -> u64 {
    let t = Tree::build(14, 1);
    let f: Box<dyn Fn(u64) -> u64> = Box::new(|x| {
        let mut a = x;
        for k in 0..16u64 {
            a = black_box(a.rotate_left(5) ^ k);
        }
        a
    });
    (0..rounds).fold(0u64, |acc, _| acc.wrapping_add(t.sum(&*f)))
}

#[inline(never)]
fn run(scale: f64) -> u64 {
    let rounds = (100.0 * scale).max(1.0) as usize;
    let mut acc = 0u64;
    for _ in 0..rounds {
        acc ^= sort_phase(20_000, acc);
        acc ^= map_phase(20_000);
        acc ^= text_phase(2_000) as u64;
        acc ^= tree_phase(4);
    }
    acc
}

fn main() {
    let scale: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    println!("{}", run(scale));
}
