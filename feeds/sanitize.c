/*
 * sanitize.c: the allowlist HTML sanitizer.  Feeds carry HTML written by
 * strangers; we parse it as a browser would (gumbo, an HTML5 parser: a
 * different tree than the browser's is how XSS slips through) and write
 * back only the elements and attributes a reader needs, with URLs made
 * absolute and limited to safe schemes.  Everything that can run code,
 * restyle the page or phone home is dropped: scripts, styles, event
 * handlers, forms, frames, plugins, SVG and MathML, tracking pixels.
 *
 * Elements are kept (with their allowed attributes), unwrapped (their
 * children kept, e.g. span or font), or dropped with their whole subtree.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "buf.h"
#include "feeds.h"
#include "xmalloc.h"

#define SAN_MAX_DEPTH	256	/* deeper subtrees are dropped */
#define SAN_MAX_NESTING	2000	/* deeper fragments are reduced to text */
#define SAN_MAX_NEST	512	/* elements open at once given to gumbo */
#define SAN_MAX_ATTRS	128	/* attributes of one tag given to gumbo */

/* Allowed elements and their attributes (besides san_global). */
static const char *san_attrs[GUMBO_TAG_LAST] = {
	[GUMBO_TAG_A] = " href hreflang ",
	[GUMBO_TAG_ABBR] = " ",
	[GUMBO_TAG_ACRONYM] = " ",
	[GUMBO_TAG_ADDRESS] = " ",
	[GUMBO_TAG_ARTICLE] = " ",
	[GUMBO_TAG_ASIDE] = " ",
	[GUMBO_TAG_AUDIO] = " src controls ",
	[GUMBO_TAG_B] = " ",
	[GUMBO_TAG_BDI] = " ",
	[GUMBO_TAG_BDO] = " ",
	[GUMBO_TAG_BIG] = " ",
	[GUMBO_TAG_BLOCKQUOTE] = " cite ",
	[GUMBO_TAG_BR] = " ",
	[GUMBO_TAG_CAPTION] = " ",
	[GUMBO_TAG_CITE] = " ",
	[GUMBO_TAG_CODE] = " ",
	[GUMBO_TAG_COL] = " span ",
	[GUMBO_TAG_COLGROUP] = " span ",
	[GUMBO_TAG_DD] = " ",
	[GUMBO_TAG_DEL] = " cite datetime ",
	[GUMBO_TAG_DETAILS] = " ",
	[GUMBO_TAG_DFN] = " ",
	[GUMBO_TAG_DIV] = " ",
	[GUMBO_TAG_DL] = " ",
	[GUMBO_TAG_DT] = " ",
	[GUMBO_TAG_EM] = " ",
	[GUMBO_TAG_FIGCAPTION] = " ",
	[GUMBO_TAG_FIGURE] = " ",
	[GUMBO_TAG_FOOTER] = " ",
	[GUMBO_TAG_H1] = " ",
	[GUMBO_TAG_H2] = " ",
	[GUMBO_TAG_H3] = " ",
	[GUMBO_TAG_H4] = " ",
	[GUMBO_TAG_H5] = " ",
	[GUMBO_TAG_H6] = " ",
	[GUMBO_TAG_HEADER] = " ",
	[GUMBO_TAG_HR] = " ",
	[GUMBO_TAG_I] = " ",
	[GUMBO_TAG_IMG] = " src alt width height ",
	[GUMBO_TAG_INS] = " cite datetime ",
	[GUMBO_TAG_KBD] = " ",
	[GUMBO_TAG_LI] = " value ",
	[GUMBO_TAG_MARK] = " ",
	[GUMBO_TAG_OL] = " start type reversed ",
	[GUMBO_TAG_P] = " ",
	[GUMBO_TAG_PRE] = " ",
	[GUMBO_TAG_Q] = " cite ",
	[GUMBO_TAG_RP] = " ",
	[GUMBO_TAG_RT] = " ",
	[GUMBO_TAG_RUBY] = " ",
	[GUMBO_TAG_S] = " ",
	[GUMBO_TAG_SAMP] = " ",
	[GUMBO_TAG_SECTION] = " ",
	[GUMBO_TAG_SMALL] = " ",
	[GUMBO_TAG_SOURCE] = " src type ",
	[GUMBO_TAG_STRIKE] = " ",
	[GUMBO_TAG_STRONG] = " ",
	[GUMBO_TAG_SUB] = " ",
	[GUMBO_TAG_SUMMARY] = " ",
	[GUMBO_TAG_SUP] = " ",
	[GUMBO_TAG_TABLE] = " ",
	[GUMBO_TAG_TBODY] = " ",
	[GUMBO_TAG_TD] = " colspan rowspan headers ",
	[GUMBO_TAG_TFOOT] = " ",
	[GUMBO_TAG_TH] = " colspan rowspan headers scope ",
	[GUMBO_TAG_THEAD] = " ",
	[GUMBO_TAG_TIME] = " datetime ",
	[GUMBO_TAG_TR] = " ",
	[GUMBO_TAG_TT] = " ",
	[GUMBO_TAG_U] = " ",
	[GUMBO_TAG_UL] = " ",
	[GUMBO_TAG_VAR] = " ",
	[GUMBO_TAG_VIDEO] = " src poster controls width height ",
	[GUMBO_TAG_WBR] = " ",
};

