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

/*
 * What the writer keeps open: the kept elements written so far and not yet
 * closed.  The placement rules below look at it.
 */
struct san {
	struct buf	*b;
	const char	*base;
	GumboTag	 open[SAN_MAX_DEPTH + 2];
	int		 nopen;
};

/* What to do with an allowed element where it stands. */
enum san_place {
	SAN_KEEP,	/* write it */
	SAN_UNWRAP,	/* write its children only */
	SAN_SKIP	/* write nothing of it */
};

/* san_table_mode tells whether only table parts may stand under t. */
static int
san_table_mode(GumboTag t)
{
	return (t == GUMBO_TAG_TABLE || t == GUMBO_TAG_TBODY ||
	    t == GUMBO_TAG_THEAD || t == GUMBO_TAG_TFOOT ||
	    t == GUMBO_TAG_TR || t == GUMBO_TAG_COLGROUP);
}

/* san_table_part tells whether the parent t needs is the kept top. */
static int
san_table_part(GumboTag t, GumboTag top, int *part)
{
	*part = 1;
	switch (t) {
	case GUMBO_TAG_CAPTION: case GUMBO_TAG_COLGROUP:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
		return (top == GUMBO_TAG_TABLE);
	case GUMBO_TAG_COL:
		return (top == GUMBO_TAG_COLGROUP);
	case GUMBO_TAG_TR:
		return (top == GUMBO_TAG_TBODY || top == GUMBO_TAG_THEAD ||
		    top == GUMBO_TAG_TFOOT);
	case GUMBO_TAG_TD: case GUMBO_TAG_TH:
		return (top == GUMBO_TAG_TR);
	default:
		*part = 0;
		return (0);
	}
}

/* san_closes_p tells whether a start tag t ends an open p (no quirks). */
static int
san_closes_p(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIV:
	case GUMBO_TAG_DL: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FOOTER: case GUMBO_TAG_HEADER: case GUMBO_TAG_OL:
	case GUMBO_TAG_P: case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY:
	case GUMBO_TAG_UL: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
	case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
	case GUMBO_TAG_H6: case GUMBO_TAG_PRE: case GUMBO_TAG_LI:
	case GUMBO_TAG_DD: case GUMBO_TAG_DT: case GUMBO_TAG_TABLE:
	case GUMBO_TAG_HR:
		return (1);
	default:
		return (0);
	}
}

static int
san_heading(GumboTag t)
{
	return (t >= GUMBO_TAG_H1 && t <= GUMBO_TAG_H6);
}

/*
 * san_below tells whether an element in the set is open above (later
 * than) every element of the stop set: "is an li open in this list".
 */
static int
san_below(const struct san *s, int (*in)(GumboTag), int (*stop)(GumboTag))
{
	int	 i;

	for (i = s->nopen - 1; i >= 0; i--) {
		if (in(s->open[i]))
			return (1);
		if (stop != NULL && stop(s->open[i]))
			return (0);
	}
	return (0);
}

static int
san_is_a(GumboTag t)
{
	return (t == GUMBO_TAG_A);
}

static int
san_is_p(GumboTag t)
{
	return (t == GUMBO_TAG_P);
}

static int
san_is_li(GumboTag t)
{
	return (t == GUMBO_TAG_LI);
}

static int
san_is_list(GumboTag t)
{
	return (t == GUMBO_TAG_UL || t == GUMBO_TAG_OL);
}

static int
san_is_ddt(GumboTag t)
{
	return (t == GUMBO_TAG_DD || t == GUMBO_TAG_DT);
}

static int
san_is_dl(GumboTag t)
{
	return (t == GUMBO_TAG_DL);
}

/* san_p_scope: where the search for an open p ends (button scope). */
static int
san_p_scope(GumboTag t)
{
	return (t == GUMBO_TAG_TABLE || t == GUMBO_TAG_TD ||
	    t == GUMBO_TAG_TH || t == GUMBO_TAG_CAPTION);
}

/*
 * san_place decides where an allowed element may be written so that an
 * HTML5 parser reading our output builds exactly the tree we wrote: then
 * sanitizing our own output gives the same bytes (and mutation XSS has no
 * reparse to play with).  The parser's tree can hold nestings that its
 * own serialization does not give back (foster-parented tables, a in a,
 * li in li, p around blocks, headings in headings); such an element is
 * unwrapped, keeping its children.  NOTE: each rule is a sufficient
 * condition, stricter than the parser where that is simpler; a rule that
 * lets through something the parser restructures breaks idempotence.
 */
static enum san_place
san_place(const struct san *s, GumboTag t)
{
	GumboTag	 top;
	int		 part;

	top = s->nopen > 0 ? s->open[s->nopen - 1] : GUMBO_TAG_UNKNOWN;
	if (san_table_part(t, top, &part))
		return (SAN_KEEP);
	if (san_table_mode(top))
		return (SAN_SKIP);	/* the parser would move it out */
	if (part)
		return (SAN_UNWRAP);	/* a table part outside its table */
	if (t == GUMBO_TAG_A && san_below(s, san_is_a, NULL))
		return (SAN_UNWRAP);
	if (san_closes_p(t) && san_below(s, san_is_p, san_p_scope))
		return (SAN_UNWRAP);
	if (san_heading(t) && san_below(s, san_heading, NULL))
		return (SAN_UNWRAP);
	if (t == GUMBO_TAG_LI && san_below(s, san_is_li, san_is_list))
		return (SAN_UNWRAP);
	if (san_is_ddt(t) && san_below(s, san_is_ddt, san_is_dl))
		return (SAN_UNWRAP);
	if ((t == GUMBO_TAG_RT || t == GUMBO_TAG_RP) && top != GUMBO_TAG_RUBY)
		return (SAN_UNWRAP);
	return (SAN_KEEP);
}

