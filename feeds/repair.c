/*
 * repair.c: the pre-pass of parse.c over the bytes of an XML feed, before
 * libxml2 sees them.  It repairs what libxml2 cannot (HTML entities, stray
 * ampersands, bytes that are not UTF-8), refuses a tag with more
 * attributes than libxml2 can check in time, and takes out of libxml2's
 * way what it reads slowly: CDATA sections and entity-escaped text go to a
 * table and a short placeholder stays (see parse_priv.h).  The balancing
 * pass, run after libxml2 found end tags that do not match, is here too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "feeds.h"
#include "parse_priv.h"
#include "xmalloc.h"

/* Windows-1252 code points of bytes 0x80-0x9f (0 where undefined). */
static const unsigned short cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6,
	0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019,
	0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161,
	0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* The repairs of the pre-pass, each reported once. */
enum fix { FIX_ENTITY, FIX_AMP, FIX_BYTES, FIX_LAST, FIX_NONE };

/* Output of the pre-pass: a copy made only once a repair is needed. */
struct repair {
	struct pctx	*c;
	const char	*data;
	size_t		 len;
	size_t		 done;		/* data[0..done) is in out (or clean) */
	struct buf	 out;
	int		 copying;
	int		 seen[FIX_LAST];
	int		 depth;		/* elements open (as far as we can tell) */
	int		 lost;		/* markup we cannot follow: no text_out */
	int		 decode;	/* text_out may take text runs */
	size_t		 run;		/* start of the text run we are in */
	size_t		 tried;		/* the run text_out last looked at */
};

/* No text run: inside a tag, a PI or a DOCTYPE. */
#define RUN_NONE	((size_t)-1)

/* repair_line gives the line number of offset i (for messages only). */
static int
repair_line(const char *data, size_t i)
{
	const char	*p = data, *end = data + i;
	int		 line = 1;

	while ((p = memchr(p, '\n', end - p)) != NULL) {
		line++;
		p++;
	}
	return (line);
}

/*
 * repair_cut drops data[i..i+n) from the copy and notes why; the caller
 * appends what replaces it to r->out.
 */
static void
repair_cut(struct repair *r, size_t i, size_t n, enum fix why)
{
	static const char *what[] = { "HTML entity in XML", "stray &",
	    "bytes that are not UTF-8 (read as windows-1252)" };

	if (!r->copying) {
		/* Room for the whole document at once: no regrowth. */
		r->out.cap = r->len + 1;
		r->out.data = xmalloc(r->out.cap);
		r->out.len = 0;
		r->copying = 1;
	}
	buf_add(&r->out, r->data + r->done, i - r->done);
	r->done = i + n;
	if (why != FIX_NONE && !r->seen[why]) {
		r->seen[why] = 1;
		parse_error(r->c->d, "line %d: repaired: %s",
		    repair_line(r->data, i), what[why]);
	}
}

/* repair_put replaces data[i..i+n) with s and notes why. */
static void
repair_put(struct repair *r, size_t i, size_t n, const char *s, enum fix why)
{
	repair_cut(r, i, n, why);
	buf_puts(&r->out, s);
}

/*
 * repair_mark replaces data[i..i+n) with the CDATA placeholder of entry
 * idx of the table, and lines newlines so that error lines stay right.
 */
static void
repair_mark(struct repair *r, size_t i, size_t n, size_t idx, size_t lines)
{
	static const char	 nl[] = "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n";
	char			 num[24];
	size_t			 k = sizeof num, step;

	repair_cut(r, i, n, FIX_NONE);
	buf_add(&r->out, "<![CDATA[" CDATA_MARK, 12);
	do {
		num[--k] = '0' + idx % 10;
		idx /= 10;
	} while (idx > 0);
	buf_add(&r->out, num + k, sizeof num - k);
	for (; lines > 0; lines -= step) {
		step = lines < sizeof nl - 1 ? lines : sizeof nl - 1;
		buf_add(&r->out, nl, step);
	}
	buf_add(&r->out, "]]>", 3);
}

