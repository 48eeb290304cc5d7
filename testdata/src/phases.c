/*
 * phases.c - a build-like program that writes its own phase spans (Chrome trace JSON, µs of
 * CLOCK_MONOTONIC, as tracing-chrome and ninjatracing write them) and measures each phase.
 *
 * Phases, one after another on the main thread ("phases"):
 *   parse     computes PARSE_MS of CPU                       (an X event)
 *   download  sleeps SLEEP_MS (nanosleep: off-CPU, sleeping)  (a B/E pair)
 *   compile   two threads ("cc") each compute CC_MS at once, main joins them
 *             (an X event; each thread's own work is a b/e async pair "cc 1", "cc 2")
 *   link      computes LINK_MS                               (an X event, with "link.lto" inside)
 *
 * Each phase's span is taken from the program's own clock at its first and last instruction; the
 * truth file gets one "name wall_us cpu_us" line per span, cpu_us from CLOCK_PROCESS_CPUTIME_ID
 * (all the process's threads) over the same stretch, except the cc spans, whose cpu_us is their
 * thread's own (CLOCK_THREAD_CPUTIME_ID).
 *
 * Usage: phases SPANS-FILE TRUTH-FILE
 * Build: gcc -g -O2 -fno-omit-frame-pointer -pthread -o phases phases.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PARSE_MS 150
#define SLEEP_MS 250
#define CC_MS 150
#define LINK_MS 120
#define LTO_MS 60

static volatile uint64_t sink;
static FILE *spans, *truth;
static int events;

static int64_t now_us(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Computes until this thread has run `ms` of CPU time. */
__attribute__((noinline)) static void spin(int ms)
{
    int64_t cpu = now_us(CLOCK_THREAD_CPUTIME_ID);
    uint64_t x = 1;
    while (now_us(CLOCK_THREAD_CPUTIME_ID) - cpu < (int64_t)ms * 1000) {
        for (int i = 0; i < 10000; i++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    sink += x;
}

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* Writes one event object (from any thread). */
static void event(const char *json)
{
    pthread_mutex_lock(&out_lock);
    fprintf(spans, "%s\n  %s", events++ ? "," : "", json);
    pthread_mutex_unlock(&out_lock);
}

static void complete(const char *name, int64_t start, int64_t end)
{
    char buf[256];
    snprintf(buf, sizeof buf, "{\"name\": \"%s\", \"cat\": \"build\", \"ph\": \"X\", \"ts\": %lld, \"dur\": %lld, \"pid\": 1, \"tid\": 1}",
             name, (long long)start, (long long)(end - start));
    event(buf);
}

static void line(const char *name, int64_t wall, int64_t cpu)
{
    pthread_mutex_lock(&out_lock);
    fprintf(truth, "%s %lld %lld\n", name, (long long)wall, (long long)cpu);
    pthread_mutex_unlock(&out_lock);
}

static void *cc(void *arg)
{
    int n = (int)(intptr_t)arg;
    pthread_setname_np(pthread_self(), "cc");
    char buf[256];
    int64_t cpu = now_us(CLOCK_THREAD_CPUTIME_ID), t = now_us(CLOCK_MONOTONIC);
    snprintf(buf, sizeof buf, "{\"name\": \"cc %d\", \"cat\": \"cc\", \"ph\": \"b\", \"id\": %d, \"ts\": %lld, \"pid\": 1, \"tid\": %d}",
             n, n, (long long)t, n + 1);
    event(buf);
    spin(CC_MS);
    int64_t e = now_us(CLOCK_MONOTONIC);
    snprintf(buf, sizeof buf, "{\"name\": \"cc %d\", \"cat\": \"cc\", \"ph\": \"e\", \"id\": %d, \"ts\": %lld, \"pid\": 1, \"tid\": %d}",
             n, n, (long long)e, n + 1);
    event(buf);
    char name[16];
    snprintf(name, sizeof name, "cc_%d", n);
    line(name, e - t, now_us(CLOCK_THREAD_CPUTIME_ID) - cpu);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: phases SPANS-FILE TRUTH-FILE\n");
        return 2;
    }
    spans = fopen(argv[1], "w");
    truth = fopen(argv[2], "w");
    if (!spans || !truth) {
        perror("phases");
        return 1;
    }
    fprintf(spans, "{\"traceEvents\": [");
    char buf[256];

    int64_t t = now_us(CLOCK_MONOTONIC), cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
    spin(PARSE_MS);
    int64_t e = now_us(CLOCK_MONOTONIC);
    complete("parse", t, e);
    line("parse", e - t, now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu);

    t = now_us(CLOCK_MONOTONIC), cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
    snprintf(buf, sizeof buf, "{\"name\": \"download\", \"ph\": \"B\", \"ts\": %lld, \"pid\": 1, \"tid\": 1}", (long long)t);
    event(buf);
    struct timespec nap = {SLEEP_MS / 1000, (SLEEP_MS % 1000) * 1000000L};
    nanosleep(&nap, NULL);
    e = now_us(CLOCK_MONOTONIC);
    snprintf(buf, sizeof buf, "{\"ph\": \"E\", \"ts\": %lld, \"pid\": 1, \"tid\": 1}", (long long)e);
    event(buf);
    line("download", e - t, now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu);

    t = now_us(CLOCK_MONOTONIC), cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
    pthread_t a, b;
    pthread_create(&a, NULL, cc, (void *)(intptr_t)1);
    pthread_create(&b, NULL, cc, (void *)(intptr_t)2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    e = now_us(CLOCK_MONOTONIC);
    complete("compile", t, e);
    line("compile", e - t, now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu);

    t = now_us(CLOCK_MONOTONIC), cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
    spin(LINK_MS - LTO_MS);
    int64_t lt = now_us(CLOCK_MONOTONIC), lcpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
    spin(LTO_MS);
    int64_t le = now_us(CLOCK_MONOTONIC);
    complete("link.lto", lt, le);
    line("link.lto", le - lt, now_us(CLOCK_PROCESS_CPUTIME_ID) - lcpu);
    e = now_us(CLOCK_MONOTONIC);
    complete("link", t, e);
    line("link", e - t, now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu);

    fprintf(spans, "\n]}\n");
    fclose(spans);
    fclose(truth);
    return 0;
}
