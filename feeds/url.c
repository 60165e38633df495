/*
 * url.c: URLs as feeds use them: resolving references (RFC 3986, section
 * 5), the canonical form under which the same article is recognized across
 * feeds, and the registrable domain (via libpsl) that politeness limits
 * are counted against.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libpsl.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

#define URL_MAX	8192

/* The five parts of a reference; each NULL when absent. */
struct url_parts {
	char	*scheme;
	char	*authority;
	char	*path;		/* never NULL after url_split */
	char	*query;
	char	*fragment;
};

/* Query parameters that only track the reader; dropped for dedup. */
static const char *url_trackers[] = { "fbclid", "gclid", "dclid", "msclkid",
    "mc_eid", "mc_cid", "yclid", "igshid", "_hsenc", "_hsmi", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "_ga", "_gl" };

static void
url_parts_clear(struct url_parts *u)
{
	free(u->scheme);
	free(u->authority);
	free(u->path);
	free(u->query);
	free(u->fragment);
	memset(u, 0, sizeof *u);
}

/* url_clean copies s without surrounding blanks and inner tabs/newlines. */
static char *
url_clean(const char *s)
{
	struct buf	 b;
	size_t		 n;

	while (*s != '\0' && (unsigned char)*s <= ' ')
		s++;
	n = strlen(s);
	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		n--;
	if (n > URL_MAX)
		return (NULL);
	buf_init(&b);
	for (; n > 0; s++, n--) {
		if (*s == '\t' || *s == '\n' || *s == '\r')
			continue;
		if (*s == ' ')
			buf_puts(&b, "%20");
		else if ((unsigned char)*s < ' ' || *s == 0x7f)
			buf_printf(&b, "%%%02X", (unsigned char)*s);
		else
			buf_putc(&b, *s);
	}
	return (buf_steal(&b));
}

/* url_scheme_len gives the length of s's scheme, 0 when it has none. */
static size_t
url_scheme_len(const char *s)
{
	size_t	 i;

	if (!isalpha((unsigned char)s[0]))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (s[i] == ':')
			return (i);
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return (0);
	}
	return (0);
}

/* url_split cuts a reference into its parts (RFC 3986, appendix B). */
static void
url_split(const char *s, struct url_parts *u)
{
	size_t	 n;

	memset(u, 0, sizeof *u);
	if ((n = url_scheme_len(s)) > 0) {
		u->scheme = xstrndup(s, n);
		s += n + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		s += 2;
		n = strcspn(s, "/?#");
		u->authority = xstrndup(s, n);
		s += n;
	}
	n = strcspn(s, "?#");
	u->path = xstrndup(s, n);
	s += n;
	if (*s == '?') {
		n = strcspn(++s, "#");
		u->query = xstrndup(s, n);
		s += n;
	}
	if (*s == '#')
		u->fragment = xstrdup(s + 1);
}

/* url_remove_dots applies RFC 3986 5.2.4 to path, in place. */
static void
url_remove_dots(char *path)
{
	char	*in = path, *out = path, *p;

	while (*in != '\0') {
		if (strncmp(in, "../", 3) == 0)
			in += 3;
		else if (strncmp(in, "./", 2) == 0)
			in += 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0)
			in[1] = '\0';
		else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			if (in[3] == '\0') {
				in += 2;
				*in = '/';
			} else
				in += 3;
			if ((p = memrchr(path, '/', out - path)) != NULL)
				out = p;
			else
				out = path;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			in += strlen(in);
		else {
			if (*in == '/')
				*out++ = *in++;
			while (*in != '\0' && *in != '/')
				*out++ = *in++;
		}
	}
	*out = '\0';
}

/* url_join writes the parts back as one string. */
static char *
url_join(const struct url_parts *u, int fragment)
{
	struct buf	 b;

	buf_init(&b);
	if (u->scheme != NULL)
		buf_printf(&b, "%s:", u->scheme);
	if (u->authority != NULL)
		buf_printf(&b, "//%s", u->authority);
	buf_puts(&b, u->path);
	if (u->query != NULL)
		buf_printf(&b, "?%s", u->query);
	if (fragment && u->fragment != NULL)
		buf_printf(&b, "#%s", u->fragment);
	return (buf_steal(&b));
}