static const char san_global[] = " title lang dir ";

/* Elements dropped with everything inside them. */
static const GumboTag san_drop[] = {
	GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_NOSCRIPT,
	GUMBO_TAG_IFRAME, GUMBO_TAG_FRAME, GUMBO_TAG_FRAMESET,
	GUMBO_TAG_NOFRAMES, GUMBO_TAG_OBJECT, GUMBO_TAG_EMBED,
	GUMBO_TAG_APPLET, GUMBO_TAG_PARAM, GUMBO_TAG_INPUT,
	GUMBO_TAG_BUTTON, GUMBO_TAG_SELECT, GUMBO_TAG_OPTION,
	GUMBO_TAG_OPTGROUP, GUMBO_TAG_TEXTAREA, GUMBO_TAG_KEYGEN,
	GUMBO_TAG_DATALIST, GUMBO_TAG_OUTPUT, GUMBO_TAG_TEMPLATE,
	GUMBO_TAG_HEAD, GUMBO_TAG_TITLE, GUMBO_TAG_META, GUMBO_TAG_LINK,
	GUMBO_TAG_BASE, GUMBO_TAG_SVG, GUMBO_TAG_MATH, GUMBO_TAG_XMP,
	GUMBO_TAG_PLAINTEXT, GUMBO_TAG_NOEMBED, GUMBO_TAG_MENUITEM,
	GUMBO_TAG_CANVAS, GUMBO_TAG_MAP, GUMBO_TAG_AREA, GUMBO_TAG_TRACK,
	GUMBO_TAG_IMAGE, GUMBO_TAG_ISINDEX,
};

/* Elements written without an end tag. */
static int
san_is_void(GumboTag t)
{
	return (t == GUMBO_TAG_BR || t == GUMBO_TAG_HR || t == GUMBO_TAG_IMG ||
	    t == GUMBO_TAG_WBR || t == GUMBO_TAG_SOURCE || t == GUMBO_TAG_COL);
}

static int
san_is_dropped(GumboTag t)
{
	size_t	 i;

	for (i = 0; i < sizeof san_drop / sizeof san_drop[0]; i++) {
		if (san_drop[i] == t)
			return (1);
	}
	return (0);
}

/* san_listed tells whether name appears in a " a b c " list. */
static int
san_listed(const char *list, const char *name)
{
	const char	*p;
	size_t		 n = strlen(name);

	if (n == 0 || strchr(name, ' ') != NULL)
		return (0);
	for (p = list; (p = strstr(p, name)) != NULL; p++) {
		if (p[-1] == ' ' && p[n] == ' ')
			return (1);
	}
	return (0);
}

