/*
 * sleepy.c - small off-CPU workload for the perf sched capture.
 *
 * Threads (comm set with pthread_setname_np):
 *   "ping", "pong"    bounce a byte over two pipes ROUNDS times (sleep in
 *                     pipe_read, wake each other up)
 *   "slow sleeper"    nanosleep()s NAPS x 2 ms
 *   "busy"            burns ~20 ms of CPU in busy_loop (gets preempted)
 * The main thread ("sleepy") starts and joins them. Kept deliberately
 * short: perf sched record is system-wide and every event carries a
 * callchain, so the text grows fast.
 *
 * Build: gcc -g -O2 -fno-omit-frame-pointer -pthread -o sleepy sleepy.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20
#define NAPS 10

#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

static int ab[2], ba[2];
static volatile uint64_t sink;

__attribute__((noinline)) static void *ping_main(void *arg)
{
    (void)arg;
    char c = 'p';
    for (int i = 0; i < ROUNDS; i++) {
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
            break;
    }
    return NULL;
}

__attribute__((noinline)) static void *pong_main(void *arg)
{
    (void)arg;
    char c;
    for (int i = 0; i < ROUNDS; i++) {
        if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
            break;
    }
    return NULL;
}

__attribute__((noinline)) static void nap(long ns)
{
    struct timespec ts = { 0, ns };
    nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void *sleeper_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < NAPS; i++)
        nap(2000000);
    return NULL;
}

__attribute__((noinline)) static uint64_t busy_loop(double seconds)
{
    KEEP_FRAME();
    struct timespec t0, t;
    uint64_t x = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ULL + 1;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
    return x;
}

__attribute__((noinline)) static void *busy_main(void *arg)
{
    (void)arg;
    sink += busy_loop(0.02);
    return NULL;
}

int main(void)
{
    if (pipe(ab) != 0 || pipe(ba) != 0) {
        perror("pipe");
        return 1;
    }
    struct { const char *name; void *(*fn)(void *); } spec[] = {
        { "ping", ping_main },
        { "pong", pong_main },
        { "slow sleeper", sleeper_main },
        { "busy", busy_main },
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
    printf("sleepy done: %llx\n", (unsigned long long)sink);
    return 0;
}
