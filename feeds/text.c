/*
 * text.c: plain text out of HTML, without building a tree.  Titles are
 * shown as plain text, and dedup and related articles compare the words of
 * entries, so this runs for every entry at ingest: it is a single pass
 * that skips tags and the bodies of script and style, decodes character
 * references and collapses white space.  It also holds the UTF-8 checks
 * that keep everything we output valid.
 */
#include <ctype.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
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

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define HASZERO(v)	(((v) - ONES) & ~(v) & HIGHS)

/* text_word_plain tells whether 8 bytes are all in 0x20-0x7e. */
static int
text_word_plain(const unsigned char *p)
{
	uint64_t	 w;

	memcpy(&w, p, 8);
	return ((w & HIGHS) == 0 && (((w - 0x2020202020202020ULL) & ~w &
	    HIGHS) == 0) && HASZERO(w ^ 0x7f7f7f7f7f7f7f7fULL) == 0);
}

int
text_word_quiet(const unsigned char *p)
{
	uint64_t	 w;

	memcpy(&w, p, 8);
	return ((w & HIGHS) == 0 && HASZERO(w ^ 0x2626262626262626ULL) == 0 &&
	    HASZERO(w ^ 0x3c3c3c3c3c3c3c3cULL) == 0);
}

#ifdef __SSE2__
/*
 * With SSE2 (every x86-64), sixteen bytes are looked at in a few
 * instructions: each function gives a bit mask of the bytes of one class.
 */

/* sse_special: bytes below ' ' or from DEL up (signed compare: both). */
static inline unsigned int
sse_special(__m128i v)
{
	return (_mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v,
	    _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)))));
}

/* sse_markup: bytes that are '&', '<', or not ASCII. */
static inline unsigned int
sse_markup(__m128i v)
{
	return (_mm_movemask_epi8(_mm_or_si128(v, _mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('&')), _mm_cmpeq_epi8(v,
	    _mm_set1_epi8('<'))))));
}
#endif

size_t
text_quiet_len(const char *s, size_t len)
{
	size_t		 i = 0;
#ifdef __SSE2__
	unsigned int	 m;

	for (; i + 16 <= len; i += 16) {
		m = sse_markup(_mm_loadu_si128((const __m128i *)(s + i)));
		if (m != 0)
			return (i + __builtin_ctz(m));
	}
#else
	while (i + 8 <= len && text_word_quiet((const unsigned char *)s + i))
		i += 8;
#endif
	while (i < len && s[i] != '&' && s[i] != '<' &&
	    (unsigned char)s[i] < 0x80)
		i++;
	return (i);
}

size_t
text_span(const char *s, size_t len, int set)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
#ifdef __SSE2__
	__m128i			 v, x;
	unsigned int		 m;

	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(p + i));
		x = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
		if (set & TEXT_SPAN_QUOTE)
			x = _mm_or_si128(x, _mm_cmpeq_epi8(v,
			    _mm_set1_epi8('"')));
		m = _mm_movemask_epi8(x);
		if (set & TEXT_SPAN_PRINT)
			m |= sse_special(v);
		if (m != 0)
			return (i + __builtin_ctz(m));
	}
#endif
	for (; i < len; i++) {
		if (p[i] == '&' || p[i] == '<' || p[i] == '>' ||
		    ((set & TEXT_SPAN_QUOTE) && p[i] == '"') ||
		    ((set & TEXT_SPAN_PRINT) && (p[i] < ' ' || p[i] >= 0x7f)))
			break;
	}
	return (i);
}

int
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
	int			 n;

	while (i < len) {
		/* Runs of printable ASCII, many bytes at a time. */
#ifdef __SSE2__
		while (i + 16 <= len && sse_special(_mm_loadu_si128(
		    (const __m128i *)(p + i))) == 0)
			i += 16;
#endif
		while (i + 8 <= len && text_word_plain(p + i))
			i += 8;
		if (i == len)
			break;
		if (p[i] >= ' ' && p[i] < 0x7f) {
			i++;
			continue;
		}
		if (p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
			i++;
			continue;
		}
		if (p[i] < 0x80 || (n = text_utf8_len(p + i, len - i)) == -1)
			return (0);
		i += n;
	}
	return (1);
}