/* cdata_add appends an entry to the CDATA table; returns its index. */
static size_t
cdata_add(struct pctx *c, const char *p, size_t len)
{
	if (c->ncdata == c->cdatacap) {
		c->cdatacap = c->cdatacap == 0 ? 16 : c->cdatacap * 2;
		c->cdata = xreallocarray(c->cdata, c->cdatacap,
		    sizeof *c->cdata);
	}
	c->cdata[c->ncdata].p = p;
	c->cdata[c->ncdata].len = len;
	return (c->ncdata++);
}

/* repair_amp checks the reference at i; returns the bytes to skip. */
static size_t
repair_amp(struct repair *r, size_t i)
{
	const char	*s = r->data + i;
	size_t		 n, left = r->len - i;
	char		 num[16];
	int		 code;

	if (left > 2 && s[1] == '#') {
		n = 2;
		if (left > 3 && (s[2] == 'x' || s[2] == 'X'))
			while (++n < left && isxdigit((unsigned char)s[n]))
				;
		else
			while (n < left && isdigit((unsigned char)s[n]))
				n++;
		if (n < left && s[n] == ';' && n > 2)
			return (n + 1);
	} else if (left > 1 && isalpha((unsigned char)s[1])) {
		for (n = 1; n < left && n < 40 && (isalnum((unsigned char)s[n]) ||
		    s[n] == '.' || s[n] == '-' || s[n] == '_'); n++)
			;
		if (n < left && s[n] == ';') {
			if ((n == 3 && (strncmp(s, "&lt", 3) == 0 ||
			    strncmp(s, "&gt", 3) == 0)) || (n == 4 &&
			    strncmp(s, "&amp", 4) == 0) || (n == 5 &&
			    (strncmp(s, "&quot", 5) == 0 ||
			    strncmp(s, "&apos", 5) == 0)))
				return (n + 1);
			if ((code = text_entity(s + 1, n - 1)) != -1) {
				snprintf(num, sizeof num, "&#%d;", code);
				repair_put(r, i, n + 1, num, FIX_ENTITY);
				return (n + 1);
			}
		}
	}
	repair_put(r, i, 1, "&amp;", FIX_AMP);
	return (1);
}

/* repair_byte re-reads a byte that is not UTF-8 as windows-1252. */
static void
repair_byte(struct repair *r, size_t i)
{
	unsigned char	 b = r->data[i];
	unsigned int	 code = b;
	struct buf	 tmp;

	if (b >= 0x80 && b < 0xa0)
		code = cp1252[b - 0x80] != 0 ? cp1252[b - 0x80] : 0xfffd;
	buf_init(&tmp);
	text_put_utf8(&tmp, code);
	repair_put(r, i, 1, tmp.data, FIX_BYTES);
	buf_free(&tmp);
}

/*
 * find_end finds the short string end in len bytes at s, or NULL.  memchr
 * on its first byte is several times faster than memmem over the long
 * CDATA sections of full-text feeds.
 */
static const char *
find_end(const char *s, size_t len, const char *end)
{
	const char	*p, *lim = s + len;
	size_t		 n = strlen(end);

	for (p = s; p < lim && (p = memchr(p, end[0], lim - p)) != NULL; p++) {
		if ((size_t)(lim - p) < n)
			return (NULL);
		if (memcmp(p, end, n) == 0)
			return (p);
	}
	return (NULL);
}

/* repair_skip passes a CDATA section or comment starting at i. */
static size_t
repair_skip(struct repair *r, size_t i, const char *end, size_t skip)
{
	const char	*p;

	p = find_end(r->data + i + skip, r->len - i - skip, end);
	return (p == NULL ? r->len - i : (size_t)(p - (r->data + i)) +
	    strlen(end));
}

/*
 * cdata_out swaps a large CDATA section at i (n bytes) for a placeholder
 * when its bytes are valid UTF-8; returns 1 when it did.
 */