/* url_merge merges a relative path with the base's (RFC 3986 5.2.3). */
static char *
url_merge(const struct url_parts *base, const char *path)
{
	const char	*slash;
	char		*out;

	if (base->authority != NULL && base->path[0] == '\0') {
		xasprintf(&out, "/%s", path);
		return (out);
	}
	if ((slash = strrchr(base->path, '/')) == NULL)
		return (xstrdup(path));
	xasprintf(&out, "%.*s%s", (int)(slash - base->path + 1), base->path,
	    path);
	return (out);
}

/* url_target resolves ref against base into t (RFC 3986 5.2.2). */
static void
url_target(const struct url_parts *b, struct url_parts *r,
    struct url_parts *t)
{
	memset(t, 0, sizeof *t);
	t->scheme = xstrdup(b->scheme);
	t->fragment = r->fragment;
	r->fragment = NULL;
	if (r->authority != NULL) {
		t->authority = r->authority;
		t->path = r->path;
		t->query = r->query;
		r->authority = r->path = r->query = NULL;
		url_remove_dots(t->path);
		return;
	}
	t->authority = xstrdup0(b->authority);
	if (r->path[0] == '\0') {
		t->path = xstrdup(b->path);
		if (r->query != NULL) {
			t->query = r->query;
			r->query = NULL;
		} else
			t->query = xstrdup0(b->query);
		return;
	}
	if (r->path[0] == '/')
		t->path = xstrdup(r->path);
	else
		t->path = url_merge(b, r->path);
	url_remove_dots(t->path);
	t->query = r->query;
	r->query = NULL;
}

#define URL_ODD_HIGH	0x1	/* url_odd: bytes from 0x7f up are odd too */
#define URL_ODD_ESC	0x2	/* ...and '%' */

/*
 * url_odd measures the bytes at s that need no look: not a blank or a
 * control, DEL, '.', '?' or '#' (and with flags, bytes from 0x7f up, '%').
 * Sixteen at a time with SSE2 (every x86-64).
 */
static size_t
url_odd(const char *s, size_t n, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0;
#ifdef __SSE2__
	__m128i			 v, x;
	unsigned int		 m;

	for (; i + 16 <= n; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(p + i));
		x = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v,
		    _mm_set1_epi8(' ')), v), _mm_or_si128(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8(0x7f)), _mm_or_si128(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('.')), _mm_or_si128(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('?')), _mm_cmpeq_epi8(v, _mm_set1_epi8('#'))))));
		if (flags & URL_ODD_HIGH)
			x = _mm_or_si128(x, _mm_cmpeq_epi8(_mm_max_epu8(v,
			    _mm_set1_epi8(0x7f)), v));
		if (flags & URL_ODD_ESC)
			x = _mm_or_si128(x, _mm_cmpeq_epi8(v,
			    _mm_set1_epi8('%')));
		if ((m = _mm_movemask_epi8(x)) != 0)
			return (i + __builtin_ctz(m));
	}
#endif
	for (; i < n; i++) {
		if (p[i] <= ' ' || p[i] == 0x7f || p[i] == '.' || p[i] == '?' ||
		    p[i] == '#' || ((flags & URL_ODD_HIGH) && p[i] >= 0x7f) ||
		    ((flags & URL_ODD_ESC) && p[i] == '%'))
			break;
	}
	return (i);
}

/* url_dots tells whether the '.' at p (after a '/') starts a dot segment. */
static int
url_dots(const char *p, const char *ends)
{
	if (p[1] == '\0' || strchr(ends, p[1]) != NULL)
		return (1);
	return (p[1] == '.' && (p[2] == '\0' || strchr(ends, p[2]) != NULL));
}

