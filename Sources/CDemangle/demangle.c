/* A small shim: the demanglers flame uses live in libstdc++ and the Swift runtime, whose
   entry points are C functions not declared in any header Swift can import. */
#include "CDemangle.h"
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

char *flame_swift_demangle(const char *mangled, size_t length) {
    return swift_demangle(mangled, length, NULL, NULL, 0);
}
