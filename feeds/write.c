/*
 * write.c: what the output writers share: making stored text safe to emit
 * (valid UTF-8, no characters XML or HTML forbid, bounded length), escaping
 * for markup, checking and escaping URLs, dates in RFC 3339 and RFC 822,
 * and a plain-text excerpt of an HTML fragment.
 *
 * NOTE: the store may hold anything a feed sent us; every string a writer
 * emits goes through write_clean() or one of the functions built on it, so
 * that a hostile entry can never make an output document ill-formed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

/*
 * write_decode reads one UTF-8 sequence at s (n bytes left) and returns
 * its length; *cp gets the code point, or -1 when the bytes are not valid
 * UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
 */
static size_t
write_decode(const unsigned char *s, size_t n, long *cp)
{
	size_t	 len, i;
	long	 c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		*cp = -1;
		return (1);
	}
	if (len > n) {
		*cp = -1;
		return (1);
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return (i);
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = -1;
	*cp = c;
	return (len);
}

/* write_allowed says whether XML 1.0 and HTML both accept code point c. */
static int
write_allowed(long c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return (1);
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
		return (0);
	if (c >= 0xfdd0 && c <= 0xfdef)
		return (0);
	if ((c & 0xfffe) == 0xfffe)
		return (0);
	return (1);
}

/*
 * write_clean appends s to b as valid UTF-8 without forbidden characters
 * (invalid bytes become U+FFFD, controls are dropped), escaped for markup
 * when flags has WRITE_ESCAPE, on one line with runs of white space folded
 * when it has WRITE_LINE, and cut after max characters (0: no limit) with
 * an ellipsis.
 */
void
write_clean(struct buf *b, const char *s, size_t max, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, left, len, count = 0;
	long			 c;
	int			 space = 0;

	if (s == NULL)
		return;
	left = strlen(s);
	if (flags & WRITE_LINE) {
		while (left > 0 && (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r')) {
			p++;
			left--;
		}
	}
	while (left > 0) {
		len = write_decode(p, left, &c);
		n = len;
		if ((flags & WRITE_LINE) && (c == ' ' || c == '\t' ||
		    c == '\n' || c == '\r')) {
			space = 1;
			p += n;
			left -= n;
			continue;
		}
		if (c != -1 && !write_allowed(c)) {
			p += n;
			left -= n;
			continue;
		}
		if (max > 0 && count + space >= max) {
			buf_puts(b, "\xe2\x80\xa6");
			return;
		}
		if (space) {
			buf_putc(b, ' ');
			count++;
			space = 0;
		}
		count++;
		if (c == -1)
			buf_puts(b, "\xef\xbf\xbd");
		else if ((flags & WRITE_ESCAPE) && c == '&')
			buf_puts(b, "&amp;");
		else if ((flags & WRITE_ESCAPE) && c == '<')
			buf_puts(b, "&lt;");
		else if ((flags & WRITE_ESCAPE) && c == '>')
			buf_puts(b, "&gt;");
		else if ((flags & WRITE_ESCAPE) && c == '"')
			buf_puts(b, "&quot;");
		else if ((flags & WRITE_ESCAPE) && c == '\r')
			buf_puts(b, "&#13;");
		else
			buf_add(b, p, n);
		p += n;
		left -= n;
	}
}

/* write_cleandup returns write_clean's result as a new string. */
char *
write_cleandup(const char *s, size_t max, int flags)
{
	struct buf	 b;

	buf_init(&b);
	write_clean(&b, s, max, flags);
	return (buf_steal(&b));
}

/*
 * write_url_ok says whether u is an absolute http or https URL with a
 * host: the only links the outputs carry (a "javascript:" or relative
 * link in the store must not reach a reader).
 */
int
write_url_ok(const char *u)
{
	const char	*p;

	if (u == NULL)
		return (0);
	if (strncasecmp(u, "http://", 7) == 0)
		p = u + 7;
	else if (strncasecmp(u, "https://", 8) == 0)
		p = u + 8;
	else
		return (0);
	if (*p == '\0' || *p == '/' || *p == '?' || *p == '#')
		return (0);
	if (strlen(u) > WRITE_URL_MAX)
		return (0);
	return (1);
}

/*
 * write_url appends u to b with every byte a URI may not hold raw
 * percent-encoded, escaped for markup when flags has WRITE_ESCAPE.
 */
void
write_url(struct buf *b, const char *u, int flags)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)u; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p)) {
			buf_printf(b, "%%%02X", *p);
			continue;
		}
		if ((flags & WRITE_ESCAPE) && *p == '&')
			buf_puts(b, "&amp;");
		else if ((flags & WRITE_ESCAPE) && *p == '\'')
			buf_puts(b, "&#39;");
		else
			buf_putc(b, (char)*p);
	}
}

/* write_urldup returns write_url's result (unescaped) as a new string. */
char *
write_urldup(const char *u)
{
	struct buf	 b;

	buf_init(&b);
	write_url(&b, u, 0);
	return (buf_steal(&b));
}