char *
text_utf8_clean(const char *s, size_t len)
{
	struct buf	 b;
	size_t		 i = 0, start = 0;
	unsigned char	 c;
	int		 n;

	buf_init(&b);
	/* Copy runs of good bytes at once: most text needs no change. */
	while (i < len) {
		c = s[i];
		if ((c >= ' ' && c != 0x7f && c < 0x80) || c == '\t' ||
		    c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c >= 0x80 && (n = text_utf8_len((const unsigned char *)s +
		    i, len - i)) != -1) {
			i += n;
			continue;
		}
		buf_add(&b, s + start, i - start);
		if (c >= 0x80)
			text_put_utf8(&b, 0xfffd);
		start = ++i;
	}
	buf_add(&b, s + start, i - start);
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

/* text_tag_span measures the bytes at s up to a '>' or a quote. */
static size_t
text_tag_span(const char *s, size_t len)
{
	size_t		 i = 0;
#ifdef __SSE2__
	__m128i		 v;
	unsigned int	 m;

	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(s + i));
		m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('>')), _mm_or_si128(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('"')), _mm_cmpeq_epi8(v,
		    _mm_set1_epi8('\'')))));
		if (m != 0)
			return (i + __builtin_ctz(m));
	}
#endif
	while (i < len && s[i] != '>' && s[i] != '"' && s[i] != '\'')
		i++;
	return (i);
}

