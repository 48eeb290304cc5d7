/* System libzstd (Debian: libzstd-dev); PerfData streams COMPRESSED records through ZSTD_DStream. */
#include <zstd.h>
