// templates.cpp - C++ workload whose symbols stress flame's name tidying.
//
// Hot frames (as perf demangles them, roughly):
//   ns::Worker<long>::spin(long)                               class template
//   (anonymous namespace)::crunch(long)                        anonymous namespace
//   Accumulate::operator()(long, long) const                   functor
//   run_lambda(long)::{lambda(long)#1}::operator()(long) const lambda
//   long drive<std::function<int (int, int)> >(std::function<int (int, int)> const&, long)
//   std::function<int (int, int)>::operator()(int, int) const
//   std::_Function_handler<int (int, int), run_function(long)::{lambda(int, int)#1}>::_M_invoke(...)
// i.e. template arguments that contain parentheses, spaces and commas.
//
// Build: g++ -g -O2 -fno-omit-frame-pointer -o templates templates.cpp
// Usage: ./templates [scale]   (scale 1.0 ~= 1 s)
#include <cstdio>
#include <cstdlib>
#include <functional>

// See cpuburn.c: a volatile stack slot keeps gcc 12 from dropping the frame
// pointer of a leaf function (which would make perf skip the leaf's caller).
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

// Work per part, tuned for ~0.2 s each at scale 1.0.
#ifndef WORKER_N
#define WORKER_N 150000000L
#endif
#ifndef CRUNCH_N
#define CRUNCH_N 280000000L
#endif
#ifndef FUNCTOR_N
#define FUNCTOR_N 250000000L
#endif
#ifndef LAMBDA_N
#define LAMBDA_N 700L
#endif
#ifndef FUNCTION_N
#define FUNCTION_N 7000L
#endif

static volatile long sink;

namespace ns {
template <typename T>
struct Worker {
    T state;
    __attribute__((noinline)) T spin(long n)
    {
        KEEP_FRAME();
        unsigned long x = static_cast<unsigned long>(state);
        for (long i = 0; i < n; i++)
            x = x * 2862933555777941757UL + 3037000493UL + (x >> 29);
        state = static_cast<T>(x);
        return state;
    }
};
} // namespace ns

namespace {
__attribute__((noinline)) long crunch(long n)
{
    KEEP_FRAME();
    unsigned long a = 1, b = 1;
    for (long i = 0; i < n; i++) {
        unsigned long t = a + b;
        a = b;
        b = t ^ (t >> 7);
    }
    return static_cast<long>(b);
}
} // namespace

struct Accumulate {
    long bias;
    __attribute__((noinline)) long operator()(long a, long n) const
    {
        KEEP_FRAME();
        long s = a;
        for (long i = 0; i < n; i++)
            s += (i ^ bias) % 7;
        return s;
    }
};

template <typename F>
__attribute__((noinline)) long drive(const F &f, long rounds)
{
    // Calling through a volatile pointer-to-member stops gcc from inlining
    // F::operator() (for F = std::function<int (int, int)> it would vanish
    // into this function), so it stays a frame of its own.
    using Call = decltype(&F::operator());
    volatile Call call = &F::operator();
    long acc = 0;
    for (long r = 0; r < rounds; r++)
        acc += (f.*call)(static_cast<int>(r), static_cast<int>(acc & 0xff));
    return acc;
}

__attribute__((noinline)) long run_function(long rounds)
{
    std::function<int (int, int)> op = [](int a, int b) {
        KEEP_FRAME();
        unsigned h = static_cast<unsigned>(a) * 2654435761u + static_cast<unsigned>(b);
        for (int i = 0; i < 20000; i++)
            h = (h ^ (h >> 13)) * 0x5bd1e995u + static_cast<unsigned>(i);
        return static_cast<int>(h);
    };
    return drive(op, rounds);
}

__attribute__((noinline)) long run_lambda(long n)
{
    long k = n & 0xf;
    auto scale = [k](long v) __attribute__((noinline)) {
        KEEP_FRAME();
        double x = static_cast<double>(v);
        for (long i = 0; i < 200000; i++)
            x = x * 0.999999 + static_cast<double>(k);
        return static_cast<long>(x);
    };
    long acc = 0;
    for (long i = 0; i < n; i++)
        acc += scale(i);
    return acc;
}

__attribute__((noinline)) long run_worker(long n)
{
    ns::Worker<long> w{42};
    return w.spin(n);
}

__attribute__((noinline)) long run_functor(long n)
{
    Accumulate acc{3};
    return acc(1, n);
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
    sink += run_worker(static_cast<long>(WORKER_N * scale));
    sink += crunch(static_cast<long>(CRUNCH_N * scale));
    sink += run_functor(static_cast<long>(FUNCTOR_N * scale));
    sink += run_lambda(static_cast<long>(LAMBDA_N * scale));
    sink += run_function(static_cast<long>(FUNCTION_N * scale));
    std::printf("templates done: %lx\n", static_cast<unsigned long>(sink));
    return 0;
}