/* text_skip_tag passes a tag at s; returns its length and its name. */
static size_t
text_tag(const char *s, size_t len, const char **name, size_t *nlen,
    int *closing)
{
	const char	*q;
	size_t		 i = 1;

	*closing = 0;
	*nlen = 0;
	if (i < len && s[i] == '/') {
		*closing = 1;
		i++;
	}
	*name = s + i;
	while (i < len && isalnum((unsigned char)s[i]))
		i++, (*nlen)++;
	while (i < len) {
		i += text_tag_span(s + i, len - i);
		if (i >= len)
			break;
		if (s[i] == '>')
			return (i + 1);
		/* A quoted value: '>' in it does not end the tag. */
		if ((q = memchr(s + i + 1, s[i], len - i - 1)) == NULL)
			break;
		i = q - s + 1;
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
	char	 low[12];
	size_t	 i;

	if (n == 0 || n >= sizeof low)
		return (0);
	for (i = 0; i < n; i++)
		low[i] = name[i] | 0x20;
	low[n] = '\0';
	/* The common tags first: p, a, b, i, em, span, strong. */
	if (n == 1)
		return (low[0] == 'p');
	for (i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		if (blocks[i][0] == low[0] && blocks[i][1] == low[1] &&
		    strcmp(blocks[i], low) == 0)
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

/* text_plain[c] is set for bytes copied as they are (not space, <, &). */
static unsigned char	 text_plain[256];

static void
text_plain_init(void)
{
	int	 c;

	for (c = 0x21; c < 0x7f; c++)
		text_plain[c] = c != '<' && c != '&';
}

/*
 * text_word_run tells whether 8 bytes can join a run as they are: ASCII
 * from space to '~' without '<', '&' or two spaces in a row, not ending
 * with a space (nor starting with one when first).
 */
static int
text_word_run(const unsigned char *p, int first)
{
	uint64_t	 w, x, sp;

	memcpy(&w, p, 8);
	if ((w & HIGHS) != 0 || ((w - 0x2020202020202020ULL) & ~w & HIGHS) ||
	    HASZERO(w ^ 0x7f7f7f7f7f7f7f7fULL) ||
	    HASZERO(w ^ 0x3c3c3c3c3c3c3c3cULL) ||
	    HASZERO(w ^ 0x2626262626262626ULL))
		return (0);
	/* Exactly the bytes that are spaces, 0x80 in each. */
	x = w ^ 0x2020202020202020ULL;
	sp = ~(((x & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | x |
	    0x7f7f7f7f7f7f7f7fULL);
	if ((sp & (sp << 8)) != 0 || (sp & 0x8000000000000000ULL) != 0 ||
	    (first && (sp & 0x80) != 0))
		return (0);
	return (1);
}

#ifdef __SSE2__
/*
 * text_run16 measures the part of 16 bytes at s that text_run takes as
 * it is: plain bytes, and spaces followed by one (not the first byte of
 * a run, nor the last of the 16: text_run looks at those itself).
 */
static inline int
text_run16(const unsigned char *s, int first)
{
	__m128i		 v = _mm_loadu_si128((const __m128i *)s);
	unsigned int	 plain, sp, ok;

	plain = ~(sse_special(v) | _mm_movemask_epi8(_mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('&')), _mm_cmpeq_epi8(v,
	    _mm_set1_epi8('<')))))) & 0xffff;
	sp = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
	if (first)
		sp &= ~1U;
	ok = plain | (sp & (plain >> 1));
	return (__builtin_ctz(~ok | 0x10000));
}
#endif

/* text_run measures the run at s that needs no work: words, single spaces. */
static size_t
text_run(const char *html, size_t i, size_t len)
{
	const unsigned char	*s = (const unsigned char *)html;
	size_t			 n = i;
	int			 u;
#ifdef __SSE2__
	int			 k;
#endif

	while (n < len) {
#ifdef __SSE2__
		if (n + 16 <= len) {
			k = text_run16(s + n, n == i);
			n += k;
			if (k == 16)
				continue;
		}
		if (n >= len)
			break;
#endif
		if (n + 8 <= len && text_word_run(s + n, n == i)) {
			n += 8;
		} else if (text_plain[s[n]]) {
			n++;
		} else if (s[n] == ' ' && n > i && n + 1 < len &&
		    text_plain[s[n + 1]]) {
			n += 2;
		} else if (s[n] >= 0x80 && !(s[n] == 0xc2 && n + 1 < len &&
		    s[n + 1] == 0xa0) && (u = text_utf8_len(s + n, len - n)) > 0) {
			n += u;
		} else
			break;
	}
	return (n - i);
}

/* text_markup passes a tag, comment or raw-text element at i. */
static size_t
text_markup(const char *html, size_t i, size_t len, int *space)
{
	const char	*name;
	size_t		 nlen, start = i;
	int		 closing;

	if (len - i >= 4 && strncmp(html + i, "<!--", 4) == 0) {
		name = memmem(html + i + 4, len - i - 4, "-->", 3);
		return (name == NULL ? len - i : (size_t)(name - html) + 3 - i);
	}
	i += text_tag(html + i, len - i, &name, &nlen, &closing);
	if (!closing && ((nlen == 6 && strncasecmp(name, "script", 6) == 0) ||
	    (nlen == 5 && strncasecmp(name, "style", 5) == 0)))
		i += text_raw_end(html + i, len - i, name, nlen);
	if (text_is_block(name, nlen))
		*space = 1;
	return (i - start);
}

void
text_append_html(struct buf *b, const char *html, size_t len, size_t max)
{
	size_t		 i, n, start = b->len;
	unsigned int	 code;
	int		 space = 0, u;

	if (!text_plain['a'])
		text_plain_init();
	for (i = 0; i < len && (max == 0 || b->len - start < max);) {
		if ((n = text_run(html, i, len)) > 0) {
			if (space && b->len > start)
				buf_putc(b, ' ');
			space = 0;
			buf_add(b, html + i, n);
			i += n;
			continue;
		}
		if (html[i] == '<' && i + 1 < len &&
		    (isalpha((unsigned char)html[i + 1]) || html[i + 1] == '/' ||
		    html[i + 1] == '!' || html[i + 1] == '?')) {
			i += text_markup(html, i, len, &space);
			continue;
		}
		if (html[i] == '&' && (n = text_ref(html + i, len - i,
		    &code)) > 0)
			i += n;
		else if ((u = text_utf8_len((const unsigned char *)html + i,
		    len - i)) == -1) {
			code = 0xfffd;
			i++;
		} else if (u == 2) {
			code = 0xa0;	/* the only one text_run leaves */
			i += 2;
		} else
			code = (unsigned char)html[i++];
		if (code == 0xa0 || code <= ' ' || code == 0x7f) {
			space = 1;
			continue;
		}
		if (space && b->len > start)
			buf_putc(b, ' ');
		space = 0;
		text_put_utf8(b, code);
	}
	if (max > 0 && b->len - start > max) {
		n = start + max;
		while (n > start && ((unsigned char)b->data[n] & 0xc0) == 0x80)
			n--;
		b->data[n] = '\0';
		b->len = n;
	}
}

char *
text_from_html(const char *html, size_t len, size_t max)
{
	struct buf	 b;

	buf_init(&b);
	text_append_html(&b, html, len, max);
	if (b.data == NULL)
		return (xstrdup(""));
	return (buf_steal(&b));
}