/*
 * url_plain tells whether ref is an absolute http(s) URL that resolving
 * would leave as it is: no blanks or controls, no dot segments.  Most
 * links in feeds are; they skip the general path.
 */
static int
url_plain(const char *ref)
{
	size_t	 n, i;
	int	 path = 1;

	if (strncmp(ref, "https://", 8) != 0 && strncmp(ref, "http://", 7) != 0)
		return (0);
	if ((n = strlen(ref)) > URL_MAX)
		return (0);
	for (i = 0; (i += url_odd(ref + i, n - i, 0)) < n; i++) {
		if ((unsigned char)ref[i] <= ' ' || ref[i] == 0x7f)
			return (0);
		if (ref[i] == '?' || ref[i] == '#')
			path = 0;
		else if (path && ref[i - 1] == '/' && url_dots(ref + i, "/?#"))
			return (0);
	}
	return (1);
}

char *
url_resolve(const char *base, const char *ref)
{
	struct url_parts	 b, r, t;
	char			*cref, *cbase = NULL, *out = NULL;

	if (ref != NULL && url_plain(ref))
		return (xstrdup(ref));
	if (ref == NULL || (cref = url_clean(ref)) == NULL)
		return (NULL);
	if (url_scheme_len(cref) > 0) {
		url_split(cref, &r);
		url_remove_dots(r.path);
		out = url_join(&r, 1);
		url_parts_clear(&r);
		free(cref);
		return (out);
	}
	if (base != NULL && (cbase = url_clean(base)) != NULL &&
	    url_scheme_len(cbase) > 0) {
		url_split(cbase, &b);
		url_split(cref, &r);
		url_target(&b, &r, &t);
		out = url_join(&t, 1);
		url_parts_clear(&b);
		url_parts_clear(&r);
		url_parts_clear(&t);
	}
	free(cbase);
	free(cref);
	return (out);
}

/* url_is_tracker tells whether a query parameter name only tracks. */
static int
url_is_tracker(const char *name, size_t n)
{
	size_t	 i;

	if (n > 4 && strncasecmp(name, "utm_", 4) == 0)
		return (1);
	for (i = 0; i < sizeof url_trackers / sizeof url_trackers[0]; i++) {
		if (strlen(url_trackers[i]) == n &&
		    strncasecmp(name, url_trackers[i], n) == 0)
			return (1);
	}
	return (0);
}

/* url_strip_query drops tracking parameters; NULL when nothing is left. */
static char *
url_strip_query(const char *q)
{
	struct buf	 b;
	size_t		 n, k;

	buf_init(&b);
	while (*q != '\0') {
		n = strcspn(q, "&;");
		k = strcspn(q, "=");
		if (k > n)
			k = n;
		if (n > 0 && !url_is_tracker(q, k)) {
			if (b.len > 0)
				buf_putc(&b, '&');
			buf_add(&b, q, n);
		}
		q += n;
		if (*q != '\0')
			q++;
	}
	if (b.len == 0) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/* url_host_port lower-cases the host and drops userinfo and default port. */
static char *
url_host_port(const char *auth, const char *scheme)
{
	const char	*at, *colon, *end;
	char		*out, *p;

	if ((at = strrchr(auth, '@')) != NULL)
		auth = at + 1;
	end = auth + strlen(auth);
	colon = strrchr(auth, ':');
	if (colon != NULL && strchr(colon, ']') != NULL)
		colon = NULL;
	if (colon != NULL && (colon[1] == '\0' ||
	    (strcmp(scheme, "http") == 0 && strcmp(colon, ":80") == 0) ||
	    (strcmp(scheme, "https") == 0 && strcmp(colon, ":443") == 0)))
		end = colon;
	out = xstrndup(auth, end - auth);
	for (p = out; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	while (p - out > 1 && p[-1] == '.')
		*--p = '\0';
	return (out);
}

/* url_upper_escapes makes %xx escapes upper-case, in place. */
static void
url_upper_escapes(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			s[1] = toupper((unsigned char)s[1]);
			s[2] = toupper((unsigned char)s[2]);
			s += 2;
		}
	}
}

