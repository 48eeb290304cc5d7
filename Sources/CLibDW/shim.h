/* elfutils' libdwfl/libdw/libelf, as Debian's libdw-dev and libelf-dev install them. */
#include <elfutils/libdwfl.h>
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <gelf.h>
#include <libelf.h>
#include <elfutils/libdwelf.h>
