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

/* The output being written: white space collapsed as it comes. */
struct strip {
	char	*out;
	size_t	 len;
	int	 space;		/* pending: 0 none, 1 a space, 2 a line break */
};

/* strip_put appends one byte, collapsing runs of white space. */
static inline void
strip_put(struct strip *st, unsigned char c)
{
	if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' ||
	    c == '\v') {
		if (c == '\n')
			st->space = 2;
		else if (st->space == 0)
			st->space = 1;
		return;
	}
	if (st->space != 0 && st->len > 0)
		st->out[st->len++] = st->space == 2 ? '\n' : ' ';
	st->space = 0;
	st->out[st->len++] = (char)c;
}

/* strip_puts appends a string. */
static void
strip_puts(struct strip *st, const char *s)
{
	for (; *s != '\0'; s++)
		strip_put(st, (unsigned char)*s);
}

/* strip_utf8 appends code point c as UTF-8 (invalid ones as U+FFFD). */
static void
strip_utf8(struct strip *st, unsigned long c)
{
	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80)
		strip_put(st, (unsigned char)c);
	else if (c < 0x800) {
		strip_put(st, 0xc0 | (c >> 6));
		strip_put(st, 0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		strip_put(st, 0xe0 | (c >> 12));
		strip_put(st, 0x80 | ((c >> 6) & 0x3f));
		strip_put(st, 0x80 | (c & 0x3f));
	} else {
		strip_put(st, 0xf0 | (c >> 18));
		strip_put(st, 0x80 | ((c >> 12) & 0x3f));
		strip_put(st, 0x80 | ((c >> 6) & 0x3f));
		strip_put(st, 0x80 | (c & 0x3f));
	}
}

/*
 * strip_entity decodes the reference at p ('&'); returns bytes consumed.
 * NOTE: it never writes more bytes than it consumes (the output buffer
 * is as long as the input): the shortest reference that decodes to n
 * bytes is longer than n.
 */
static size_t
strip_entity(struct strip *st, const char *p)
{
	const char	*end;
	char		*ep;
	unsigned long	 c;
	size_t		 i, len;

	/* Look for the ';' within 12 bytes only: "&&&&..." stays linear. */
	for (end = p + 1; end - p <= 12 && *end != '\0' && *end != ';'; end++)
		continue;
	if (*end != ';' || end - p > 12) {
		strip_put(st, '&');
		return (1);
	}
	len = end - p - 1;
	if (p[1] == '#') {
		if (p[2] == 'x' || p[2] == 'X')
			c = strtoul(p + 3, &ep, 16);
		else
			c = strtoul(p + 2, &ep, 10);
		if (ep == end) {
			strip_utf8(st, c);
			return (end - p + 1);
		}
	}
	for (i = 0; i < sizeof strip_entities / sizeof strip_entities[0]; i++) {
		if (strlen(strip_entities[i].name) == len &&
		    strncmp(p + 1, strip_entities[i].name, len) == 0) {
			strip_puts(st, strip_entities[i].utf8);
			return (end - p + 1);
		}
	}
	strip_put(st, '&');
	return (1);
}

/* strip_tag skips the tag at p ('<'); returns bytes consumed, sets *skip. */
static size_t
strip_tag(struct strip *st, const char *p, const char **skip)
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
		strip_put(st, '\n');
	return ((size_t)(end - p) + 1);
}

/*
 * Byte classes of strip_html's fast path: runs of plain bytes are copied
 * at once; the others go through strip_put, strip_tag or strip_entity.
 */
static const unsigned char strip_special[256] = {
	[0] = 1, [' '] = 1, ['\n'] = 1, ['\t'] = 1, ['\r'] = 1, ['\f'] = 1,
	['\v'] = 1, ['<'] = 1, ['&'] = 1,
};

char *
strip_html(const char *html)
{
	struct strip	 st;
	const char	*p, *q, *skip = NULL;

	if (html == NULL)
		return (NULL);
	/* One pass into a buffer as long as the input (see strip_entity). */
	st.out = xmalloc(strlen(html) + 1);
	st.len = 0;
	st.space = 0;
	for (p = html; *p != '\0';) {
		if (skip != NULL) {
			if ((p = strcasestr(p, skip)) == NULL)
				break;
			skip = NULL;
		}
		if (!strip_special[(unsigned char)*p]) {
			/*
			 * A run of plain bytes, single spaces between words
			 * included: what strip_put does to each.
			 */
			for (q = p + 1;; q++) {
				if (!strip_special[(unsigned char)*q])
					continue;
				if (*q != ' ' ||
				    strip_special[(unsigned char)q[1]])
					break;
				q++;
			}
			if (st.space != 0 && st.len > 0)
				st.out[st.len++] = st.space == 2 ? '\n' : ' ';
			st.space = 0;
			memcpy(st.out + st.len, p, q - p);
			st.len += q - p;
			p = q;
		} else if (*p == '<')
			p += strip_tag(&st, p, &skip);
		else if (*p == '&')
			p += strip_entity(&st, p);
		else
			strip_put(&st, (unsigned char)*p++);
	}
	st.out[st.len] = '\0';
	return (st.out);
}