static int
cdata_out(struct repair *r, size_t i, size_t n)
{
	const char	*p = r->data + i + 9, *nl;
	size_t		 len, lines = 0;

	if (n < 12 || memcmp(p + n - 12, "]]>", 3) != 0)
		return (0);
	len = n - 12;
	if (!text_utf8_valid(p, len))
		return (0);
	for (nl = p; (nl = memchr(nl, '\n', p + len - nl)) != NULL; nl++)
		lines++;
	repair_mark(r, i, n, cdata_add(r->c, p, len), lines);
	return (1);
}

/*
 * tag_attrs counts the attributes of the start tag at s.  libxml2 2.9
 * checks attributes for duplicates in quadratic time, so a tag with tens
 * of thousands of them costs minutes: we count before it sees them.  It
 * also measures the tag: *end is its length with the '>', 0 when it does
 * not end the way XML wants (a '<' in it, no '>'); *empty says "/>".
 */
static int
tag_attrs(const char *s, size_t len, size_t *end, int *empty)
{
	const char	*q;
	size_t		 i = 1;
	int		 n = 0;

	*end = 0;
	*empty = 0;
	if (len < 2 || (!isalpha((unsigned char)s[1]) && s[1] != '_'))
		return (0);
	while (i < len && !isspace((unsigned char)s[i]) && s[i] != '>' &&
	    s[i] != '/' && s[i] != '<')
		i++;
	while (n <= PARSE_MAX_ATTRS) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] == '>' || s[i] == '/' || s[i] == '<')
			break;
		while (i < len && s[i] != '=' && !isspace((unsigned char)s[i]) &&
		    s[i] != '>' && s[i] != '<' && s[i] != '/')
			i++;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '=') {
			i++;
			while (i < len && isspace((unsigned char)s[i]))
				i++;
			if (i < len && (s[i] == '"' || s[i] == '\'')) {
				if ((q = memchr(s + i + 1, s[i], len - i - 1)) ==
				    NULL)
					break;
				if (memchr(s + i + 1, '<', q - (s + i + 1)) !=
				    NULL)
					return (n);	/* *end = 0 */
				i = q - s + 1;
			}
		}
		n++;
	}
	if (i < len && s[i] == '>')
		*end = i + 1;
	else if (i + 1 < len && s[i] == '/' && s[i + 1] == '>') {
		*end = i + 2;
		*empty = 1;
	}
	return (n);
}

/*
 * xml_ref reads a reference at s (s[0] is '&') as libxml2 would read it
 * without complaint: one of the five XML entities or a numeric reference
 * to a character XML allows (and text_utf8_valid too: no DEL).  Returns
 * its length and sets *code, or 0.
 */
