/*
 * fuzz_config.c: libFuzzer target for the configuration reader
 * (daemon/config.c): config_load on the input as a file, and the value
 * readers (durations, sizes, booleans, lists) on the input as a string.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_config_values runs the small value readers on s. */
static void
fuzz_config_values(const char *s)
{
	long long	 v;
	char		**list;
	int		 b, i, n;

	(void)parse_duration(s, &v);
	(void)parse_size(s, &v);
	(void)parse_bool(s, &b);
	n = parse_list(s, &list);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c;
	char		*errors = NULL, *s, path[64];
	int		 fd;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_config_values(s);
	free(s);

	/* A memory file: no disk traffic, and nothing left behind. */
	if ((fd = memfd_create("fuzz-config", 0)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	c = config_load(path, &errors);
	if (c == NULL && errors == NULL)
		abort();	/* a refusal must say why */
	if (c != NULL && errors != NULL)
		abort();
	config_free(c);
	free(errors);
	close(fd);
	return (0);
}