/* write_tm converts t to broken-down UTC; -1 when out of the 4-digit era. */
static int
write_tm(long long t, struct tm *tm)
{
	time_t	 tt;

	/* 0001-01-01 to 9999-12-31: what RFC 3339 and RFC 822 can say. */
	if (t < -62135596800LL || t > 253402300799LL)
		return (-1);
	tt = (time_t)t;
	if (gmtime_r(&tt, tm) == NULL)
		return (-1);
	return (0);
}

/*
 * write_rfc3339 writes t as "2018-03-28T10:00:00Z" into s (at least
 * WRITE_DATE_MAX bytes).  Returns -1 (and "") when t is unknown or out of
 * range.
 */
int
write_rfc3339(char *s, long long t)
{
	struct tm	 tm;

	s[0] = '\0';
	if (t == TIME_UNKNOWN || write_tm(t, &tm) != 0)
		return (-1);
	snprintf(s, WRITE_DATE_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
	    tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
	    tm.tm_sec % 100);
	return (0);
}

/*
 * write_rfc822 writes t as "Wed, 28 Mar 2018 10:00:00 GMT" (RFC 822 with
 * RFC 1123's four-digit year, also HTTP's IMF-fixdate) into s.  Returns -1
 * (and "") when t is unknown or out of range.
 */
int
write_rfc822(char *s, long long t)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	s[0] = '\0';
	if (t == TIME_UNKNOWN || write_tm(t, &tm) != 0)
		return (-1);
	snprintf(s, WRITE_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday % 100, months[tm.tm_mon % 12],
	    (tm.tm_year + 1900) % 10000, tm.tm_hour % 100, tm.tm_min % 100,
	    tm.tm_sec % 100);
	return (0);
}

/* write_entity decodes the character reference at s; returns its length. */
static size_t
write_entity(struct buf *b, const char *s)
{
	static const struct {
		const char	*name;
		const char	*text;
	} names[] = {
		{ "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" },
		{ "quot;", "\"" }, { "apos;", "'" }, { "nbsp;", " " },
		{ "mdash;", "\xe2\x80\x94" }, { "ndash;", "\xe2\x80\x93" },
		{ "hellip;", "\xe2\x80\xa6" }, { "rsquo;", "\xe2\x80\x99" },
		{ "lsquo;", "\xe2\x80\x98" }, { "rdquo;", "\xe2\x80\x9d" },
		{ "ldquo;", "\xe2\x80\x9c" },
	};
	char		*end;
	unsigned long	 c;
	size_t		 i;

	if (s[1] == '#') {
		if (s[2] == 'x' || s[2] == 'X')
			c = strtoul(s + 3, &end, 16);
		else
			c = strtoul(s + 2, &end, 10);
		if (*end != ';' || end == s + 2 || c == 0 || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff)) {
			buf_putc(b, '&');
			return (1);
		}
		if (c < 0x80)
			buf_putc(b, (char)c);
		else if (c < 0x800)
			buf_printf(b, "%c%c", (int)(0xc0 | (c >> 6)),
			    (int)(0x80 | (c & 0x3f)));
		else if (c < 0x10000)
			buf_printf(b, "%c%c%c", (int)(0xe0 | (c >> 12)),
			    (int)(0x80 | ((c >> 6) & 0x3f)),
			    (int)(0x80 | (c & 0x3f)));
		else
			buf_printf(b, "%c%c%c%c", (int)(0xf0 | (c >> 18)),
			    (int)(0x80 | ((c >> 12) & 0x3f)),
			    (int)(0x80 | ((c >> 6) & 0x3f)),
			    (int)(0x80 | (c & 0x3f)));
		return ((size_t)(end - s) + 1);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strncmp(s + 1, names[i].name, strlen(names[i].name)) == 0) {
			buf_puts(b, names[i].text);
			return (1 + strlen(names[i].name));
		}
	}
	buf_putc(b, '&');
	return (1);
}

/*
 * write_excerpt returns the text of an HTML fragment (tags dropped, the
 * contents of script and style too, references decoded), cleaned, on one
 * line and cut after max characters.
 */
char *
write_excerpt(const char *html, size_t max)
{
	struct buf	 t;
	const char	*p, *end;
	char		*s;

	if (html == NULL)
		return (NULL);
	buf_init(&t);
	for (p = html; *p != '\0';) {
		if (*p == '&') {
			p += write_entity(&t, p);
			continue;
		}
		if (*p != '<') {
			buf_putc(&t, *p++);
			continue;
		}
		if (strncasecmp(p, "<script", 7) == 0 ||
		    strncasecmp(p, "<style", 6) == 0) {
			end = strcasestr(p, strncasecmp(p, "<script", 7) == 0 ?
			    "</script" : "</style");
			if (end == NULL)
				break;
			p = end + 2;
		} else if (strncmp(p, "<!--", 4) == 0) {
			if ((end = strstr(p, "-->")) == NULL)
				break;
			p = end + 3;
			continue;
		}
		if ((end = strchr(p, '>')) == NULL)
			break;
		p = end + 1;
		buf_putc(&t, ' ');
	}
	s = write_cleandup(t.data == NULL ? "" : t.data, max, WRITE_LINE);
	buf_free(&t);
	return (s);
}

