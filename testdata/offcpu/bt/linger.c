/*
 * linger.c - LD_PRELOAD helper for the bpftrace captures of sleepy.
 *
 * bpftrace names user frames when it prints its maps, from /proc/TID/maps of
 * the thread that recorded the stack: a thread that has exited by then leaves
 * raw hex addresses. This keeps every thread alive for LINGER_SECONDS (default
 * 3) after its start routine returns, and the process after main returns, so
 * the workload (testdata/src/sleepy.c) stays unchanged. The price is one extra
 * user frame, linger_thread, between start_thread and each thread's function.
 *
 * Build: gcc -g -O2 -fno-omit-frame-pointer -shared -fPIC -o /tmp/flametd/linger.so linger.c
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct start {
    void *(*fn)(void *);
    void *arg;
};

static unsigned linger_seconds(void)
{
    const char *s = getenv("LINGER_SECONDS");
    return s ? (unsigned)atoi(s) : 3;
}

static void *linger_thread(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    void *result = s.fn(s.arg);
    sleep(linger_seconds());
    return result;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!real)
        real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
            dlsym(RTLD_NEXT, "pthread_create");
    struct start *s = malloc(sizeof *s);
    if (!s)
        return real(thread, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int rc = real(thread, attr, linger_thread, s);
    if (rc != 0)
        free(s);
    return rc;
}

__attribute__((destructor)) static void linger_process(void)
{
    sleep(linger_seconds());
}
