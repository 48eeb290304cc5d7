/* A small shim: the demanglers flame uses live in libstdc++ and the Swift runtime, whose
   entry points are C functions not declared in any header Swift can import. */
#define _GNU_SOURCE
#include "CDemangle.h"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

extern char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);
extern char *swift_demangle(const char *mangled, size_t length, char *out, size_t *outSize, uint32_t flags);

char *flame_cxx_demangle(const char *mangled) {
    int status = 0;
    char *text = __cxa_demangle(mangled, NULL, NULL, &status);
    if (status != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The Swift runtime's demangler aborts the process on some malformed names (its printer reaches
   a "should be printed as a child of ..." case, prints "fatal error: ..." and calls abort()), and
   symbol names come from binaries and profiles made elsewhere. So the call runs with a SIGABRT
   handler that jumps back here, and with C stdio's stderr pointed at /dev/null so that the
   runtime's message does not reach the user (flame writes its own messages to fd 2 directly).
   glibc's abort() releases its lock before raising the signal, so leaving the handler by a jump
   is safe there; what the demangler had allocated is leaked, once per bad name. Calls are
   serialized: the stderr swap is process-wide. */
static __thread sigjmp_buf *active;
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static pthread_mutex_t serial = PTHREAD_MUTEX_INITIALIZER;
static FILE *devnull;

static void on_abort(int sig, siginfo_t *info, void *context) {
    if (active) siglongjmp(*active, 1);
    /* Not from a demangling call: whoever handled SIGABRT before (the Swift runtime's
       backtracer, or the default action) gets it. */
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, info, context);
    } else if (previous.sa_handler != SIG_IGN && previous.sa_handler != SIG_DFL) {
        previous.sa_handler(sig);
    } else {
        sigaction(SIGABRT, &previous, NULL);
        raise(SIGABRT);
    }
}

static void install(void) {
    struct sigaction action = {0};
    action.sa_sigaction = on_abort;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGABRT, &action, &previous);
    devnull = fopen("/dev/null", "w");
}

char *flame_swift_demangle(const char *mangled, size_t length) {
    pthread_once(&installed, install);
    pthread_mutex_lock(&serial);
    FILE *saved = stderr;
    if (devnull) stderr = devnull;
    sigjmp_buf here;
    /* volatile: read after the jump back. */
    char *volatile text = NULL;
    if (sigsetjmp(here, 1) == 0) {
        active = &here;
        text = swift_demangle(mangled, length, NULL, NULL, 0);
    }
    active = NULL;
    stderr = saved;
    pthread_mutex_unlock(&serial);
    return text;
}
