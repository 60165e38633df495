/*
 * fuzz_url.c: libFuzzer target for feeds/url.c.  The input is "BASE\nREF":
 * url_resolve, url_canonical and url_site on each part and on the result;
 * a resolved URL must resolve to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *ref, *abs, *again, *c;

	if (size > 8192)
		return (0);
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if ((ref = strchr(s, '\n')) != NULL)
		*ref++ = '\0';
	else
		ref = s;
	abs = url_resolve(s, ref);
	if (abs != NULL) {
		again = url_resolve(abs, abs);
		free(again);
		c = url_canonical(abs);
		free(c);
		c = url_site(abs);
		free(c);
	}
	c = url_canonical(s);
	free(c);
	free(abs);
	free(s);
	return (0);
}
