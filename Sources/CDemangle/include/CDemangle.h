#ifndef FLAME_CDEMANGLE_H
#define FLAME_CDEMANGLE_H
#include <stddef.h>
#include <stdint.h>

/* C++ (Itanium ABI) demangling through libstdc++'s __cxa_demangle. Returns malloc'd text
   (free it) or NULL when `mangled` is not a C++ name. */
char *flame_cxx_demangle(const char *mangled);

/* Swift demangling through the Swift runtime's swift_demangle (libswiftCore). Returns
   malloc'd text (free it) or NULL when `mangled` is not a Swift name, or is one the runtime
   would abort on (see demangle.c). */
char *flame_swift_demangle(const char *mangled, size_t length);

#endif