/*
 * url_is_canonical tells whether url is already in canonical form, the common
 * case (a lower-case http(s) host, a path without dot segments or
 * lower-case escapes, no port, query or fragment), so that url_canonical
 * can copy it instead of taking it apart: a fifth of a feed's parse went
 * there.  NOTE: every rule of url_canonical must fail this test.
 */
static int
url_is_canonical(const char *url)
{
	const unsigned char	*p = (const unsigned char *)url;
	size_t			 n, i;

	if (strncmp(url, "http://", 7) == 0)
		p += 7;
	else if (strncmp(url, "https://", 8) == 0)
		p += 8;
	else
		return (0);
	if (*p == '.' || *p == '/')
		return (0);
	for (; *p != '/'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.'))
			return (0);
	}
	if (p[-1] == '.')
		return (0);
	if ((n = strlen((const char *)p)) + (p - (const unsigned char *)url) >
	    URL_MAX)
		return (0);
	for (i = 0; (i += url_odd((const char *)p + i, n - i, URL_ODD_HIGH |
	    URL_ODD_ESC)) < n; i++) {
		switch (p[i]) {
		case '%':
			if ((p[i + 1] >= 'a' && p[i + 1] <= 'f') ||
			    (p[i + 1] != '\0' && p[i + 2] >= 'a' &&
			    p[i + 2] <= 'f'))
				return (0);
			break;
		case '.':
			if (p[i - 1] == '/' && url_dots((const char *)p + i, "/"))
				return (0);
			break;
		default:
			return (0);
		}
	}
	return (1);
}

char *
url_canonical(const char *url)
{
	struct url_parts	 u;
	char			*c, *p, *q, *out = NULL;

	if (url != NULL && url_is_canonical(url))
		return (xstrdup(url));
	if (url == NULL || (c = url_clean(url)) == NULL)
		return (NULL);
	url_split(c, &u);
	free(c);
	if (u.scheme == NULL || u.authority == NULL)
		goto done;
	for (p = u.scheme; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
		goto done;
	p = url_host_port(u.authority, u.scheme);
	free(u.authority);
	u.authority = p;
	if (*p == '\0')
		goto done;
	url_remove_dots(u.path);
	if (u.path[0] == '\0') {
		free(u.path);
		u.path = xstrdup("/");
	}
	url_upper_escapes(u.path);
	if (u.query != NULL) {
		q = url_strip_query(u.query);
		free(u.query);
		u.query = q;
	}
	out = url_join(&u, 0);
done:
	url_parts_clear(&u);
	return (out);
}

/* url_psl gives the public suffix list, loaded once. */
static const psl_ctx_t *
url_psl(void)
{
	static psl_ctx_t	*ctx;
	static int		 tried;

	if (!tried) {
		tried = 1;
		ctx = psl_latest(NULL);
	}
	if (ctx != NULL)
		return (ctx);
	return (psl_builtin());
}

char *
url_site(const char *url)
{
	struct url_parts	 u;
	const psl_ctx_t		*psl;
	const char		*reg;
	char			*c, *host, *out = NULL;

	if (url == NULL || (c = url_clean(url)) == NULL)
		return (NULL);
	url_split(c, &u);
	free(c);
	if (u.authority == NULL) {
		url_parts_clear(&u);
		return (NULL);
	}
	host = url_host_port(u.authority, "");
	url_parts_clear(&u);
	if ((c = strrchr(host, ':')) != NULL && strchr(c, ']') == NULL)
		*c = '\0';
	if (*host == '\0') {
		free(host);
		return (NULL);
	}
	psl = url_psl();
	if (host[0] != '[' && strspn(host, "0123456789.") != strlen(host) &&
	    psl != NULL && (reg = psl_registrable_domain(psl, host)) != NULL)
		out = xstrdup(reg);
	else
		out = xstrdup(host);
	free(host);
	return (out);
}
