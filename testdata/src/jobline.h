/* jobline.h - the one-line protocol of jobd.c and jobcli.c: lines read a byte at a time. */
#ifndef JOBLINE_H
#define JOBLINE_H
#include <stddef.h>
#include <unistd.h>

/* Reads one line (without its newline) into buf; 0 at the end of the connection. */
static int read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0)
            return 0;
        if (c == '\n')
            break;
        buf[n++] = c;
    }
    buf[n] = 0;
    return 1;
}

#endif
