/*
 * fuzz_date.c: libFuzzer target for feeds/date.c: date_parse on the input,
 * and a parsed date must print and read back to the same time.
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
	long long	 t;
	char		*s, *a, *b;

	if (size > 4096)
		return (0);
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	t = date_parse(s);
	if (t != TIME_UNKNOWN) {
		a = date_rfc3339(t);
		b = date_rfc822(t);
		if (a != NULL && date_parse(a) != t)
			abort();	/* RFC 3339 must round-trip */
		free(a);
		free(b);
	}
	free(s);
	return (0);
}
