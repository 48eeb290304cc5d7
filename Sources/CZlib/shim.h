/* System zlib (Debian: zlib1g-dev); Export gzips pprof files through deflate. */
#include <zlib.h>
