/*
 * text.c: plain text out of HTML, without building a tree.  Titles are
 * shown as plain text, and dedup and related articles compare the words of
 * entries, so this runs for every entry at ingest: it is a single pass
 * that skips tags and the bodies of script and style, decodes character
 * references and collapses white space.  It also holds the UTF-8 checks
 * that keep everything we output valid.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

#include "entities.h"

static int
text_entity_cmp(const void *key, const void *elem)
{
	const struct text_entity	*e = elem;

	return (strcmp(key, e->name));
}

int
text_entity(const char *name, size_t n)
{
	const struct text_entity	*e;
	char				 key[16];

	if (n == 0 || n >= sizeof key)
		return (-1);
	memcpy(key, name, n);
	key[n] = '\0';
	if (strcmp(key, "apos") == 0)
		return ('\'');
	e = bsearch(key, text_entities, sizeof text_entities /
	    sizeof text_entities[0], sizeof text_entities[0], text_entity_cmp);
	return (e == NULL ? -1 : (int)e->code);
}

void
text_put_utf8(struct buf *b, unsigned int c)
{
	char	 s[4];

	if (c == 0 || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x80) {
		buf_putc(b, c);
	} else if (c < 0x800) {
		s[0] = 0xc0 | (c >> 6);
		s[1] = 0x80 | (c & 0x3f);
		buf_add(b, s, 2);
	} else if (c < 0x10000) {
		s[0] = 0xe0 | (c >> 12);
		s[1] = 0x80 | ((c >> 6) & 0x3f);
		s[2] = 0x80 | (c & 0x3f);
		buf_add(b, s, 3);
	} else {
		s[0] = 0xf0 | (c >> 18);
		s[1] = 0x80 | ((c >> 12) & 0x3f);
		s[2] = 0x80 | ((c >> 6) & 0x3f);
		s[3] = 0x80 | (c & 0x3f);
		buf_add(b, s, 4);
	}
}

int
text_utf8_len(const unsigned char *s, size_t len)
{
	unsigned int	 c;
	size_t		 n, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return (-1);
	if (n > len)
		return (-1);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (-1);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return (-1);
	return (n);
}

char *
text_utf8_clean(const char *s, size_t len)
{
	struct buf	 b;
	size_t		 i;
	int		 n;

	buf_init(&b);
	for (i = 0; i < len; i += n) {
		n = text_utf8_len((const unsigned char *)s + i, len - i);
		if (n == -1) {
			text_put_utf8(&b, 0xfffd);
			n = 1;
		} else if (n == 1 && ((unsigned char)s[i] < ' ' &&
		    s[i] != '\t' && s[i] != '\n' && s[i] != '\r'))
			continue;
		else if (n == 1 && s[i] == 0x7f)
			continue;
		else
			buf_add(&b, s + i, n);
	}
	return (buf_steal(&b));
}

size_t
text_ref(const char *s, size_t len, unsigned int *code)
{
	size_t		 i;
	unsigned long	 v = 0;
	int		 c, hex;

	if (len < 3 || s[0] != '&')
		return (0);
	if (s[1] == '#') {
		hex = s[2] == 'x' || s[2] == 'X';
		for (i = hex ? 3 : 2; i < len && i < 12; i++) {
			if (hex && isxdigit((unsigned char)s[i]))
				v = v * 16 + (isdigit((unsigned char)s[i]) ?
				    s[i] - '0' : (tolower((unsigned char)s[i]) -
				    'a' + 10));
			else if (!hex && isdigit((unsigned char)s[i]))
				v = v * 10 + (s[i] - '0');
			else
				break;
		}
		if (i == (size_t)(hex ? 3 : 2))
			return (0);
		*code = v > 0x10ffff ? 0xfffd : (unsigned int)v;
		/* Windows-1252 in numeric references, as browsers do. */
		if (*code >= 0x80 && *code <= 0x9f)
			*code = 0xfffd;
		return (i < len && s[i] == ';' ? i + 1 : i);
	}
	for (i = 1; i < len && i < 12 && isalnum((unsigned char)s[i]); i++)
		;
	if (i < len && s[i] == ';' && (c = text_entity(s + 1, i - 1)) != -1) {
		*code = c;
		return (i + 1);
	}
	return (0);
}

