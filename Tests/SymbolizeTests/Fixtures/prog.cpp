// prog.cpp - C++ fixture for the Symbolize tests (built by build.sh, recorded by record.sh).
//
// About 0.5 s of CPU, split roughly 60/20/20 across (names as c++filt prints them):
//   main -> drive -> ns::Worker<long>::spin(long)           class template member (noinline);
//                    `-> ns::Worker<long>::mix(long)          always_inline helper inside spin
//   main -> drive -> (anonymous namespace)::crunch(long)     function in an anonymous namespace
//   main -> drive -> run_lambda(long)::{lambda(long)#1}::operator()(long) const   a lambda
//
// Build: g++ -g -O2 -fno-omit-frame-pointer -o prog prog.cpp
// Usage: ./prog [seconds]   (CPU seconds to burn, default 0.5)
#include <cstdlib>
#include <ctime>

static volatile long sink;

// gcc 12 drops the frame pointer of a leaf function whose frame size is 0, even with
// -fno-omit-frame-pointer; perf's frame-pointer unwinder then skips its caller.
// A volatile stack slot gives the function a frame.
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

namespace ns {
template <typename T>
struct Worker {
    T seed;

    static inline __attribute__((always_inline)) T mix(T x)
    {
        return (x * static_cast<T>(0x5851f42d4c957f2d)) ^ (x >> 17);
    }

    __attribute__((noinline)) T spin(T n)
    {
        volatile T acc = seed;
        for (T i = 0; i < n; i++)
            acc += mix(i + acc);
        return acc;
    }
};
template struct Worker<long>;
} // namespace ns

namespace {
__attribute__((noinline)) long crunch(long n)
{
    volatile long acc = 1;
    for (long i = 1; i <= n; i++)
        acc = acc * 31 + (i ^ (acc >> 3));
    return acc;
}
} // namespace

__attribute__((noinline)) long run_lambda(long n)
{
    KEEP_FRAME();
    volatile long total = 0;
    auto step = [&total](long i) __attribute__((noinline)) {
        volatile long acc = i;
        for (int k = 0; k < 64; k++)
            acc = (acc << 1) ^ (acc >> 3) ^ k;
        total += acc;
    };
    for (long i = 0; i < n; i++)
        step(i);
    return total;
}

__attribute__((noinline)) void drive(long scale)
{
    KEEP_FRAME();
    ns::Worker<long> w{7};
    sink += w.spin(300000 * scale);
    sink += crunch(160000 * scale);
    sink += run_lambda(2400 * scale);
}

static double cpu_seconds()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? std::atof(argv[1]) : 0.5;
    double start = cpu_seconds();
    while (cpu_seconds() - start < budget)
        drive(1);
    return 0;
}
