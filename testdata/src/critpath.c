/*
 * critpath.c - a program whose critical path is known, and which measures it itself.
 *
 * The main thread ("critpath"):
 *   1. computes for FIRST_MS of its own CPU time in compute_first();
 *   2. starts "long" (computes LONG_MS in long_work()) and "short" (SHORT_MS in short_work()),
 *      joins short, then long: long sets the wall clock, short overlaps it;
 *   3. forks a child ("child"), which sleeps SLEEP_MS in child_sleep() (nanosleep: a timer wakes
 *      it, no thread) and then computes CHILD_MS in child_work(), and waits for it (waitpid,
 *      woken by the child's exit);
 *   4. computes for LAST_MS in compute_last() and returns.
 * Three "pool" threads, started first, wait on a condition variable in pool_wait() the whole
 * time: they overlap everything and are on no path.
 *
 * So the critical path is compute_first, long_work, child_sleep, child_work, compute_last, with
 * their lengths as measured (wall time, CLOCK_MONOTONIC, from each piece's first to its last
 * instruction); short_work and the pool are off it. With a path argument, the program writes
 * one "name ns" line per piece there, and "wall ns" from main's first instruction to its return.
 *
 * noipa keeps gcc from folding the pieces, whose bodies are the same, into one function.
 *
 * With "pinned" after the truth file, the main thread (and the idle pool) runs on CPU 1 and the rest
 * on CPU 0: CPU 1 idles whenever main waits, and a thread woken on an idle CPU is switched in
 * without a sched_switch on these VMs (the idle trap), so main's waits end unseen, right before it
 * forks or starts threads.
 *
 * Usage: critpath [TRUTH-FILE [pinned]]
 * Build: gcc -g -O2 -fno-omit-frame-pointer -pthread -o critpath critpath.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIRST_MS 200
#define LONG_MS 400
#define SHORT_MS 150
#define SLEEP_MS 300
#define CHILD_MS 200
#define LAST_MS 200
#define POOL 3
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_
/* After a call: it is no tail call, so the caller's frame stays on the stack. */
#define STAY() (keep_frame_ = 1)

static volatile uint64_t sink;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;

static int pinned;

/* With "pinned": runs the calling thread on `cpu` alone. */
static void pin(int cpu)
{
    if (!pinned)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static int64_t now_ns(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Computes until this thread has run `ms` of CPU time; returns the wall time it took. */
__attribute__((noinline, noipa)) static int64_t spin(int ms)
{
    KEEP_FRAME();
    int64_t start = now_ns(CLOCK_MONOTONIC), cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t x = 1;
    while (now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu < (int64_t)ms * 1000000) {
        for (int i = 0; i < 10000; i++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    sink += x;
    return now_ns(CLOCK_MONOTONIC) - start;
}

__attribute__((noinline, noipa)) static int64_t compute_first(void) { KEEP_FRAME(); int64_t t = spin(FIRST_MS); STAY(); return t; }
__attribute__((noinline, noipa)) static int64_t compute_last(void) { KEEP_FRAME(); int64_t t = spin(LAST_MS); STAY(); return t; }
__attribute__((noinline, noipa)) static int64_t child_work(void) { KEEP_FRAME(); int64_t t = spin(CHILD_MS); STAY(); return t; }

static int64_t long_ns, short_ns;

__attribute__((noinline, noipa)) static void *long_work(void *arg)
{
    KEEP_FRAME();
    (void)arg;
    pthread_setname_np(pthread_self(), "long");
    pin(0);
    long_ns = spin(LONG_MS);
    return NULL;
}

__attribute__((noinline, noipa)) static void *short_work(void *arg)
{
    KEEP_FRAME();
    (void)arg;
    pthread_setname_np(pthread_self(), "short");
    pin(0);
    short_ns = spin(SHORT_MS);
    return NULL;
}

__attribute__((noinline, noipa)) static void *pool_wait(void *arg)
{
    KEEP_FRAME();
    (void)arg;
    pthread_setname_np(pthread_self(), "pool");
    pthread_mutex_lock(&pool_lock);
    for (;;)
        pthread_cond_wait(&pool_cond, &pool_lock);
    return NULL;
}

__attribute__((noinline, noipa)) static int64_t child_sleep(void)
{
    KEEP_FRAME();
    int64_t start = now_ns(CLOCK_MONOTONIC);
    struct timespec t = {SLEEP_MS / 1000, (SLEEP_MS % 1000) * 1000000L};
    nanosleep(&t, NULL);
    STAY();
    return now_ns(CLOCK_MONOTONIC) - start;
}

int main(int argc, char **argv)
{
    int64_t start = now_ns(CLOCK_MONOTONIC);
    FILE *truth = argc > 1 ? fopen(argv[1], "w") : NULL;
    if (argc > 1 && !truth) {
        perror(argv[1]);
        return 2;
    }
    pinned = argc > 2 && strcmp(argv[2], "pinned") == 0;
    pin(1);
    pthread_t pool[POOL], lng, shrt;
    for (int i = 0; i < POOL; i++)
        pthread_create(&pool[i], NULL, pool_wait, NULL);

    int64_t first = compute_first();

    pthread_create(&lng, NULL, long_work, NULL);
    pthread_create(&shrt, NULL, short_work, NULL);
    pthread_join(shrt, NULL);
    pthread_join(lng, NULL);

    /* The child reports its pieces through a pipe. */
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_NAME, "child");
        pin(0);
        int64_t pieces[2];
        pieces[0] = child_sleep();
        pieces[1] = child_work();
        if (write(fds[1], pieces, sizeof pieces) != sizeof pieces)
            _exit(1);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    int64_t pieces[2] = {0, 0};
    if (read(fds[0], pieces, sizeof pieces) != sizeof pieces)
        return 1;

    int64_t last = compute_last();
    int64_t wall = now_ns(CLOCK_MONOTONIC) - start;
    if (truth) {
        fprintf(truth, "compute_first %lld\nlong_work %lld\nshort_work %lld\nchild_sleep %lld\nchild_work %lld\n"
                       "compute_last %lld\nwall %lld\n",
                (long long)first, (long long)long_ns, (long long)short_ns, (long long)pieces[0], (long long)pieces[1],
                (long long)last, (long long)wall);
        fclose(truth);
    }
    printf("%llu\n", (unsigned long long)sink);
    return 0;
}
