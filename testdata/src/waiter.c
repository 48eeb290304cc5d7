/*
 * waiter.c - off-CPU workload that measures its own truth.
 *
 * Threads (comm set with pthread_setname_np), each blocking in one way, in a function of its own:
 *   "cruncher"  computes for ~150 ms in crunch() (off-CPU only when preempted)
 *   "napper"    nanosleep()s 10 x 10 ms in nap()
 *   "syncer"    rewrites 4 KiB and fsync()s a file 40 times in sync_file() (uninterruptible I/O; one
 *               small block, so the time is spent waiting for the disk, not touching new memory)
 *   "reader"    reads a pipe 10 times in read_pipe(); the main thread writes a byte every 10 ms
 *   "condwait"  waits on a condition variable 10 times in wait_cond(); main signals every 10 ms
 *
 * Each thread measures, from its first to its last instruction, wall time (CLOCK_MONOTONIC)
 * minus its own CPU time (CLOCK_THREAD_CPUTIME_ID): the time it was off-CPU. At exit the main
 * thread prints one line per thread:
 *   truth tid=<tid> comm=<name> offcpu_us=<n> wall_us=<n> cpu_us=<n>
 *
 * Usage: waiter [DIR]   (DIR: where syncer writes its scratch file; default: the current one)
 * Build: gcc -g -O2 -fno-omit-frame-pointer -pthread -o waiter waiter.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 10
#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

struct truth {
    const char *name;
    pid_t tid;
    int64_t wall_ns, cpu_ns;
};

static int pipefd[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int signals, seen;
static const char *dir = ".";
static volatile uint64_t sink;
static char block_[4096];

static int64_t now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

__attribute__((noinline)) static void crunch(void)
{
    KEEP_FRAME();
    int64_t start = now(CLOCK_THREAD_CPUTIME_ID);
    uint64_t x = 1;
    while (now(CLOCK_THREAD_CPUTIME_ID) - start < 150000000) {
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ULL + 1;
    }
    sink = x;
}

__attribute__((noinline)) static void nap(void)
{
    KEEP_FRAME();
    struct timespec ts = { 0, 10000000 };
    nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void sync_file(int fd)
{
    KEEP_FRAME();
    if (pwrite(fd, block_, sizeof block_, 0) != (ssize_t)sizeof block_ || fsync(fd) != 0)
        perror("syncer");
}

__attribute__((noinline)) static void read_pipe(void)
{
    KEEP_FRAME();
    char c;
    if (read(pipefd[0], &c, 1) != 1)
        perror("reader");
}

__attribute__((noinline)) static void wait_cond(void)
{
    KEEP_FRAME();
    pthread_mutex_lock(&lock);
    while (seen == signals)
        pthread_cond_wait(&cond, &lock);
    seen++;
    pthread_mutex_unlock(&lock);
}

static void *run(void *arg)
{
    struct truth *t = arg;
    pthread_setname_np(pthread_self(), t->name);
    t->tid = (pid_t)syscall(SYS_gettid);
    int64_t wall0 = now(CLOCK_MONOTONIC), cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
    if (strcmp(t->name, "cruncher") == 0) {
        crunch();
    } else if (strcmp(t->name, "napper") == 0) {
        for (int i = 0; i < ROUNDS; i++)
            nap();
    } else if (strcmp(t->name, "syncer") == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/waiter-sync.%d", dir, (int)getpid());
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        memset(block_, 'x', sizeof block_);
        for (int i = 0; i < 4 * ROUNDS && fd >= 0; i++)
            sync_file(fd);
        if (fd >= 0)
            close(fd);
        unlink(path);
    } else if (strcmp(t->name, "reader") == 0) {
        for (int i = 0; i < ROUNDS; i++)
            read_pipe();
    } else if (strcmp(t->name, "condwait") == 0) {
        for (int i = 0; i < ROUNDS; i++)
            wait_cond();
    }
    t->wall_ns = now(CLOCK_MONOTONIC) - wall0;
    t->cpu_ns = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        dir = argv[1];
    if (pipe(pipefd) != 0)
        return 1;
    struct truth threads[] = { { "cruncher" }, { "napper" }, { "syncer" }, { "reader" }, { "condwait" } };
    enum { N = sizeof threads / sizeof threads[0] };
    pthread_t ids[N];
    for (int i = 0; i < N; i++)
        pthread_create(&ids[i], NULL, run, &threads[i]);
    struct timespec tick = { 0, 10000000 };
    for (int i = 0; i < ROUNDS; i++) {
        nanosleep(&tick, NULL);
        if (write(pipefd[1], "x", 1) != 1)
            return 1;
        pthread_mutex_lock(&lock);
        signals++;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
    }
    for (int i = 0; i < N; i++)
        pthread_join(ids[i], NULL);
    for (int i = 0; i < N; i++)
        printf("truth tid=%d comm=%s offcpu_us=%lld wall_us=%lld cpu_us=%lld\n", (int)threads[i].tid, threads[i].name,
               (long long)((threads[i].wall_ns - threads[i].cpu_ns) / 1000), (long long)(threads[i].wall_ns / 1000),
               (long long)(threads[i].cpu_ns / 1000));
    return 0;
}
