/*
 * jobd.c - a toy build daemon that measures its own truth: it listens on a Unix socket and, for
 * every request, forks a worker process that burns CPU, waits for it and replies. The job of
 * `flame record --attach` in miniature: the CPU is spent in the daemon's children, not in the
 * program that asks for it (jobcli.c).
 *
 * Protocol, one line each way:
 *   "burn MS\n"  -> a child "jobd-worker" burns MS ms of its own CPU time in burn(), then exits;
 *                   the daemon waits for it and answers "done\n"
 *   "stats\n"    -> "children_cpu_us=N\n": getrusage(RUSAGE_CHILDREN), user + system, of every
 *                   worker waited for since the daemon started
 *   "bye\n"      -> "bye\n", and the daemon goes back to accept() (where a recording that ends
 *                   now finds it waiting)
 *
 * Usage: jobd SOCKET   (runs until killed; prints "ready" on stdout once it listens)
 * Build: gcc -g -O2 -fno-omit-frame-pointer -o jobd jobd.c
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobline.h"

#define KEEP_FRAME() volatile int keep_frame_ = 0; (void)keep_frame_

static volatile uint64_t sink;

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

__attribute__((noinline)) static void burn(int ms)
{
    KEEP_FRAME();
    int64_t start = cpu_ns();
    uint64_t x = 1;
    while (cpu_ns() - start < (int64_t)ms * 1000000) {
        for (int i = 0; i < 20000; i++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    sink = x;
}

__attribute__((noinline)) static void run_worker(int ms)
{
    KEEP_FRAME();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, "jobd-worker");
        burn(ms);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}


static void reply(int fd, const char *text)
{
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        perror("jobd: write");
}

__attribute__((noinline)) static void serve(int conn)
{
    KEEP_FRAME();
    char line[128];
    while (read_line(conn, line, sizeof line)) {
        if (strncmp(line, "burn ", 5) == 0) {
            run_worker(atoi(line + 5));
            reply(conn, "done\n");
        } else if (strcmp(line, "stats") == 0) {
            struct rusage ru;
            getrusage(RUSAGE_CHILDREN, &ru);
            long long us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
            char out[64];
            snprintf(out, sizeof out, "children_cpu_us=%lld\n", us);
            reply(conn, out);
        } else if (strcmp(line, "bye") == 0) {
            reply(conn, "bye\n");
            break;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jobd SOCKET\n");
        return 2;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 4) != 0) {
        perror("jobd");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int conn = accept(fd, NULL, NULL);
        if (conn < 0)
            continue;
        serve(conn);
        close(conn);
    }
}
