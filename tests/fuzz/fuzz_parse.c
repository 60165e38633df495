/*
 * fuzz_parse.c: libFuzzer target for the feed parser (feeds/parse.c,
 * jsonfeed.c and, through them, dates, URLs, the sanitizer and libxml2):
 * parse_document on the input, then its JSON rendering.
 */
#include <stdint.h>
#include <stdlib.h>

#include "feeds.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc	*d;
	char		*json;

	d = parse_document((const char *)data, size,
	    "https://example.org/feeds/main.xml", NULL, PARSE_SANITIZE);
	if (d == NULL)
		abort();	/* never NULL, by contract */
	json = parse_json(d);
	free(json);
	doc_free(d);
	return (0);
}
