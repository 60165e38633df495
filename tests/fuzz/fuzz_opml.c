/*
 * fuzz_opml.c: libFuzzer target for feeds/opml.c: opml_read on the input;
 * what it reads must write out and read back to as many subscriptions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opml_feed *f = NULL, *g = NULL;
	char		*cause = NULL, *out;
	int		 n = 0, m = 0;

	if (opml_read((const char *)data, size, &f, &n, &cause) == -1) {
		if (cause == NULL)
			abort();	/* a refusal says why */
		free(cause);
		return (0);
	}
	out = opml_write(f, n, "t", 0);
	if (opml_read(out, strlen(out), &g, &m, &cause) == -1)
		abort();	/* our own output must read back */
	if (m != n)
		abort();
	opml_feeds_free(g, m);
	opml_feeds_free(f, n);
	free(out);
	return (0);
}
