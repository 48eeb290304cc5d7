/*
 * cpuburn.c - single-threaded CPU burner for flame's test captures.
 *
 * About one second of CPU split across distinct call paths:
 *   main -> parse -> hash
 *   main -> render -> blend -> mix
 *   main -> solve -> fib (recursive)
 *   main -> checksum
 * Every hot function is noinline so that it shows up as its own frame.
 *
 * Build: gcc -g -O2 -fno-omit-frame-pointer -o cpuburn cpuburn.c
 * Usage: ./cpuburn [scale]   (scale 1.0 ~= 1 s on a 2024-ish x86-64 VM)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BUF_LEN 4096

/* Work per phase, tuned for ~0.25 s each at scale 1.0. */
#ifndef PARSE_ROUNDS
#define PARSE_ROUNDS 50000
#endif
#ifndef RENDER_FRAMES
#define RENDER_FRAMES 50000
#endif
#ifndef FIB_N
#define FIB_N 27
#endif
#ifndef FIB_TIMES
#define FIB_TIMES 500
#endif
#ifndef CHECK_ROUNDS
#define CHECK_ROUNDS 16000
#endif

/*
 * gcc 12 drops the frame pointer of a LEAF function whose frame size is 0,
 * even with -fno-omit-frame-pointer. perf's frame-pointer unwinder then
 * silently skips the leaf's caller. A volatile stack slot gives the leaf a
 * non-empty frame, so gcc keeps push %rbp / mov %rsp,%rbp and the whole
 * call path (main -> render -> blend -> mix) shows up in the samples.
 */
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

static unsigned char buf[BUF_LEN];
static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t hash(const unsigned char *p, size_t n, uint64_t seed)
{
    KEEP_FRAME();
    uint64_t h = 1469598103934665603ULL ^ seed;   /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

__attribute__((noinline)) static uint64_t parse(long rounds)
{
    uint64_t acc = 0;
    for (long r = 0; r < rounds; r++) {
        acc += hash(buf, BUF_LEN, acc);
        buf[r % BUF_LEN] = (unsigned char)acc;
    }
    return acc;
}

__attribute__((noinline)) static uint32_t mix(uint32_t a, uint32_t b, uint32_t alpha)
{
    KEEP_FRAME();
    uint32_t out = 0;
    for (int c = 0; c < 4; c++) {
        uint32_t x = (a >> (8 * c)) & 0xff, y = (b >> (8 * c)) & 0xff;
        uint32_t v = (x * alpha + y * (255 - alpha)) / 255;
        out |= v << (8 * c);
    }
    return out;
}

__attribute__((noinline)) static uint32_t blend(uint32_t *row, int width, uint32_t color)
{
    uint32_t acc = 0;
    for (int x = 0; x < width; x++) {
        row[x] = mix(row[x], color, (uint32_t)x & 0xff);
        acc ^= row[x];
    }
    return acc;
}

__attribute__((noinline)) static uint64_t render(long frames)
{
    static uint32_t row[1024];
    uint64_t acc = 0;
    for (long f = 0; f < frames; f++)
        acc += blend(row, 1024, 0x11223344u + (uint32_t)f);
    return acc;
}

__attribute__((noinline)) static uint64_t fib(int n)
{
    if (n < 2)
        return (uint64_t)n;
    return fib(n - 1) + fib(n - 2);
}

static volatile int fib_arg;   /* volatile: keeps gcc from hoisting the (pure) fib call */

__attribute__((noinline)) static uint64_t solve(int n, int times)
{
    uint64_t acc = 0;
    fib_arg = n;
    for (int i = 0; i < times; i++)
        acc += fib(fib_arg);
    return acc;
}

__attribute__((noinline)) static uint64_t checksum(long rounds)
{
    uint64_t a = 1, b = 0;
    for (long r = 0; r < rounds; r++) {
        for (size_t i = 0; i < BUF_LEN; i++) {
            a = (a + buf[i]) % 65521;
            b = (b + a) % 65521;
        }
    }
    return (b << 16) | a;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    for (size_t i = 0; i < BUF_LEN; i++)
        buf[i] = (unsigned char)(i * 31 + 7);

    sink += parse((long)(PARSE_ROUNDS * scale));
    sink += render((long)(RENDER_FRAMES * scale));
    sink += solve(FIB_N, (int)(FIB_TIMES * scale) > 0 ? (int)(FIB_TIMES * scale) : 1);
    sink += checksum((long)(CHECK_ROUNDS * scale));
    printf("cpuburn done: %llx\n", (unsigned long long)sink);
    return 0;
}
