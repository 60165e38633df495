/*
 * bench_util.h: what the bench drivers share: reading a whole file and a
 * monotonic clock.  Header-only so that each driver stays one program.
 */
#ifndef SYNDIC_BENCH_UTIL_H
#define SYNDIC_BENCH_UTIL_H

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

/* bench_read_file reads path whole; *len gets its size (caller frees). */
static inline char *
bench_read_file(const char *path, size_t *len)
{
	char	*data;
	size_t	 cap = 65536, n = 0;
	ssize_t	 r;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		err(1, "%s", path);
	data = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			data = xreallocarray(data, cap + 1, 1);
		}
		if ((r = read(fd, data + n, cap - n)) == -1)
			err(1, "%s", path);
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	data[n] = '\0';
	*len = n;
	return (data);
}

/* bench_now gives a monotonic time in seconds. */
static inline double
bench_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

#endif
