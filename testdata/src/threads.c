/*
 * threads.c - multi-threaded workload for flame's test captures.
 *
 * Threads (comm set with pthread_setname_np):
 *   "hasher"    hasher_main  -> hash_block          (CPU)
 *   "matrix"    matrix_main  -> matmul -> dot       (CPU)
 *   "spinner"   spinner_main -> spin_leaf           (CPU; spin_leaf deliberately
 *               has NO frame pointer, so perf's fp unwinder skips spinner_main)
 *   "io worker" io_main      -> write /dev/null, read /proc/self/stat  (syscalls,
 *               so [kernel.kallsyms] frames show up)
 * The main thread ("threads") only starts and joins them.
 *
 * Build: gcc -g -O2 -fno-omit-frame-pointer -pthread -o threads threads.c
 * Usage: ./threads [scale]   (scale 1.0 ~= 0.15 s of CPU per thread; fixed work,
 *                              so the sample count does not depend on machine load)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* See cpuburn.c: a volatile stack slot keeps gcc 12 from dropping the frame
 * pointer of a leaf function. */
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

/* Work per thread at scale 1.0 (~0.15 s of CPU each). */
#define HASH_BLOCKS 2000L
#define MATMULS 1300L
#define SPINS 70L
#define IO_LOOPS 12000L

static double scale = 1.0;
static volatile uint64_t sink;

static long work(long n)
{
    long w = (long)(n * scale);
    return w > 0 ? w : 1;
}

/* ---- hasher ---------------------------------------------------------- */

__attribute__((noinline)) static uint32_t hash_block(const uint8_t *p, size_t n, uint32_t crc)
{
    KEEP_FRAME();
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
    return crc;
}

__attribute__((noinline)) static void *hasher_main(void *arg)
{
    static uint8_t data[8192];
    (void)arg;
    uint32_t crc = 0;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    for (long n = work(HASH_BLOCKS); n > 0; n--)
        crc = hash_block(data, sizeof data, crc);
    sink += crc;
    return NULL;
}

/* ---- matrix ---------------------------------------------------------- */

#define N 64
static double A[N][N], B[N][N], C[N][N];

__attribute__((noinline)) static double dot(int i, int j)
{
    KEEP_FRAME();
    double s = 0;
    for (int k = 0; k < N; k++)
        s += A[i][k] * B[k][j];
    return s;
}

__attribute__((noinline)) static void matmul(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            C[i][j] = dot(i, j) * 0.5 + C[i][j] * 0.5;
}

__attribute__((noinline)) static void *matrix_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = i + j * 0.5;
            B[i][j] = i - j * 0.25;
        }
    for (long n = work(MATMULS); n > 0; n--)
        matmul();
    sink += (uint64_t)C[3][5];
    return NULL;
}

/* ---- spinner (frameless leaf on purpose) ----------------------------- */

__attribute__((noinline)) static uint64_t spin_leaf(uint64_t x, long n)
{
    for (long i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}

__attribute__((noinline)) static void *spinner_main(void *arg)
{
    (void)arg;
    uint64_t x = 1;
    for (long n = work(SPINS); n > 0; n--)
        x = spin_leaf(x, 2000000);
    sink += x;
    return NULL;
}

/* ---- io worker (syscalls) -------------------------------------------- */

__attribute__((noinline)) static size_t read_stat(char *buf, size_t len)
{
    int fd = open("/proc/self/stat", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, len) : -1;
    if (fd >= 0)
        close(fd);
    return n > 0 ? (size_t)n : 0;
}

__attribute__((noinline)) static void *io_main(void *arg)
{
    (void)arg;
    static char out[4096], in[1024];
    memset(out, 'x', sizeof out);
    int null = open("/dev/null", O_WRONLY);
    uint64_t total = 0;
    for (long n = work(IO_LOOPS); n > 0; n--) {
        for (int i = 0; i < 16; i++)
            total += (uint64_t)write(null, out, sizeof out);
        total += read_stat(in, sizeof in);
    }
    close(null);
    sink += total;
    return NULL;
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc > 1)
        scale = atof(argv[1]);

    struct { const char *name; void *(*fn)(void *); } spec[] = {
        { "hasher", hasher_main },
        { "matrix", matrix_main },
        { "spinner", spinner_main },
        { "io worker", io_main },
    };
    enum { NT = sizeof spec / sizeof spec[0] };
    pthread_t tid[NT];

    for (int i = 0; i < NT; i++) {
        if (pthread_create(&tid[i], NULL, spec[i].fn, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
        pthread_setname_np(tid[i], spec[i].name);
    }
    for (int i = 0; i < NT; i++)
        pthread_join(tid[i], NULL);
    printf("threads done: %llx\n", (unsigned long long)sink);
    return 0;
}
