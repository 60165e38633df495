/*
 * fuzz_sanitize.c: libFuzzer target for the HTML sanitizer (feeds/
 * sanitize.c, gumbo) and the text extractor (feeds/text.c).  Sanitizing
 * the output again (what a browser's parse of it keeps) may move elements
 * (the output is not always stable under re-parsing: <li> inside <a>
 * inside <li>), but must bring no element or attribute name that the first
 * output did not have: nothing a browser sees may be new.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fz_names_in tells whether every tag and attribute name of b is in a. */
static int
fz_names_in(const char *a, const char *b)
{
	const char	*p, *q;
	char		 tok[64];
	size_t		 n;
	int		 intag = 0;

	for (p = b; *p != '\0'; p++) {
		if (*p == '<' && p[1] >= 'a' && p[1] <= 'z')
			intag = 1;
		else if (*p == '>')
			intag = 0;
		else if (intag && *p == '"') {
			/* a quoted value: its words are not names */
			if ((q = strchr(p + 1, '"')) == NULL)
				break;
			p = q;
			continue;
		}
		if (!intag || (*p != '<' && *p != ' '))
			continue;
		for (q = p + 1, n = 0; (*q >= 'a' && *q <= 'z') ||
		    (*q >= '0' && *q <= '9') || *q == '-'; q++)
			n++;
		if (n == 0 || n + 3 > sizeof tok)
			continue;
		tok[0] = *p;
		memcpy(tok + 1, p + 1, n);
		tok[n + 1] = *p == '<' ? '\0' : '=';
		tok[n + 2] = '\0';
		if (strstr(a, tok) == NULL)
			return (0);
	}
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*once, *twice, *text;

	once = sanitize_html((const char *)data, size,
	    "https://example.org/a/b.html");
	twice = sanitize_html(once, strlen(once),
	    "https://example.org/a/b.html");
	if (!fz_names_in(once, twice))
		abort();
	text = text_from_html((const char *)data, size, 4096);
	free(text);
	free(twice);
	free(once);
	return (0);
}