/* san_escape appends s escaped for text (attr = 0) or an attribute. */
static void
san_escape(struct buf *b, const char *s, size_t n, int attr)
{
	size_t	 i, start = 0;

	for (i = 0; i < n; i++) {
		const char	*rep;

		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = attr ? "&quot;" : NULL;
			break;
		case '\0':
			rep = "\xef\xbf\xbd";
			break;
		default:
			rep = NULL;
		}
		if (rep == NULL)
			continue;
		buf_add(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_add(b, s + start, n - start);
}

/*
 * san_data_image accepts data: URLs of raster images only, with
 * parameters ("data:image/png;base64,"): never SVG, which can run script.
 */
static int
san_data_image(const char *v)
{
	static const char *types[] = { "data:image/png;", "data:image/gif;",
	    "data:image/jpeg;", "data:image/jpg;", "data:image/webp;" };
	size_t	 i, n;

	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		n = strlen(types[i]);
		if (strncasecmp(v, types[i], n) == 0)
			return (strpbrk(v, "\"'<> \t\n") == NULL);
	}
	return (0);
}

/*
 * san_url checks and resolves a URL attribute; NULL drops it.  kind is
 * 'a' (links: http, https, mailto), 'i' (images: also raster data:) or
 * 'm' (other media and citations: http, https).
 */
static char *
san_url(const char *v, const char *base, int kind)
{
	char	*u;
	size_t	 n;

	while (*v != '\0' && (unsigned char)*v <= ' ')
		v++;
	if (kind == 'i' && strncasecmp(v, "data:", 5) == 0)
		return (san_data_image(v) ? xstrdup(v) : NULL);
	if (kind == 'a' && strncasecmp(v, "mailto:", 7) == 0)
		return (strpbrk(v, "\"'<>") == NULL ? xstrdup(v) : NULL);
	if ((u = url_resolve(base, v)) == NULL) {
		/* No base: keep a relative reference that has no scheme. */
		n = strcspn(v, "/?#");
		if (memchr(v, ':', n) != NULL || strpbrk(v, "\t\n\r") != NULL)
			return (NULL);
		return (xstrdup(v));
	}
	if (strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0)
		return (u);
	free(u);
	return (NULL);
}

/* san_pixel tells whether an img is a tracking pixel (or invisible). */
static int
san_pixel(const GumboElement *e)
{
	GumboAttribute	*w, *h;

	w = gumbo_get_attribute(&e->attributes, "width");
	h = gumbo_get_attribute(&e->attributes, "height");
	if (w == NULL || h == NULL)
		return (0);
	return (atoi(w->value) <= 1 && atoi(h->value) <= 1);
}

/* san_attr writes one attribute if allowed; returns 1 when written. */
static int
san_attr(struct buf *b, GumboTag tag, const GumboAttribute *a,
    const char *base)
{
	char	*u = NULL;
	int	 kind;

	if (!san_listed(san_global, a->name) &&
	    !san_listed(san_attrs[tag], a->name))
		return (0);
	if (strcmp(a->name, "href") == 0 || strcmp(a->name, "src") == 0 ||
	    strcmp(a->name, "cite") == 0 || strcmp(a->name, "poster") == 0) {
		kind = tag == GUMBO_TAG_A ? 'a' : tag == GUMBO_TAG_IMG &&
		    strcmp(a->name, "src") == 0 ? 'i' : 'm';
		if ((u = san_url(a->value, base, kind)) == NULL)
			return (0);
	}
	buf_printf(b, " %s=\"", a->name);
	if (u != NULL)
		san_escape(b, u, strlen(u), 1);
	else
		san_escape(b, a->value, strlen(a->value), 1);
	buf_putc(b, '"');
	free(u);
	return (1);
}

static void	san_node(struct buf *, const GumboNode *, const char *, int);

static void
san_children(struct buf *b, const GumboVector *v, const char *base, int depth)
{
	unsigned int	 i;

	for (i = 0; i < v->length; i++)
		san_node(b, v->data[i], base, depth + 1);
}