static void	san_node(struct san *, const GumboNode *, int);

static void
san_children(struct san *s, const GumboVector *v, int depth)
{
	unsigned int	 i;

	for (i = 0; i < v->length; i++)
		san_node(s, v->data[i], depth + 1);
}

/* san_start writes a start tag with its allowed attributes; 0: undone. */
static int
san_start(struct san *s, const GumboElement *e)
{
	struct buf	*b = s->b;
	unsigned int	 i;
	size_t		 start = b->len;
	int		 has_src = 0;

	buf_printf(b, "<%s", gumbo_normalized_tagname(e->tag));
	for (i = 0; i < e->attributes.length; i++) {
		const GumboAttribute *a = e->attributes.data[i];

		if (san_attr(b, e->tag, a, s->base) &&
		    strcmp(a->name, "src") == 0)
			has_src = 1;
	}
	if (e->tag == GUMBO_TAG_IMG && !has_src) {
		/* An image without a usable source shows nothing: undo. */
		b->len = start;
		b->data[b->len] = '\0';
		return (0);
	}
	buf_putc(b, '>');
	return (1);
}

/* san_element writes an element: kept, unwrapped or dropped. */
static void
san_element(struct san *s, const GumboElement *e, int depth)
{
	struct buf	*b = s->b;
	size_t		 body;

	if (e->tag_namespace != GUMBO_NAMESPACE_HTML || san_is_dropped(e->tag))
		return;
	if (e->tag >= GUMBO_TAG_LAST || san_attrs[e->tag] == NULL) {
		if (!san_table_mode(s->nopen > 0 ? s->open[s->nopen - 1] :
		    GUMBO_TAG_UNKNOWN))
			san_children(s, &e->children, depth);
		return;
	}
	switch (san_place(s, e->tag)) {
	case SAN_SKIP:
		return;
	case SAN_UNWRAP:
		san_children(s, &e->children, depth);
		return;
	case SAN_KEEP:
		break;
	}
	if (e->tag == GUMBO_TAG_IMG && san_pixel(e))
		return;
	if (!san_start(s, e) || san_is_void(e->tag))
		return;
	body = b->len;
	s->open[s->nopen++] = e->tag;
	san_children(s, &e->children, depth);
	s->nopen--;
	if (e->tag == GUMBO_TAG_PRE && b->len > body && b->data[body] == '\n') {
		/* The parser eats a newline right after <pre>: give it one. */
		buf_putc(b, '\n');
		memmove(b->data + body + 1, b->data + body, b->len - body - 1);
		b->data[body] = '\n';
	}
	buf_printf(b, "</%s>", gumbo_normalized_tagname(e->tag));
}

static void
san_node(struct san *s, const GumboNode *n, int depth)
{
	const char	*t;

	if (depth > SAN_MAX_DEPTH)
		return;
	switch (n->type) {
	case GUMBO_NODE_ELEMENT:
		san_element(s, &n->v.element, depth);
		break;
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
		/* Text where a table wants its parts would move out of it. */
		if (n->type == GUMBO_NODE_TEXT && s->nopen > 0 &&
		    san_table_mode(s->open[s->nopen - 1]))
			break;
		t = n->v.text.text;
		san_escape(s->b, t, strlen(t), 0);
		break;
	default:
		/* comments, CDATA (only in foreign content), documents */
		break;
	}
}

/*
 * san_depth estimates the nesting depth of an HTML fragment: start tags
 * minus end tags, void elements (br, img...) not counted.  It over-counts
 * (unclosed p, li), which is fine: it only guards gumbo, whose tree
 * building is quadratic in the depth.  NOTE: our own output must never
 * reach SAN_MAX_NESTING (sanitizing it again must give the same bytes):
 * every element it opens it closes, and it is at most SAN_MAX_DEPTH deep.
 */
static int
san_depth(const char *s, size_t len)
{
	const char	*p, *end = s + len;
	size_t		 n;
	int		 depth = 0, max = 0;

	for (p = s; (p = memchr(p, '<', end - p)) != NULL && p + 1 < end; p++) {
		if (p[1] == '/') {
			depth--;
			continue;
		}
		if (!isalpha((unsigned char)p[1]))
			continue;
		for (n = 1; p + n < end && isalnum((unsigned char)p[n]); n++)
			continue;
		if (san_is_void(gumbo_tagn_enum(p + 1, (unsigned int)(n - 1))))
			continue;
		if (++depth > max)
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
	struct san	 s;
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
	if (out->root->type == GUMBO_NODE_ELEMENT) {
		s.b = &b;
		s.base = base_url;
		s.nopen = 0;
		san_children(&s, &out->root->v.element.children, 0);
	}
	gumbo_destroy_output(&opt, out);
	free(clean);
	return (buf_steal(&b));
}