static size_t
xml_ref(const unsigned char *s, size_t len, unsigned int *code)
{
	unsigned long	 v = 0;
	size_t		 i;
	int		 hex, d;

	if (len >= 4 && s[2] == 't' && s[3] == ';' && (s[1] == 'l' ||
	    s[1] == 'g')) {
		*code = s[1] == 'l' ? '<' : '>';
		return (4);
	}
	if (len >= 5 && memcmp(s + 1, "amp;", 4) == 0) {
		*code = '&';
		return (5);
	}
	if (len >= 6 && (memcmp(s + 1, "quot;", 5) == 0 ||
	    memcmp(s + 1, "apos;", 5) == 0)) {
		*code = s[1] == 'q' ? '"' : '\'';
		return (6);
	}
	if (len < 4 || s[1] != '#')
		return (0);
	hex = s[2] == 'x';
	for (i = hex ? 3 : 2; i < len && v <= 0x10ffff; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (hex && (s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			d = (s[i] | 0x20) - 'a' + 10;
		else
			break;
		v = v * (hex ? 16 : 10) + d;
	}
	if (i == (size_t)(hex ? 3 : 2) || i >= len || s[i] != ';')
		return (0);
	if (!(v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v < 0x7f) ||
	    (v > 0x7f && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd) ||
	    (v >= 0x10000 && v <= 0x10ffff)))
		return (0);
	*code = v;
	return (i + 1);
}

/* put_utf8 writes code point c (valid) at o; returns the bytes written. */
static size_t
put_utf8(char *o, unsigned int c)
{
	if (c < 0x80) {
		o[0] = c;
		return (1);
	}
	if (c < 0x800) {
		o[0] = 0xc0 | (c >> 6);
		o[1] = 0x80 | (c & 0x3f);
		return (2);
	}
	if (c < 0x10000) {
		o[0] = 0xe0 | (c >> 12);
		o[1] = 0x80 | ((c >> 6) & 0x3f);
		o[2] = 0x80 | (c & 0x3f);
		return (3);
	}
	o[0] = 0xf0 | (c >> 18);
	o[1] = 0x80 | ((c >> 12) & 0x3f);
	o[2] = 0x80 | ((c >> 6) & 0x3f);
	o[3] = 0x80 | (c & 0x3f);
	return (4);
}

/*
 * text_decode decodes the text data[start..end) into o as libxml2 would
 * read it (references replaced, line ends made "\n"); returns the bytes
 * written, or -1 when the text needs a repair or holds anything libxml2
 * would complain about (then the usual path reads it).  *refs counts the
 * references, *lines the newlines.
 */
static long
text_decode(const unsigned char *s, size_t start, size_t end, char *o,
    size_t *refs, size_t *lines)
{
	char		*o0 = o;
	size_t		 i = start, k;
	unsigned int	 code;
	int		 u;

	while (i < end) {
		k = text_span((const char *)s + i, end - i, TEXT_SPAN_PRINT);
		memcpy(o, s + i, k);
		o += k;
		if ((i += k) == end)
			break;
		switch (s[i]) {
		case '&':
			if ((k = xml_ref(s + i, end - i, &code)) == 0)
				return (-1);
			o += put_utf8(o, code);
			i += k;
			(*refs)++;
			continue;
		case '>':
			if (i >= start + 2 && s[i - 1] == ']' && s[i - 2] == ']')
				return (-1);
			break;
		case '\n':
			(*lines)++;
			break;
		case '\r':
			/* XML reads "\r\n" and a lone "\r" as "\n". */
			if (i + 1 < end && s[i + 1] == '\n')
				i++;
			else {
				*o++ = '\n';
				i++;
				continue;
			}
			(*lines)++;
			break;
		case '\t':
			break;
		default:
			if (s[i] >= ' ' && s[i] < 0x7f)
				break;
			if (s[i] < 0x80 || (u = text_utf8_len(s + i,
			    end - i)) == -1 || (u == 3 && s[i] == 0xef &&
			    s[i + 1] == 0xbf && s[i + 2] >= 0xbe))
				return (-1);
			memcpy(o, s + i, u);
			o += u;
			i += u;
			continue;
		}
		*o++ = s[i++];
	}
	return (o - o0);
}

/*
 * text_out swaps the text run at start (up to the next '<') for a CDATA
 * placeholder, with its references decoded here: libxml2 2.9 spends some
 * 600 instructions on each reference, and the entity-escaped HTML of RSS
 * descriptions is made of them.  Only text that libxml2 would read as is
 * is taken (see text_decode), with two references at least.  Returns the
 * length of the run taken, 0 when it was not.
 */
static size_t
text_out(struct repair *r, size_t start)
{
	struct pctx		*c = r->c;
	const unsigned char	*s = (const unsigned char *)r->data, *lt;
	size_t			 end, refs = 0, lines = 0;
	long			 n;

	if ((lt = memchr(s + start, '<', r->len - start)) == NULL ||
	    (end = lt - s) - start < 32)
		return (0);
	if (c->dec == NULL) {
		/* Decoded text is never longer: room for the rest. */
		c->deccap = r->len - start;
		c->dec = xmalloc(c->deccap);
	}
	n = text_decode(s, start, end, c->dec + c->declen, &refs, &lines);
	if (n == -1 || refs < 2)
		return (0);
	repair_mark(r, start, end - start, cdata_add(c, c->dec + c->declen,
	    n), lines);
	c->declen += n;
	c->decoded++;
	return (end - start);
}

/* repair_tag follows the element nesting at a tag at i (n bytes). */
static void
repair_tag(struct repair *r, size_t i, size_t n, int empty)
{
	if (n == 0) {
		r->lost = 1;
		r->run = RUN_NONE;
		return;
	}
	if (r->data[i + 1] == '/') {
		if (--r->depth < 0)
			r->lost = 1;
	} else if (!empty)
		r->depth++;
	r->run = i + n;
}

/* end_tag measures the end tag at i; 0 when it has a '<' or no '>'. */
static size_t
end_tag(const char *s, size_t len)
{
	size_t	 i;

	for (i = 2; i < len && s[i] != '>'; i++)
		if (s[i] == '<')
			return (0);
	return (i < len ? i + 1 : 0);
}

/*
 * repair_document fixes HTML entities, stray ampersands and (when utf8)
 * bytes that are not UTF-8, and (decode) takes entity-escaped text runs
 * out of libxml2's way.  Returns NULL when the document needs none.
 */
char *
repair_document(struct pctx *c, const char *data, size_t len, int utf8,
    int decode, size_t *outlen)
{
	struct repair	 r;
	size_t		 i, j, n, skip, t;
	unsigned char	 b;
	int		 u, empty;

	memset(&r, 0, sizeof r);
	r.c = c;
	r.data = data;
	r.len = len;
	r.run = r.tried = RUN_NONE;
	r.decode = decode && utf8;
	for (i = 0; i < len; i += n) {
		b = data[i];
		if (b != '&' && b != '<' && b < 0x80) {
			/* The common case: run through plain ASCII. */
			n = 1 + text_quiet_len(data + i + 1, len - i - 1);
			continue;
		}
		if (b == '&') {
			if (i >= r.run && r.run != r.tried && r.done <= r.run &&
			    r.depth > 0 && !r.lost && r.decode) {
				r.tried = r.run;
				if ((t = text_out(&r, r.run)) > 0) {
					n = r.run + t - i;
					continue;
				}
			}
			n = repair_amp(&r, i);
		} else if (b == '<') {
			skip = len - i;
			if (skip > 9 && memcmp(data + i, "<![CDATA[", 9) == 0) {
				n = repair_skip(&r, i, "]]>", 9);
				r.run = i + n;
				if (utf8 && cdata_out(&r, i, n))
					continue;
			} else if (skip > 4 && memcmp(data + i, "<!--", 4) == 0) {
				n = repair_skip(&r, i, "-->", 4);
				r.run = i + n;
			} else if (skip > 1 && data[i + 1] == '/') {
				repair_tag(&r, i, end_tag(data + i, skip), 0);
				n = 1;
			} else if (skip > 1 && (data[i + 1] == '!' ||
			    data[i + 1] == '?')) {
				r.run = RUN_NONE;
				n = 1;
			} else if (tag_attrs(data + i, skip, &t, &empty) >
			    PARSE_MAX_ATTRS) {
				parse_error(c->d, "line %d: element with more "
				    "than %d attributes: document refused",
				    repair_line(data, i), PARSE_MAX_ATTRS);
				c->refused = 1;
				if (r.copying)
					buf_free(&r.out);
				return (NULL);
			} else {
				repair_tag(&r, i, t, empty);
				n = 1;
			}
			if (utf8 && n > 1) {
				/* Check the bytes of what we skipped. */
				for (j = i; j < i + n; j += u) {
					if ((unsigned char)data[j] < 0x80) {
						u = 1;
						continue;
					}
					u = text_utf8_len((const unsigned
					    char *)data + j, len - j);
					if (u == -1) {
						repair_byte(&r, j);
						u = 1;
					}
				}
			}
		} else if (!utf8)
			n = 1;
		else if ((u = text_utf8_len((const unsigned char *)data + i,
		    len - i)) == -1) {
			repair_byte(&r, i);
			n = 1;
		} else
			n = u;
	}
	if (!r.copying)
		return (NULL);
	buf_add(&r.out, data + r.done, len - r.done);
	*outlen = r.out.len;
	return (buf_steal(&r.out));
}

/* Open elements of the balancing pass. */
#define BAL_DEPTH	256

/* bal_skip passes a comment, CDATA, PI or DOCTYPE at s; returns its length. */
static size_t
bal_skip(const char *s, size_t len)
{
	const char	*end, *p;
	size_t		 skip;

	if (len > 4 && memcmp(s, "<!--", 4) == 0)
		end = "-->", skip = 4;
	else if (len > 9 && memcmp(s, "<![CDATA[", 9) == 0)
		end = "]]>", skip = 9;
	else if (len > 2 && s[1] == '?')
		end = "?>", skip = 2;
	else {
		/* <!DOCTYPE ...>, maybe with an internal subset. */
		p = memchr(s, '>', len);
		end = memchr(s, '[', len);
		if (end != NULL && (p == NULL || end < p))
			end = "]>", skip = 2;
		else
			return (p == NULL ? len : (size_t)(p - s) + 1);
	}
	p = memmem(s + skip, len - skip, end, strlen(end));
	return (p == NULL ? len : (size_t)(p - s) + strlen(end));
}

/* bal_tag measures a tag at s: total length, name length, self-closing. */
static size_t
bal_tag(const char *s, size_t len, size_t *nlen, int *empty)
{
	size_t	 i = 1;
	char	 q = 0;

	if (i < len && s[i] == '/')
		i++;
	*nlen = 0;
	while (i + *nlen < len && !isspace((unsigned char)s[i + *nlen]) &&
	    s[i + *nlen] != '>' && s[i + *nlen] != '/')
		(*nlen)++;
	for (i += *nlen; i < len; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			q = s[i];
		else if (s[i] == '>') {
			*empty = s[i - 1] == '/';
			return (i + 1);
		}
	}
	*empty = 0;
	return (len);
}

/*
 * repair_balance rewrites end tags the way an HTML parser reads them: one
 * that closes an element further up the stack closes those above it too;
 * one that closes nothing open is dropped.  Run only after libxml2 found
 * a mismatch, whose own recovery nests everything after it.
 */
char *
repair_balance(const char *s, size_t len, size_t *outlen)
{
	struct { const char *name; size_t n; } st[BAL_DEPTH];
	struct buf	 b;
	size_t		 i = 0, done = 0, t, nlen;
	int		 depth = 0, k, empty;
	const char	*p;

	buf_init(&b);
	while ((p = memchr(s + i, '<', len - i)) != NULL) {
		i = p - s;
		if (i + 1 < len && (s[i + 1] == '!' || s[i + 1] == '?')) {
			i += bal_skip(s + i, len - i);
			continue;
		}
		t = bal_tag(s + i, len - i, &nlen, &empty);
		if (i + 1 < len && s[i + 1] != '/') {
			if (!empty && nlen > 0 && depth < BAL_DEPTH) {
				st[depth].name = s + i + 1;
				st[depth++].n = nlen;
			}
			i += t;
			continue;
		}
		for (k = depth - 1; k >= 0; k--)
			if (st[k].n == nlen && memcmp(st[k].name, s + i + 2,
			    nlen) == 0)
				break;
		buf_add(&b, s + done, i - done);
		done = i + t;
		if (k >= 0) {
			while (depth > k) {
				depth--;
				buf_puts(&b, "</");
				buf_add(&b, st[depth].name, st[depth].n);
				buf_putc(&b, '>');
			}
		}
		i += t;
	}
	buf_add(&b, s + done, len - done);
	*outlen = b.len;
	return (buf_steal(&b));
}