/* san_element writes an element: kept, unwrapped or dropped. */
static void
san_element(struct buf *b, const GumboElement *e, const char *base,
    int depth)
{
	const GumboNode	*first;
	unsigned int	 i;
	size_t		 start = b->len;
	int		 has_src = 0;

	if (e->tag_namespace != GUMBO_NAMESPACE_HTML || san_is_dropped(e->tag))
		return;
	if (e->tag >= GUMBO_TAG_LAST || san_attrs[e->tag] == NULL) {
		san_children(b, &e->children, base, depth);
		return;
	}
	if (e->tag == GUMBO_TAG_IMG && san_pixel(e))
		return;
	buf_printf(b, "<%s", gumbo_normalized_tagname(e->tag));
	for (i = 0; i < e->attributes.length; i++) {
		const GumboAttribute *a = e->attributes.data[i];

		if (san_attr(b, e->tag, a, base) &&
		    strcmp(a->name, "src") == 0)
			has_src = 1;
	}
	if (e->tag == GUMBO_TAG_IMG && !has_src) {
		/* An image without a usable source shows nothing: undo. */
		b->len = start;
		b->data[b->len] = '\0';
		return;
	}
	buf_putc(b, '>');
	if (san_is_void(e->tag))
		return;
	if (e->tag == GUMBO_TAG_PRE && e->children.length > 0) {
		first = e->children.data[0];
		if (first->type == GUMBO_NODE_TEXT &&
		    first->v.text.text[0] == '\n')
			buf_putc(b, '\n');
	}
	san_children(b, &e->children, base, depth);
	buf_printf(b, "</%s>", gumbo_normalized_tagname(e->tag));
}

static void
san_node(struct buf *b, const GumboNode *n, const char *base, int depth)
{
	if (depth > SAN_MAX_DEPTH)
		return;
	switch (n->type) {
	case GUMBO_NODE_ELEMENT:
		san_element(b, &n->v.element, base, depth);
		break;
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
		san_escape(b, n->v.text.text, strlen(n->v.text.text), 0);
		break;
	default:
		/* comments, CDATA (only in foreign content), documents */
		break;
	}
}

/*
 * san_depth estimates the nesting depth of an HTML fragment: start tags
 * minus end tags.  It over-counts (unclosed p, li), which is fine: it
 * only guards gumbo, whose tree building is quadratic in the depth.
 */
static int
san_depth(const char *s, size_t len)
{
	const char	*p, *end = s + len;
	int		 depth = 0, max = 0;

	for (p = s; (p = memchr(p, '<', end - p)) != NULL && p + 1 < end; p++) {
		if (p[1] == '/')
			depth--;
		else if (isalpha((unsigned char)p[1]) && ++depth > max)
			max = depth;
	}
	return (max);
}

/* san_text is the fallback for hostile nesting: the text, escaped. */
static char *
san_text(const char *html, size_t len)
{
	struct buf	 b;
	char		*t;

	t = text_from_html(html, len, 0);
	buf_init(&b);
	san_escape(&b, t, strlen(t), 0);
	free(t);
	return (buf_steal(&b));
}

/* san_tag_end returns the end of the tag at p ('<'): its '>' or the end. */
static const char *
san_tag_end(const char *p, int *nattrs)
{
	char	 q = 0;
	int	 space = 0;

	*nattrs = 0;
	for (p++; *p != '\0'; p++) {
		if (q != 0) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '>') {
			return (p);
		} else if (isspace((unsigned char)*p) || *p == '/') {
			space = 1;
		} else if (space && *p != '=') {
			space = 0;
			(*nattrs)++;
		}
	}
	return (p);
}

/* san_tag_name reads the tag name after "<" or "</". */
static GumboTag
san_tag_name(const char *p)
{
	size_t	 n = 0;

	while (isalnum((unsigned char)p[n]))
		n++;
	return (gumbo_tagn_enum(p, (unsigned int)n));
}