/* text_skip_tag passes a tag at s; returns its length and its name. */
static size_t
text_tag(const char *s, size_t len, const char **name, size_t *nlen,
    int *closing)
{
	size_t	 i = 1;
	char	 q = 0;

	*closing = 0;
	*nlen = 0;
	if (i < len && s[i] == '/') {
		*closing = 1;
		i++;
	}
	*name = s + i;
	while (i < len && isalnum((unsigned char)s[i]))
		i++, (*nlen)++;
	for (; i < len; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			q = s[i];
		else if (s[i] == '>')
			return (i + 1);
	}
	return (len);
}

/* text_is_block tells whether a tag separates words. */
static int
text_is_block(const char *name, size_t n)
{
	static const char *blocks[] = { "br", "p", "div", "li", "tr", "td",
	    "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote",
	    "pre", "dt", "dd", "ul", "ol", "table", "figure", "figcaption",
	    "section", "article", "header", "footer", "img" };
	size_t	 i;

	for (i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		if (strlen(blocks[i]) == n && strncasecmp(name, blocks[i], n) == 0)
			return (1);
	}
	return (0);
}

/* text_raw_end finds the end of a script or style body. */
static size_t
text_raw_end(const char *s, size_t len, const char *name, size_t n)
{
	size_t	 i;

	for (i = 0; i + 2 + n <= len; i++) {
		if (s[i] == '<' && s[i + 1] == '/' &&
		    strncasecmp(s + i + 2, name, n) == 0)
			return (i);
	}
	return (len);
}

char *
text_from_html(const char *html, size_t len, size_t max)
{
	struct buf	 b;
	const char	*name;
	size_t		 i, n, nlen;
	unsigned int	 code;
	int		 space = 0, closing, u;

	buf_init(&b);
	for (i = 0; i < len && (max == 0 || b.len < max);) {
		if (html[i] == '<' && i + 1 < len &&
		    (isalpha((unsigned char)html[i + 1]) || html[i + 1] == '/' ||
		    html[i + 1] == '!' || html[i + 1] == '?')) {
			if (strncmp(html + i, "<!--", 4) == 0) {
				name = memmem(html + i + 4, len - i - 4, "-->", 3);
				i = name == NULL ? len : (size_t)(name - html) + 3;
				continue;
			}
			i += text_tag(html + i, len - i, &name, &nlen, &closing);
			if (!closing && ((nlen == 6 &&
			    strncasecmp(name, "script", 6) == 0) ||
			    (nlen == 5 && strncasecmp(name, "style", 5) == 0)))
				i += text_raw_end(html + i, len - i, name, nlen);
			if (text_is_block(name, nlen))
				space = 1;
			continue;
		}
		if (html[i] == '&' && (n = text_ref(html + i, len - i,
		    &code)) > 0) {
			i += n;
		} else if ((u = text_utf8_len((const unsigned char *)html + i,
		    len - i)) == -1) {
			code = 0xfffd;
			i++;
		} else if (u == 2 && (unsigned char)html[i] == 0xc2 &&
		    (unsigned char)html[i + 1] == 0xa0) {
			space = 1;	/* no-break space */
			i += 2;
			continue;
		} else if (u > 1) {
			if (space && b.len > 0)
				buf_putc(&b, ' ');
			space = 0;
			buf_add(&b, html + i, u);
			i += u;
			continue;
		} else
			code = (unsigned char)html[i++];
		if (code == 0xa0 || code == ' ' || code < ' ' || code == 0x7f) {
			space = 1;
			continue;
		}
		if (space && b.len > 0)
			buf_putc(&b, ' ');
		space = 0;
		text_put_utf8(&b, code);
	}
	if (max > 0 && b.len > max) {
		n = max;
		while (n > 0 && ((unsigned char)b.data[n] & 0xc0) == 0x80)
			n--;
		b.data[n] = '\0';
		b.len = n;
	}
	return (buf_steal(&b));
}
