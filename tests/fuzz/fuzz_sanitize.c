/*
 * fuzz_sanitize.c: libFuzzer target for the HTML sanitizer (feeds/
 * sanitize.c, gumbo) and the text extractor (feeds/text.c).  The output of
 * the sanitizer must be a fixed point: sanitizing it again changes nothing
 * that matters (no tag may appear that was not there).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*once, *twice, *text;

	once = sanitize_html((const char *)data, size,
	    "https://example.org/a/b.html");
	twice = sanitize_html(once, strlen(once),
	    "https://example.org/a/b.html");
	/* What survived once must survive again, not grow new markup. */
	if (strlen(twice) > strlen(once) + 64)
		abort();
	text = text_from_html((const char *)data, size, 4096);
	free(text);
	free(twice);
	free(once);
	return (0);
}
