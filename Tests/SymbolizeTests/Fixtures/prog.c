/*
 * prog.c - C fixture for the Symbolize tests (built by build.sh, recorded by record.sh).
 *
 * Call chain (innermost last), about 0.5 s of CPU, nearly all of it in leaf:
 *   main -> caller -> leaf -> middle (always_inline) -> inner (always_inline)
 * leaf and caller are noinline, so they are real functions with their own symbols;
 * middle and inner exist only as DW_TAG_inlined_subroutine entries inside leaf.
 *
 * Build: gcc -g -O2 -fno-omit-frame-pointer -o prog prog.c
 * Usage: ./prog [seconds]   (CPU seconds to burn, default 0.5)
 */
#include <stdlib.h>
#include <time.h>

/* Results go through volatile objects so that gcc cannot drop the work. */
static volatile unsigned long sink;

/*
 * gcc 12 drops the frame pointer of a leaf function whose frame size is 0, even with
 * -fno-omit-frame-pointer; perf's frame-pointer unwinder then skips its caller.
 * A volatile stack slot gives the function a frame.
 */
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

static inline __attribute__((always_inline)) unsigned long inner(unsigned long x)
{
    return (x * 0x9e3779b97f4a7c15UL) ^ (x >> 29);
}

static inline __attribute__((always_inline)) unsigned long middle(unsigned long x)
{
    unsigned long h = inner(x + 0x5bd1e995UL);
    return inner(h) + (h >> 7);
}

__attribute__((noinline)) unsigned long leaf(unsigned long n)
{
    volatile unsigned long acc = 0;
    for (unsigned long i = 0; i < n; i++)
        acc += middle(i ^ acc);
    return acc;
}

__attribute__((noinline)) unsigned long caller(unsigned long n)
{
    KEEP_FRAME();
    unsigned long r = leaf(n);
    sink += r; /* work after the call: no tail call, so caller stays on the stack */
    return r;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.5;
    double start = cpu_seconds();
    while (cpu_seconds() - start < budget)
        caller(200000);
    return (int)(sink & 1) * 0;
}
