/*
 * diffwork.c - a program changed between two runs, for differential flame graphs.
 *
 * Built twice from this file (testdata/src/build.sh), under one name so both runs have the same
 * process name:
 *   before/diffwork  (VARIANT 1): main -> spin_a (1x), spin_b, old_path
 *   after/diffwork   (VARIANT 2): main -> spin_a (2x: its loop made twice as long), spin_b,
 *                                 new_path (old_path removed, new_path added)
 * Every function does a fixed amount of work (iterations, not time), so a profile of the after
 * build shows spin_a at twice its before weight, spin_b unchanged, old_path gone, new_path new.
 * On a shared machine the same work can take 20% more CPU time in one run than in another, so
 * the program also measures its own truth: with a path argument, it writes each function's
 * thread CPU time (CLOCK_THREAD_CPUTIME_ID, ns) there as "name ns" lines, and tests compare the
 * profile's weights with those.
 *
 * noipa keeps gcc from folding spin_a and spin_b, whose bodies are the same, into one function.
 * Build: gcc -g -O2 -fno-omit-frame-pointer -DVARIANT=1 -o before/diffwork diffwork.c
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef VARIANT
#define VARIANT 1
#endif
#define UNIT 60000000ULL  /* about 100 ms of work on these machines */
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

static volatile uint64_t sink;

__attribute__((noinline, noipa)) static uint64_t work(uint64_t n)
{
    KEEP_FRAME();
    uint64_t x = 1;
    for (uint64_t i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

__attribute__((noinline, noipa)) static void spin_a(void)
{
    KEEP_FRAME();
    sink += work(VARIANT == 1 ? 2 * UNIT : 4 * UNIT);
}

__attribute__((noinline, noipa)) static void spin_b(void)
{
    KEEP_FRAME();
    sink += work(2 * UNIT);
}

#if VARIANT == 1
__attribute__((noinline, noipa)) static void old_path(void)
{
    KEEP_FRAME();
    sink += work(UNIT);
}
#else
__attribute__((noinline, noipa)) static void new_path(void)
{
    KEEP_FRAME();
    sink += work(UNIT);
}
#endif

static uint64_t thread_cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* Runs f and appends "name ns" (its CPU time) to truth, when there is one. */
static inline __attribute__((always_inline)) void timed(FILE *truth, const char *name, void (*f)(void))
{
    uint64_t start = thread_cpu_ns();
    f();
    if (truth)
        fprintf(truth, "%s %llu\n", name, (unsigned long long)(thread_cpu_ns() - start));
}

int main(int argc, char **argv)
{
    FILE *truth = argc > 1 ? fopen(argv[1], "w") : NULL;
    if (argc > 1 && !truth) {
        perror(argv[1]);
        return 2;
    }
    timed(truth, "spin_a", spin_a);
    timed(truth, "spin_b", spin_b);
#if VARIANT == 1
    timed(truth, "old_path", old_path);
#else
    timed(truth, "new_path", new_path);
#endif
    if (truth)
        fclose(truth);
    printf("%llu\n", (unsigned long long)sink);
    return 0;
}