/* san_nests tells whether a start tag stays open (not void or implied). */
static int
san_nests(GumboTag t, const char *end)
{
	switch (t) {
	case GUMBO_TAG_P: case GUMBO_TAG_LI: case GUMBO_TAG_DT:
	case GUMBO_TAG_DD: case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP:
	case GUMBO_TAG_TR: case GUMBO_TAG_TD: case GUMBO_TAG_TH:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
	case GUMBO_TAG_RB: case GUMBO_TAG_RT: case GUMBO_TAG_RP:
	case GUMBO_TAG_COLGROUP: case GUMBO_TAG_HTML: case GUMBO_TAG_HEAD:
	case GUMBO_TAG_BODY:
		return (0);
	default:
		return (!san_is_void(t) && !(*end == '>' && end[-1] == '/'));
	}
}

/*
 * san_bound copies html without the start tags that would hold more than
 * SAN_MAX_NEST elements open at once or that carry more than SAN_MAX_ATTRS
 * attributes; their text is kept.  NOTE: gumbo's tree construction is
 * quadratic in the depth of open elements and in the attributes of a tag,
 * and its destructor recurses: 100,000 nested tags cost seconds and then
 * overflow the stack.  san_node drops what is deeper than SAN_MAX_DEPTH
 * anyway, so nothing a reader would see is lost.
 */
static char *
san_bound(const char *html)
{
	GumboTag	 stack[SAN_MAX_NEST], t;
	struct buf	 b;
	const char	*p = html, *end;
	int		 depth = 0, i, nattrs;

	buf_init(&b);
	while (*p != '\0') {
		if (*p != '<') {
			/* Text: copied up to the next tag in one go. */
			end = strchr(p, '<');
			if (end == NULL)
				end = p + strlen(p);
			buf_add(&b, p, (size_t)(end - p));
			p = end;
			continue;
		}
		if (!(isalpha((unsigned char)p[1]) ||
		    (p[1] == '/' && isalpha((unsigned char)p[2])))) {
			buf_putc(&b, *p++);
			continue;
		}
		end = san_tag_end(p, &nattrs);
		if (p[1] == '/') {
			t = san_tag_name(p + 2);
			for (i = depth - 1; i >= 0 && stack[i] != t; i--)
				continue;
			if (i >= 0)
				depth = i;
		} else {
			t = san_tag_name(p + 1);
			if (nattrs > SAN_MAX_ATTRS || (san_nests(t, end) &&
			    depth == SAN_MAX_NEST)) {
				p = *end == '\0' ? end : end + 1;
				continue;	/* dropped */
			}
			if (san_nests(t, end))
				stack[depth++] = t;
		}
		if (*end != '\0')
			end++;
		buf_add(&b, p, (size_t)(end - p));
		p = end;
	}
	return (buf_steal(&b));
}

char *
sanitize_html(const char *html, size_t len, const char *base_url)
{
	GumboOptions	 opt = kGumboDefaultOptions;
	GumboOutput	*out;
	struct buf	 b;
	char		*clean, *bounded;

	if (len > PARSE_MAX_FIELD)
		len = PARSE_MAX_FIELD;
	if (san_depth(html, len) > SAN_MAX_NESTING)
		return (san_text(html, len));
	buf_init(&b);
	/* gumbo wants UTF-8; feeds deliver it, but not always valid. */
	bounded = text_utf8_clean(html, len);
	clean = san_bound(bounded);
	free(bounded);
	opt.fragment_context = GUMBO_TAG_DIV;
	opt.fragment_namespace = GUMBO_NAMESPACE_HTML;
	opt.max_errors = 0;
	out = gumbo_parse_with_options(&opt, clean, strlen(clean));
	if (out->root->type == GUMBO_NODE_ELEMENT)
		san_children(&b, &out->root->v.element.children, base_url, 0);
	gumbo_destroy_output(&opt, out);
	free(clean);
	return (buf_steal(&b));
}
