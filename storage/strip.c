/*
 * strip.c: the plain text of an HTML fragment, for near-duplicate detection
 * and the full-text index.  It only has to be good enough to compare words:
 * tags are dropped (script and style with their content), block elements
 * become line breaks, the common entities and numeric references are
 * decoded, and white space is collapsed.  storage/ cannot use the parser's
 * HTML code (feeds/), hence this small one.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "store_priv.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	const char	*utf8;
} strip_entities[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "nbsp", " " }, { "mdash", "\xe2\x80\x94" },
	{ "ndash", "\xe2\x80\x93" }, { "hellip", "\xe2\x80\xa6" },
	{ "rsquo", "\xe2\x80\x99" }, { "lsquo", "\xe2\x80\x98" },
	{ "rdquo", "\xe2\x80\x9d" }, { "ldquo", "\xe2\x80\x9c" },
	{ "pound", "\xc2\xa3" }, { "euro", "\xe2\x82\xac" },
	{ "copy", "\xc2\xa9" },
};

/* strip_utf8 appends code point c as UTF-8 (invalid ones as U+FFFD). */
static void
strip_utf8(struct buf *b, unsigned long c)
{
	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80)
		buf_putc(b, (char)c);
	else if (c < 0x800) {
		buf_putc(b, (char)(0xc0 | (c >> 6)));
		buf_putc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_putc(b, (char)(0xe0 | (c >> 12)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | (c >> 18)));
		buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (c & 0x3f)));
	}
}

/* strip_entity decodes the reference at p ('&'); returns bytes consumed. */
static size_t
strip_entity(struct buf *b, const char *p)
{
	const char	*end;
	char		*ep;
	unsigned long	 c;
	size_t		 i, len;

	if ((end = strchr(p, ';')) == NULL || end - p > 12) {
		buf_putc(b, '&');
		return (1);
	}
	len = end - p - 1;
	if (p[1] == '#') {
		if (p[2] == 'x' || p[2] == 'X')
			c = strtoul(p + 3, &ep, 16);
		else
			c = strtoul(p + 2, &ep, 10);
		if (ep == end) {
			strip_utf8(b, c);
			return (end - p + 1);
		}
	}
	for (i = 0; i < sizeof strip_entities / sizeof strip_entities[0]; i++) {
		if (strlen(strip_entities[i].name) == len &&
		    strncmp(p + 1, strip_entities[i].name, len) == 0) {
			buf_puts(b, strip_entities[i].utf8);
			return (end - p + 1);
		}
	}
	buf_putc(b, '&');
	return (1);
}

/* strip_tag skips the tag at p ('<'); returns bytes consumed, sets *skip. */
static size_t
strip_tag(struct buf *b, const char *p, const char **skip)
{
	const char	*end, *name;
	size_t		 n;

	if (strncmp(p, "<!--", 4) == 0) {
		end = strstr(p + 4, "-->");
		return (end == NULL ? strlen(p) : (size_t)(end - p) + 3);
	}
	if ((end = strchr(p, '>')) == NULL)
		return (strlen(p));
	name = p + 1 + (p[1] == '/');
	for (n = 0; isalnum((unsigned char)name[n]); n++)
		continue;
	if (p[1] != '/' && ((n == 6 && strncasecmp(name, "script", 6) == 0) ||
	    (n == 5 && strncasecmp(name, "style", 5) == 0)))
		*skip = n == 6 ? "</script" : "</style";
	/* Anything but inline markup separates words. */
	if (!(n == 1 && strchr("abiuqs", tolower((unsigned char)*name))) &&
	    !(n == 2 && (strncasecmp(name, "em", 2) == 0)) &&
	    !(n == 4 && (strncasecmp(name, "span", 4) == 0)) &&
	    !(n == 6 && (strncasecmp(name, "strong", 6) == 0)))
		buf_putc(b, '\n');
	return ((size_t)(end - p) + 1);
}

char *
strip_html(const char *html)
{
	struct buf	 raw, out;
	const char	*p, *skip = NULL;
	size_t		 i;
	int		 space = 0;

	if (html == NULL)
		return (NULL);
	buf_init(&raw);
	for (p = html; *p != '\0';) {
		if (skip != NULL) {
			if ((p = strcasestr(p, skip)) == NULL)
				break;
			skip = NULL;
		}
		if (*p == '<')
			p += strip_tag(&raw, p, &skip);
		else if (*p == '&')
			p += strip_entity(&raw, p);
		else
			buf_putc(&raw, *p++);
	}
	/* Collapse runs of white space; keep one line break between blocks. */
	buf_init(&out);
	for (i = 0; i < raw.len; i++) {
		if (isspace((unsigned char)raw.data[i])) {
			if (raw.data[i] == '\n' || space == 0)
				space = raw.data[i] == '\n' ? 2 : 1;
			continue;
		}
		if (space != 0 && out.len > 0)
			buf_putc(&out, space == 2 ? '\n' : ' ');
		space = 0;
		buf_putc(&out, raw.data[i]);
	}
	buf_free(&raw);
	if (out.data == NULL)
		return (xstrdup(""));
	return (buf_steal(&out));
}