/* write_uri_ok says whether s is an absolute URI of plain ASCII. */
static int
write_uri_ok(const char *s)
{
	const char	*p;

	if (s == NULL || strlen(s) > WRITE_URL_MAX ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return (0);
	for (p = s; *p != ':'; p++) {
		if (*p == '\0' || strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.", *p) == NULL)
			return (0);
	}
	if (p[1] == '\0')
		return (0);
	for (; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p))
			return (0);
	}
	return (1);
}

/*
 * write_id appends the item's id: its own when that is an absolute URI,
 * else a URN made of the story number, else of a hash of what identifies
 * the item, so that it is the same at every render.
 */
void
write_id(struct buf *b, const struct item *it)
{
	const char	*keys[3];
	uint64_t	 h = 14695981039346656037ULL;
	const unsigned char *p;
	int		 i;

	if (write_uri_ok(it->id)) {
		buf_puts(b, it->id);
		return;
	}
	if (it->story_id > 0) {
		buf_printf(b, "urn:syndic:story:%lld", it->story_id);
		return;
	}
	keys[0] = it->id;
	keys[1] = it->link;
	keys[2] = it->title;
	for (i = 0; i < 3; i++) {
		for (p = (const unsigned char *)keys[i]; p != NULL && *p != '\0';
		    p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	buf_printf(b, "urn:syndic:item:%016llx", (unsigned long long)h);
}

/* write_iddup returns write_id's result as a new string. */
char *
write_iddup(const struct item *it)
{
	struct buf	 b;

	buf_init(&b);
	write_id(&b, it);
	return (buf_steal(&b));
}

/*
 * write_updated gives the time an item was last changed: its update, else
 * its publication, else the channel's time.
 */
long long
write_updated(const struct channel *c, const struct item *it)
{
	if (it->updated != TIME_UNKNOWN)
		return (it->updated);
	if (it->published != TIME_UNKNOWN)
		return (it->published);
	if (c->updated != TIME_UNKNOWN)
		return (c->updated);
	return (0);
}

/* write_source_link appends a link to a source (or its name alone). */
static void
write_source_link(struct buf *b, const struct source_ref *s)
{
	const char	*u;

	u = write_url_ok(s->entry_url) ? s->entry_url : s->url;
	if (!write_url_ok(u))
		u = write_url_ok(s->feed_url) ? s->feed_url : NULL;
	if (u != NULL) {
		buf_puts(b, "<a href=\"");
		write_url(b, u, WRITE_ESCAPE);
		buf_puts(b, "\">");
	}
	write_clean(b, s->title != NULL ? s->title : "(untitled source)",
	    WRITE_TITLE_MAX, WRITE_ESCAPE | WRITE_LINE);
	if (u != NULL)
		buf_puts(b, "</a>");
}

/*
 * write_extras appends, as an HTML fragment, the item's "Also reported
 * by" line and its "You might also like" list (nothing when it has
 * neither).
 */
void
write_extras(struct buf *b, const struct item *it)
{
	const struct related_ref *r;
	int		 i, open = 0;

	if (it->nalso > 0) {
		buf_puts(b, "<p class=\"also\">Also reported by ");
		for (i = 0; i < it->nalso; i++) {
			if (i > 0)
				buf_puts(b, i == it->nalso - 1 ? " and " : ", ");
			write_source_link(b, &it->also[i]);
		}
		buf_puts(b, ".</p>");
	}
	for (i = 0; i < it->nrelated; i++) {
		r = &it->related[i];
		if (!write_url_ok(r->url))
			continue;
		if (!open++)
			buf_puts(b, "<h4>You might also like</h4>"
			    "<ul class=\"related\">");
		buf_puts(b, "<li><a href=\"");
		write_url(b, r->url, WRITE_ESCAPE);
		buf_puts(b, "\">");
		write_clean(b, r->title != NULL ? r->title : r->url,
		    WRITE_TITLE_MAX, WRITE_ESCAPE | WRITE_LINE);
		buf_puts(b, "</a>");
		if (r->source != NULL) {
			buf_puts(b, " <small>(");
			write_clean(b, r->source, WRITE_TITLE_MAX,
			    WRITE_ESCAPE | WRITE_LINE);
			buf_puts(b, ")</small>");
		}
		buf_puts(b, "</li>");
	}
	if (open)
		buf_puts(b, "</ul>");
}

/*
 * write_title returns an item's title on one line, cleaned and cut; an
 * item without one is named by the start of its text.
 */
char *
write_title(const struct item *it)
{
	char	*s;

	if (it->title != NULL) {
		s = write_cleandup(it->title, WRITE_TITLE_MAX, WRITE_LINE);
		if (*s != '\0')
			return (s);
		free(s);
	}
	s = write_excerpt(it->summary != NULL ? it->summary : it->content, 80);
	if (s != NULL && *s != '\0')
		return (s);
	free(s);
	return (xstrdup("(untitled)"));
}
