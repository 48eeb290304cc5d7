/*
 * jobcli.c - the client of jobd.c, which measures its own truth: it asks the daemon for N jobs
 * of MS ms of CPU each, one after the other, and waits for every reply, so it spends its life
 * off-CPU waiting on the daemon. It also starts a pool of three threads ("pool") that park on a
 * condition variable and are never used, as a runtime's worker pool would: idle threads.
 *
 * At the end it asks the daemon for its children's CPU time, says goodbye (so that the daemon
 * goes back to waiting in accept()), lingers 100 ms in nanosleep, and prints on stdout:
 *   truth children_cpu_us=<n>                      (getrusage(RUSAGE_CHILDREN) in the daemon)
 *   truth cli_offcpu_us=<n> wall_us=<n> cpu_us=<n>  (the main thread, from its first instruction
 *                                                    to its last: wall minus its own CPU time)
 *
 * Usage: jobcli SOCKET N MS
 * Build: gcc -g -O2 -fno-omit-frame-pointer -pthread -o jobcli jobcli.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "jobline.h"

#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static int64_t now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

__attribute__((noinline)) static void *park(void *arg)
{
    KEEP_FRAME();
    (void)arg;
    pthread_setname_np(pthread_self(), "pool");
    pthread_mutex_lock(&lock);
    for (;;)
        pthread_cond_wait(&never, &lock);
    return NULL;
}


__attribute__((noinline)) static void ask(int fd, const char *request, char *answer, size_t size)
{
    KEEP_FRAME();
    size_t len = strlen(request);
    if (write(fd, request, len) != (ssize_t)len || !read_line(fd, answer, size)) {
        perror("jobcli");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: jobcli SOCKET N MS\n");
        return 2;
    }
    int64_t wall0 = now(CLOCK_MONOTONIC), cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
    int jobs = atoi(argv[2]), ms = atoi(argv[3]);
    pthread_t pool[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&pool[i], NULL, park, NULL);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("jobcli: connect");
        return 1;
    }
    char request[64], answer[128];
    snprintf(request, sizeof request, "burn %d\n", ms);
    for (int i = 0; i < jobs; i++)
        ask(fd, request, answer, sizeof answer);
    char stats[128];
    ask(fd, "stats\n", stats, sizeof stats);
    ask(fd, "bye\n", answer, sizeof answer);
    close(fd);
    /* The daemon is back in accept() before the recording ends. */
    struct timespec linger = { 0, 100000000 };
    nanosleep(&linger, NULL);
    int64_t wall = now(CLOCK_MONOTONIC) - wall0, cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    printf("truth %s\ntruth cli_offcpu_us=%lld wall_us=%lld cpu_us=%lld\n", stats, (long long)((wall - cpu) / 1000),
           (long long)(wall / 1000), (long long)(cpu / 1000));
    return 0;
}
