/*
 * parse.c: one feed document in, one normalized model out.
 *
 * XML feeds (RSS 0.9x, 1.0, 2.0, Atom 0.3 and 1.0) are read with libxml2
 * in its safest mode: no entity substitution, no network, no DTD loading,
 * an external entity loader that refuses everything, entity declarations
 * ignored (so billion laughs and quadratic blowup have nothing to expand),
 * the default size and depth limits (no XML_PARSE_HUGE).  Recover mode
 * repairs what a reader would expect to be repaired; a short pre-pass
 * (repair.c) fixes what libxml2 cannot (HTML entities, stray ampersands,
 * bytes that are not UTF-8) and takes what libxml2 reads slowly out of
 * its way (CDATA sections, entity-escaped text); blanks before the XML
 * declaration are skipped here.  Every repair sets bozo and says why.
 * libxml2's tree lives in an arena per document (see below).  JSON Feed
 * is read by jsonfeed.c.
 *
 * The walk over the tree is table-free but flat: one function per level
 * (feed, entry, person, link) with a switch-like chain on element names;
 * where several elements give one field, a rank decides (lower wins), so
 * the result does not depend on element order.
 */
#include <sys/mman.h>

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <jansson.h>

#include "buf.h"
#include "feeds.h"
#include "log.h"
#include "parse_priv.h"
#include "xmalloc.h"

#define NS_ATOM10	"http://www.w3.org/2005/Atom"
#define NS_ATOM03	"http://purl.org/atom/ns#"
#define NS_RSS10	"http://purl.org/rss/1.0/"
#define NS_RSS090	"http://my.netscape.com/rdf/simple/0.9/"
#define NS_RDF		"http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_XML		"http://www.w3.org/XML/1998/namespace"

/* Namespaces we read, with the prefix feeds use when they forget to bind. */
enum ns {
	NS_CORE,	/* the format's own elements */
	NS_ATOM,
	NS_DC,
	NS_DCTERMS,
	NS_CONTENT,
	NS_MEDIA,
	NS_ITUNES,
	NS_SY,
	NS_XHTML,
	NS_FEEDBURNER,
};

static const struct {
	const char	*prefix;
	const char	*uri[3];
} ns_table[] = {
	[NS_CORE] = { NULL, { NULL } },
	[NS_ATOM] = { "atom", { NS_ATOM10, NS_ATOM03 } },
	[NS_DC] = { "dc", { "http://purl.org/dc/elements/1.1/" } },
	[NS_DCTERMS] = { "dcterms", { "http://purl.org/dc/terms/" } },
	[NS_CONTENT] = { "content",
	    { "http://purl.org/rss/1.0/modules/content/" } },
	[NS_MEDIA] = { "media", { "http://search.yahoo.com/mrss/",
	    "http://search.yahoo.com/mrss" } },
	[NS_ITUNES] = { "itunes",
	    { "http://www.itunes.com/dtds/podcast-1.0.dtd",
	    "https://www.itunes.com/dtds/podcast-1.0.dtd" } },
	[NS_SY] = { "sy",
	    { "http://purl.org/rss/1.0/modules/syndication/" } },
	[NS_XHTML] = { "xhtml", { "http://www.w3.org/1999/xhtml" } },
	[NS_FEEDBURNER] = { "feedburner",
	    { "http://rssnamespace.org/feedburner/ext/1.0" } },
};

/* Namespaces that RSS feeds put on their own elements. */
static const char *ns_rss_core[] = { NS_RSS10, NS_RSS090,
    "http://backend.userland.com/rss2", "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss", "http://purl.org/net/rss1.1#" };


/*
 * NOTE: the CDATA table of the document being walked.  parse_document is
 * not reentrant anyway (libxml2's error handler is process-wide).
 */
static const struct pctx	*cdata_ctx;

/* Ranks of the candidates of one entry's fields; lower wins, 0 unset. */
struct ranks {
	int	 title, link, id, author, published, updated, summary, content;
	char	*summary_base;	/* xml:base in force at the chosen element */
	char	*content_base;
};

static int	 parse_init_done;

static int	 valid_utf8(const char *, size_t);
static int	 has_link(const struct entry *, const char *);

void
parse_error(struct doc *d, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	d->bozo = 1;
	if (d->nerrors >= PARSE_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	d->errors = xreallocarray(d->errors, d->nerrors + 1, sizeof *d->errors);
	d->errors[d->nerrors++] = text_utf8_clean(s, strlen(s));
	free(s);
}

/* parse_refuse_entity is the external entity loader: it loads nothing. */
static xmlParserInputPtr
parse_refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return (NULL);
}

/* parse_silent swallows libxml2's generic messages (libraries never print). */
static void
parse_silent(void *ctx, const char *fmt, ...)
{
}

/* parse_xml_error records one libxml2 diagnostic on the document. */
static void
parse_xml_error(void *arg, xmlErrorPtr e)
{
	struct pctx	*c = arg;
	struct doc	*d = c->d;
	char		 msg[256];
	size_t		 n;

	if (e == NULL || e->level < XML_ERR_ERROR ||
	    e->code == XML_ERR_USER_STOP)
		return;
	snprintf(msg, sizeof msg, "%s", e->message != NULL ? e->message :
	    "XML error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (e->code == XML_ERR_TAG_NAME_MISMATCH)
		c->mismatch = 1;
	if (e->code == XML_ERR_TAG_NOT_FINISHED && e->str1 != NULL &&
	    c->eof_tag == NULL)
		c->eof_tag = xstrdup(e->str1);
	parse_error(d, "line %d: %s", e->line, msg);
}

/* parse_entity_decl ignores entity declarations: nothing to expand. */
static void
parse_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *publicId, const xmlChar *systemId, xmlChar *content)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	struct pctx		*c = ctxt->_private;

	if (c != NULL && !c->entity_decl) {
		c->entity_decl = 1;
		parse_error(c->d, "line %d: entity declarations ignored",
		    xmlSAX2GetLineNumber(ctx));
	}
}

/*
 * The tree of one document lives in an arena.  libxml2 2.9 allocates each
 * node, attribute and text on its own and frees them one by one: a fifth
 * of the ingest went to malloc and free.  While parse_xml runs, libxml2's
 * allocator (set once for the process with xmlMemSetup) cuts blocks from
 * a few large chunks; at the end the chunks are reused whole and the tree
 * is never walked to be freed.  Outside that window, and for the blocks
 * it did not cut, the allocator is malloc's: whatever libxml2 allocated
 * before, or allocates for opml.c and discover.c, is unchanged.
 *
 * What libxml2 frees inside the window is not lost for the document: the
 * block on top of the chunk is taken back, small blocks go to a free list
 * of their size (the buffers of comments, PIs and entity declarations,
 * again and again), large ones give their pages back.  So a hostile
 * document costs about what it costs with malloc.
 *
 * NOTE: nothing libxml2 keeps past a document may come from the arena
 * (its last error is reset before the arena is).  The arena is the
 * thread's own: libxml2 used by another thread meanwhile gets malloc's
 * blocks.  Under AddressSanitizer the arena is off, so that the sanitizer
 * sees every block.
 */
#define ARENA_FIRST	(256 * 1024)		/* bytes of the first chunk */
#define ARENA_STEP	(2 * 1024 * 1024)	/* at most, but for one block */
#define ARENA_KEEP	(4 * 1024 * 1024)	/* kept between documents */
#define ARENA_CHUNKS	256
#define ARENA_SMALL	1024	/* blocks up to this go to free lists */
#define ARENA_BIG	(256 * 1024)	/* a block whose pages go back */
#define ARENA_PAGE	4096

/*
 * A block's header: its size, for realloc.  Blocks are 8-byte aligned,
 * which is all libxml2's structures need (pointers, ints, longs).
 */
struct arena_hdr {
	size_t		 size;
};

#define ARENA_ALIGN(n)	(((n) + 7) & ~(size_t)7)

static __thread struct {
	char		*base[ARENA_CHUNKS];	/* chunks, in order made */
	size_t		 size[ARENA_CHUNKS];
	int		 n;
	size_t		 used;			/* in the last chunk */
	char		*last;			/* the last block cut */
	int		 on;
	int		 spilled;		/* blocks from malloc too */
	void		*free[ARENA_SMALL / 8 + 1];	/* by size / 8 */
} arena;

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_USE	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_USE	0
#endif
#endif
#ifndef ARENA_USE
#define ARENA_USE	1
#endif

/* arena_owns tells whether p is a block the arena cut. */
static int
arena_owns(const void *p)
{
	const char	*c = p;
	int		 i;

	for (i = arena.n - 1; i >= 0; i--)
		if (c >= arena.base[i] && c < arena.base[i] + arena.size[i])
			return (1);
	return (0);
}

/* arena_chunk adds a chunk with room for at least need bytes. */
static int
arena_chunk(size_t need)
{
	size_t	 size;

	if (arena.n == ARENA_CHUNKS)
		return (-1);
	size = arena.n == 0 ? ARENA_FIRST : arena.size[arena.n - 1] * 2;
	if (size > ARENA_STEP)
		size = ARENA_STEP;
	if (size < need)
		size = need;
	if ((arena.base[arena.n] = malloc(size)) == NULL)
		return (-1);
	arena.size[arena.n++] = size;
	arena.used = 0;
	return (0);
}

static void *
arena_malloc(size_t n)
{
	struct arena_hdr	*h;
	size_t			 need, k;
	void			*p;

	if (!arena.on)
		return (malloc(n));
	need = sizeof *h + ARENA_ALIGN(n);
	if (need < n)
		return (NULL);
	if ((k = ARENA_ALIGN(n) / 8) <= ARENA_SMALL / 8 &&
	    (p = arena.free[k]) != NULL) {
		memcpy(&arena.free[k], p, sizeof p);
		((struct arena_hdr *)p - 1)->size = n;
		return (p);
	}
	if (arena.n == 0 || arena.size[arena.n - 1] - arena.used < need) {
		if (arena_chunk(need) == -1) {
			arena.spilled = 1;	/* the tree is freed as usual */
			return (malloc(n));
		}
	}
	h = (struct arena_hdr *)(arena.base[arena.n - 1] + arena.used);
	h->size = n;
	arena.used += need;
	arena.last = (char *)(h + 1);
	return (h + 1);
}

/*
 * arena_release takes back a block libxml2 is done with: the top of the
 * chunk goes back on it, a small block to its free list, the pages of a
 * large one to the system (they stay mapped: zero pages if touched).
 */
static void
arena_release(void *p)
{
	struct arena_hdr	*h = (struct arena_hdr *)p - 1;
	char			*top;
	size_t			 k = ARENA_ALIGN(h->size) / 8;
#ifdef MADV_DONTNEED
	uintptr_t		 a, b, pg = ARENA_PAGE;
#endif

	top = arena.base[arena.n - 1] + arena.used;
	if ((char *)h >= arena.base[arena.n - 1] && (char *)p +
	    ARENA_ALIGN(h->size) == top) {
		arena.used = (char *)h - arena.base[arena.n - 1];
		arena.last = NULL;
		return;
	}
	if (k <= ARENA_SMALL / 8) {
		if (k > 0) {
			memcpy(p, &arena.free[k], sizeof p);
			arena.free[k] = p;
		}
		return;
	}
#ifdef MADV_DONTNEED
	if (h->size < ARENA_BIG)
		return;
	a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	b = ((uintptr_t)p + h->size) & ~(pg - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
#endif
}

static void
arena_free(void *p)
{
	if (p == NULL)
		return;
	if (arena.on && arena_owns(p))
		arena_release(p);
	else if (!arena_owns(p))
		free(p);
}

static void *
arena_realloc(void *p, size_t n)
{
	struct arena_hdr	*h;
	size_t			 need;
	void			*q;

	if (p == NULL)
		return (arena_malloc(n));
	if (!arena_owns(p))
		return (realloc(p, n));
	h = (struct arena_hdr *)p - 1;
	need = ARENA_ALIGN(n);
	if (need < n)
		return (NULL);
	if (arena.on && p == arena.last && (char *)p + need <=
	    arena.base[arena.n - 1] + arena.size[arena.n - 1]) {
		/* The last block grows (or shrinks) in place. */
		arena.used = (char *)p + need - arena.base[arena.n - 1];
		h->size = n;
		return (p);
	}
	if (need <= ARENA_ALIGN(h->size)) {
		h->size = n;
		return (p);
	}
	if ((q = arena.on ? arena_malloc(n) : malloc(n)) == NULL)
		return (NULL);
	memcpy(q, p, h->size);
	if (arena.on)
		arena_release(p);
	return (q);
}

static char *
arena_strdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p;

	if ((p = arena_malloc(n)) != NULL)
		memcpy(p, s, n);
	return (p);
}

/* arena_begin opens the window: libxml2's blocks come from the arena. */
static void
arena_begin(void)
{
	arena.on = ARENA_USE;
}

/*
 * arena_end closes the window and takes every block back at once; doc is
 * the tree, freed block by block only when some of it is not the arena's.
 */
static void
arena_end(xmlDocPtr doc)
{
	int	 i, keep;

	if (!arena.on) {
		xmlFreeDoc(doc);
		return;
	}
	if (arena.spilled)
		xmlFreeDoc(doc);
	arena.spilled = 0;
	xmlResetLastError();
	arena.on = 0;
	memset(arena.free, 0, sizeof arena.free);
	/* Keep the largest chunk that is not too large. */
	for (keep = -1, i = 0; i < arena.n; i++)
		if (arena.size[i] <= ARENA_KEEP && (keep == -1 ||
		    arena.size[i] > arena.size[keep]))
			keep = i;
	for (i = 0; i < arena.n; i++)
		if (i != keep)
			free(arena.base[i]);
	if (keep >= 0) {
		arena.base[0] = arena.base[keep];
		arena.size[0] = arena.size[keep];
		arena.n = 1;
	} else
		arena.n = 0;
	arena.used = 0;
	arena.last = NULL;
}

/* parse_init sets libxml2's process-wide safety switches, once. */
static void
parse_init(void)
{
	if (parse_init_done)
		return;
	parse_init_done = 1;
	if (ARENA_USE && xmlMemSetup(arena_free, arena_malloc, arena_realloc,
	    arena_strdup) != 0)
		fatalx("xmlMemSetup");
	xmlInitParser();
	xmlSetExternalEntityLoader(parse_refuse_entity);
	xmlSetGenericErrorFunc(NULL, parse_silent);
	xmlSubstituteEntitiesDefault(0);
	xmlLoadExtDtdDefaultValue = 0;
	xmlPedanticParserDefault(0);
}

/* el_is_name is el_is once the first letter matched. */
static int
el_is_name(const xmlNode *n, const struct pctx *c, enum ns ns,
    const char *name)
{
	const char	*nsuri, *lname = (const char *)n->name;
	size_t		 i, plen;

	nsuri = n->ns != NULL ? (const char *)n->ns->href : NULL;
	if (ns == NS_CORE) {
		if (strcmp(lname, name) != 0)
			return (0);
		if (nsuri == NULL)
			return (1);
		if (c->atom)
			return (strcmp(nsuri, NS_ATOM10) == 0 ||
			    strcmp(nsuri, NS_ATOM03) == 0);
		for (i = 0; i < sizeof ns_rss_core / sizeof ns_rss_core[0]; i++)
			if (strcmp(nsuri, ns_rss_core[i]) == 0)
				return (1);
		return (0);
	}
	if (nsuri == NULL) {
		/* An unbound prefix: libxml2 keeps "dc:creator" as the name. */
		plen = strlen(ns_table[ns].prefix);
		return (strncmp(lname, ns_table[ns].prefix, plen) == 0 &&
		    lname[plen] == ':' && strcmp(lname + plen + 1, name) == 0);
	}
	if (strcmp(lname, name) != 0)
		return (0);
	for (i = 0; i < 3 && ns_table[ns].uri[i] != NULL; i++)
		if (strcmp(nsuri, ns_table[ns].uri[i]) == 0)
			return (1);
	return (0);
}

/*
 * el_is tells whether n is the element name in namespace ns (an unbound
 * prefix counts as the usual one).  Most calls are misses, rejected here
 * on the first letter, inline: the walk asks some forty per element.
 */
static inline int
el_is(const xmlNode *n, const struct pctx *c, enum ns ns, const char *name)
{
	if (n->type != XML_ELEMENT_NODE)
		return (0);
	if (n->ns != NULL || ns == NS_CORE) {
		if (n->name[0] != (unsigned char)name[0])
			return (0);
	} else if (n->name[0] != (unsigned char)ns_table[ns].prefix[0])
		return (0);
	return (el_is_name(n, c, ns, name));
}

/* attr gets an attribute by local name, any namespace (borrowed) or NULL. */
static const char *
attr(const xmlNode *n, const char *name)
{
	const xmlAttr	*a;

	for (a = n->properties; a != NULL; a = a->next) {
		if (strcmp((const char *)a->name, name) == 0 &&
		    a->children != NULL && a->children->type == XML_TEXT_NODE)
			return ((const char *)a->children->content);
	}
	return (NULL);
}

/* attr_ns gets an attribute in a namespace. */
static const char *
attr_ns(const xmlNode *n, const char *ns, const char *name)
{
	const xmlAttr	*a;

	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL && strcmp((const char *)a->ns->href, ns) == 0 &&
		    strcmp((const char *)a->name, name) == 0 &&
		    a->children != NULL && a->children->type == XML_TEXT_NODE)
			return ((const char *)a->children->content);
	}
	return (NULL);
}

/* esc_putn appends n bytes of s, escaping what markup needs ('"' if attr). */
static void
esc_putn(struct buf *b, const char *s, size_t n, int attr)
{
	const char	*end = s + n;
	size_t		 k;

	while (s < end) {
		k = text_span(s, end - s, attr ? TEXT_SPAN_QUOTE : 0);
		buf_add(b, s, k);
		s += k;
		if (s == end)
			return;
		switch (*s) {
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '&':
			buf_puts(b, "&amp;");
			break;
		default:
			buf_puts(b, "&quot;");
			break;
		}
		s++;
	}
}

/*
 * node_text gives the text of a text or CDATA node (not NUL-terminated),
 * or NULL when it is CDATA made of several pieces (see node_text_add).
 */
static const char *
node_text(const xmlNode *n, size_t *len)
{
	const char	*s = (const char *)n->content;
	char		*end;
	unsigned long	 i;

	if (n->type != XML_CDATA_SECTION_NODE || cdata_ctx == NULL ||
	    strstr(s, CDATA_MARK) == NULL) {
		*len = strlen(s);
		return (s);
	}
	if (strncmp(s, CDATA_MARK, 3) != 0)
		return (NULL);
	i = strtoul(s + 3, &end, 10);
	end += strspn(end, "\n");
	if (*end != '\0' || i >= cdata_ctx->ncdata)
		return (NULL);
	*len = cdata_ctx->cdata[i].len;
	return (cdata_ctx->cdata[i].p);
}

/* put_text appends s, escaped for markup or not. */
static void
put_text(struct buf *b, const char *s, size_t len, int escape)
{
	if (escape)
		esc_putn(b, s, len, 0);
	else
		buf_add(b, s, len);
}

/*
 * node_text_add appends the text of a text or CDATA node.  libxml2 joins
 * adjacent CDATA sections into one node, so its content may be several
 * placeholders, with the text of sections left in place between them.
 */
static void
node_text_add(struct buf *b, const xmlNode *n, int escape)
{
	const char	*s, *next;
	char		*end;
	size_t		 len;
	unsigned long	 i;

	if ((s = node_text(n, &len)) != NULL) {
		put_text(b, s, len, escape);
		return;
	}
	for (s = (const char *)n->content; *s != '\0'; s = next) {
		if (strncmp(s, CDATA_MARK, 3) == 0 &&
		    isdigit((unsigned char)s[3])) {
			i = strtoul(s + 3, &end, 10);
			if (i < cdata_ctx->ncdata)
				put_text(b, cdata_ctx->cdata[i].p,
				    cdata_ctx->cdata[i].len, escape);
			next = end + strspn(end, "\n");
			continue;
		}
		if ((next = strstr(s + 1, CDATA_MARK)) == NULL)
			next = s + strlen(s);
		put_text(b, s, next - s, escape);
	}
}

/* text_collect appends the text below n, entity references skipped. */
static void
text_collect(struct buf *b, const xmlNode *n, size_t max)
{
	for (n = n->children; n != NULL && b->len < max; n = n->next) {
		if (n->type == XML_TEXT_NODE ||
		    n->type == XML_CDATA_SECTION_NODE)
			node_text_add(b, n, 0);
		else if (n->type == XML_ELEMENT_NODE)
			text_collect(b, n, max);
	}
}

/* cut shortens b to max bytes on a character boundary. */
static void
cut(struct buf *b, size_t max)
{
	size_t	 n;

	if (b->len <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)b->data[n] & 0xc0) == 0x80)
		n--;
	b->len = n;
	b->data[n] = '\0';
}

/*
 * trimmed_valid returns s without surrounding white space (caller frees),
 * NULL if empty; valid: the bytes are known to pass text_utf8_valid.
 */
static char *
trimmed_valid(const char *s, size_t len, int valid)
{
	size_t	 n;
	char	*out;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	n = len;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return (NULL);
	if (!valid && !text_utf8_valid(s, n))
		return (text_utf8_clean(s, n));
	out = xmalloc(n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	return (out);
}

/* trimmed is trimmed_valid of bytes not checked yet. */
static char *
trimmed(const char *s, size_t len)
{
	return (trimmed_valid(s, len, 0));
}

/*
 * buf_trimmed is trimmed() of a buffer, reusing its memory; resets b.
 * valid: the bytes are known to pass text_utf8_valid already.
 */
static char *
buf_trimmed(struct buf *b, int valid)
{
	char	*s = b->data;
	size_t	 n = b->len, lead = 0;

	while (lead < n && isspace((unsigned char)s[lead]))
		lead++;
	while (n > lead && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == lead || (!valid && !text_utf8_valid(s + lead, n - lead))) {
		s = n == lead ? NULL : text_utf8_clean(s + lead, n - lead);
		buf_free(b);
		return (s);
	}
	memmove(s, s + lead, n - lead);
	s[n - lead] = '\0';
	buf_init(b);
	return (s);
}

/* node_string gives the trimmed text of n, at most max bytes, or NULL. */
static char *
node_string(const xmlNode *n, size_t max)
{
	const xmlNode	*k;
	const char	*s;
	struct buf	 b;
	size_t		 len;

	k = n->children;
	if (k != NULL && k->next == NULL && (k->type == XML_TEXT_NODE ||
	    k->type == XML_CDATA_SECTION_NODE) &&
	    (s = node_text(k, &len)) != NULL && len <= max)
		return (trimmed(s, len));
	buf_init(&b);
	text_collect(&b, n, max);
	cut(&b, max);
	return (buf_trimmed(&b, 0));
}

/* xml_serialize writes the children of n as HTML markup. */
static void
xml_serialize(struct buf *b, const xmlNode *n, int escape, int depth)
{
	const xmlAttr	*a;
	const char	*t;

	for (n = n->children; n != NULL && b->len < PARSE_MAX_FIELD;
	    n = n->next) {
		switch (n->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			node_text_add(b, n, escape);
			break;
		case XML_ELEMENT_NODE:
			if (depth > 64)
				break;
			buf_putc(b, '<');
			buf_puts(b, (const char *)n->name);
			for (a = n->properties; a != NULL; a = a->next) {
				if (a->children == NULL ||
				    a->children->type != XML_TEXT_NODE)
					continue;
				buf_putc(b, ' ');
				buf_puts(b, (const char *)a->name);
				buf_puts(b, "=\"");
				t = (const char *)a->children->content;
				esc_putn(b, t, strlen(t), 1);
				buf_putc(b, '"');
			}
			buf_putc(b, '>');
			xml_serialize(b, n, escape, depth + 1);
			buf_puts(b, "</");
			buf_puts(b, (const char *)n->name);
			buf_putc(b, '>');
			break;
		default:
			break;
		}
	}
}

/* base64_decode decodes s in place; returns the length, -1 on bad input. */
static long
base64_decode(char *s)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
	    "nopqrstuvwxyz0123456789+/";
	const char		*p;
	unsigned long		 acc = 0;
	long			 n = 0;
	int			 bits = 0;
	char			*in;

	for (in = s; *in != '\0' && *in != '='; in++) {
		if (isspace((unsigned char)*in))
			continue;
		if ((p = strchr(al, *in)) == NULL)
			return (-1);
		acc = (acc << 6) | (unsigned long)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[n++] = (acc >> bits) & 0xff;
		}
	}
	s[n] = '\0';
	return (n);
}

/* unbase64 decodes b in place when it holds base64 of UTF-8 text. */
static void
unbase64(struct buf *b)
{
	char	*copy;
	long	 n;

	copy = xstrdup(b->data);
	if ((n = base64_decode(copy)) >= 0 && valid_utf8(copy, n) &&
	    strlen(copy) == (size_t)n) {
		buf_reset(b);
		buf_add(b, copy, n);
	}
	free(copy);
}

/* binary_type tells whether an Atom type is a MIME type sent as base64. */
static int
binary_type(const char *type)
{
	size_t	 n;

	if (type == NULL || strchr(type, '/') == NULL ||
	    strncasecmp(type, "text/", 5) == 0)
		return (0);
	n = strlen(type);
	return (!(n >= 4 && strcasecmp(type + n - 4, "/xml") == 0) &&
	    !(n >= 4 && strcasecmp(type + n - 4, "+xml") == 0));
}

/*
 * construct reads an Atom text construct (or an RSS element holding HTML)
 * as HTML: type text is escaped, html taken as is, xhtml serialized
 * without its wrapping div; Atom 0.3's base64 mode is decoded.
 */
static char *
construct(const xmlNode *n, int atom)
{
	const char	*type = attr(n, "type"), *mode = attr(n, "mode"), *t;
	const xmlNode	*k, *div = NULL;
	struct buf	 b;
	size_t		 len;
	int		 elems = 0, valid = 0;

	/*
	 * The common case: one text or CDATA child taken as HTML, copied
	 * once.  A section the pre-pass kept has had its bytes checked.
	 */
	k = n->children;
	if (k != NULL && k->next == NULL && (k->type == XML_TEXT_NODE ||
	    k->type == XML_CDATA_SECTION_NODE) && (!atom || (type != NULL &&
	    (strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") ==
	    0) && mode == NULL)) && (t = node_text(k, &len)) != NULL &&
	    len <= PARSE_MAX_FIELD)
		return (trimmed_valid(t, len, k->type ==
		    XML_CDATA_SECTION_NODE && cdata_ctx != NULL &&
		    strncmp((const char *)k->content, CDATA_MARK, 3) == 0));
	buf_init(&b);
	if (atom && type != NULL && (strcasecmp(type, "xhtml") == 0 ||
	    strcasecmp(type, "application/xhtml+xml") == 0)) {
		for (k = n->children; k != NULL; k = k->next) {
			if (k->type == XML_ELEMENT_NODE) {
				elems++;
				div = k;
			}
		}
		if (elems == 1 && strcmp((const char *)div->name, "div") == 0)
			n = div;
		xml_serialize(&b, n, 1, 0);
	} else if (atom && (type == NULL || strcasecmp(type, "text") == 0 ||
	    strcasecmp(type, "text/plain") == 0) && (mode == NULL ||
	    strcasecmp(mode, "xml") == 0))
		xml_serialize(&b, n, 1, 0);
	else {
		xml_serialize(&b, n, 0, 0);
		/* One CDATA section we kept: cdata_out checked its bytes. */
		k = n->children;
		valid = k != NULL && k->next == NULL &&
		    k->type == XML_CDATA_SECTION_NODE && cdata_ctx != NULL &&
		    strncmp((const char *)k->content, CDATA_MARK, 3) == 0 &&
		    node_text(k, &len) != NULL;
	}
	if (atom && b.len > 0 && ((mode != NULL &&
	    strcasecmp(mode, "base64") == 0) || binary_type(type))) {
		unbase64(&b);
		valid = 0;
	}
	cut(&b, PARSE_MAX_FIELD);
	return (buf_trimmed(&b, valid));
}

/* construct_text reads a text construct as plain text. */
static char *
construct_text(const xmlNode *n, int atom, size_t max)
{
	char	*html, *t;

	if ((html = construct(n, atom)) == NULL)
		return (NULL);
	t = text_from_html(html, strlen(html), max);
	free(html);
	if (*t == '\0') {
		free(t);
		return (NULL);
	}
	return (t);
}

/*
 * set_ranked replaces *field with v when rank beats *cur (frees v
 * otherwise); returns 1 when it did.
 */
static int
set_ranked(char **field, int *cur, int rank, char *v)
{
	if (v == NULL)
		return (0);
	if (*cur != 0 && *cur <= rank) {
		free(v);
		return (0);
	}
	free(*field);
	*field = v;
	*cur = rank;
	return (1);
}

static void
set_date(long long *field, int *cur, int rank, const xmlNode *n,
    struct doc *d)
{
	char		*s;
	long long	 t;

	if ((s = node_string(n, PARSE_MAX_SHORT)) == NULL)
		return;
	if ((t = date_parse(s)) == TIME_UNKNOWN) {
		parse_error(d, "line %ld: unparseable date \"%.40s\"",
		    xmlGetLineNo(n), s);
	} else if (*cur == 0 || rank < *cur) {
		*field = t;
		*cur = rank;
	}
	free(s);
}

/* node_base gives the base URL in force at n (caller frees), or NULL. */
static char *
node_base(const xmlNode *n, const char *top)
{
	const xmlNode	*chain[64];
	const char	*xb;
	char		*base, *nb;
	int		 k = 0;

	for (; n != NULL && n->type == XML_ELEMENT_NODE && k < 64; n = n->parent)
		chain[k++] = n;
	base = xstrdup0(top);
	while (k-- > 0) {
		if ((xb = attr_ns(chain[k], NS_XML, "base")) == NULL)
			continue;
		if ((nb = url_resolve(base, xb)) != NULL) {
			free(base);
			base = nb;
		}
	}
	return (base);
}

/* set_base keeps the base in force at n when it has its own xml:base. */
static void
set_base(char **keep, const xmlNode *n, const char *top)
{
	free(*keep);
	*keep = NULL;
	if (attr_ns(n, NS_XML, "base") != NULL)
		*keep = node_base(n, top);
}

/* abs_url resolves a URL found at n. */
static char *
abs_url(const xmlNode *n, const char *v, const char *top)
{
	char	*base, *u, *t;

	if (v == NULL || (t = trimmed(v, strlen(v))) == NULL)
		return (NULL);
	if (strlen(t) > PARSE_MAX_SHORT) {
		free(t);
		return (NULL);
	}
	base = node_base(n, top);
	u = url_resolve(base, t);
	free(base);
	if (u == NULL)
		u = t;		/* relative, and nothing to resolve against */
	else
		free(t);
	return (u);
}

/* abs_text resolves the URL that is the text of n. */
static char *
abs_text(const struct pctx *c, const xmlNode *n)
{
	char	*s, *u;

	if ((s = node_string(n, PARSE_MAX_SHORT)) == NULL)
		return (NULL);
	u = abs_url(n, s, c->top);
	free(s);
	return (u);
}

/*
 * atom_id reads an id; a relative one is resolved against an xml:base of
 * the document (never the feed's URL, which may change between polls).
 */
static char *
atom_id(const struct pctx *c, const xmlNode *n)
{
	char	*id, *base, *u;

	if ((id = node_string(n, PARSE_MAX_SHORT)) == NULL || !c->atom ||
	    strchr(id, ':') != NULL)
		return (id);
	if ((base = node_base(n, NULL)) != NULL &&
	    (u = url_resolve(base, id)) != NULL) {
		free(id);
		id = u;
	}
	free(base);
	return (id);
}

/* add_link appends a link to an entry (at most PARSE_MAX_LIST). */
static void
add_link(struct entry *e, const char *rel, char *href, const char *type,
    const char *title)
{
	struct link	*l;

	if (href == NULL)
		return;
	if (e->nlinks >= PARSE_MAX_LIST) {
		free(href);
		return;
	}
	e->links = xreallocarray(e->links, e->nlinks + 1, sizeof *e->links);
	l = &e->links[e->nlinks++];
	l->rel = trimmed(rel != NULL ? rel : "alternate",
	    strlen(rel != NULL ? rel : "alternate"));
	if (l->rel == NULL)
		l->rel = xstrdup("alternate");
	l->href = href;
	l->type = type != NULL ? trimmed(type, strlen(type)) : NULL;
	l->title = title != NULL ? text_from_html(title, strlen(title),
	    PARSE_MAX_SHORT) : NULL;
}

/* add_enclosure appends an enclosure unless its URL is already there. */
static void
add_enclosure(struct entry *e, char *url, const char *type,
    const char *length)
{
	struct enclosure	*x;
	int			 i;

	if (url == NULL)
		return;
	for (i = 0; i < e->nenclosures; i++) {
		if (strcmp(e->enclosures[i].url, url) == 0) {
			free(url);
			return;
		}
	}
	if (e->nenclosures >= PARSE_MAX_LIST) {
		free(url);
		return;
	}
	e->enclosures = xreallocarray(e->enclosures, e->nenclosures + 1,
	    sizeof *e->enclosures);
	x = &e->enclosures[e->nenclosures++];
	x->url = url;
	x->type = type != NULL ? trimmed(type, strlen(type)) : NULL;
	x->length = length != NULL ? strtoll(length, NULL, 10) : -1;
	if (x->length < 0)
		x->length = -1;
}

/* add_category appends a category unless it is already there. */
static void
add_category(struct entry *e, char *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < e->ncategories; i++) {
		if (strcmp(e->categories[i], s) == 0 ||
		    e->ncategories >= PARSE_MAX_LIST) {
			free(s);
			return;
		}
	}
	e->categories = xreallocarray(e->categories, e->ncategories + 1,
	    sizeof *e->categories);
	e->categories[e->ncategories++] = s;
}

/* person reads an Atom person construct (name, else email, else uri). */
static char *
person(const struct pctx *c, const xmlNode *n)
{
	const xmlNode	*k;
	char		*name = NULL, *email = NULL, *out;

	for (k = n->children; k != NULL; k = k->next) {
		if (name == NULL && el_is(k, c, NS_CORE, "name"))
			name = node_string(k, PARSE_MAX_SHORT);
		else if (email == NULL && el_is(k, c, NS_CORE, "email"))
			email = node_string(k, PARSE_MAX_SHORT);
	}
	if (name == NULL && email == NULL)
		return (node_string(n, PARSE_MAX_SHORT));
	if (name == NULL)
		return (email);
	free(email);
	out = text_from_html(name, strlen(name), PARSE_MAX_SHORT);
	free(name);
	return (out);
}

/* atom_link handles an Atom link element in an entry. */
static void
entry_atom_link(struct pctx *c, struct entry *e, struct ranks *r,
    const xmlNode *k, int rank)
{
	const char	*rel = attr(k, "rel"), *type = attr(k, "type");
	char		*href;

	if ((href = abs_url(k, attr(k, "href"), c->top)) == NULL)
		return;
	if (rel == NULL || strcmp(rel, "alternate") == 0) {
		if (type == NULL || strncmp(type, "text/html", 9) == 0 ||
		    strncmp(type, "application/xhtml", 17) == 0)
			set_ranked(&e->link, &r->link, rank,
			    xstrdup(href));
		else
			set_ranked(&e->link, &r->link, rank + 1,
			    xstrdup(href));
	} else if (strcmp(rel, "enclosure") == 0)
		add_enclosure(e, xstrdup(href), type, attr(k, "length"));
	add_link(e, rel, href, type, attr(k, "title"));
}

/* entry_media reads media:content / media:group children. */
static void
entry_media(struct pctx *c, struct entry *e, struct ranks *r,
    const xmlNode *n)
{
	const xmlNode	*k;

	for (k = n->children; k != NULL; k = k->next) {
		if (el_is(k, c, NS_MEDIA, "content"))
			add_enclosure(e, abs_url(k, attr(k, "url"), c->top),
			    attr(k, "type"), attr(k, "fileSize"));
		else if (el_is(k, c, NS_MEDIA, "title"))
			set_ranked(&e->title, &r->title, 4,
			    construct_text(k, 0, PARSE_MAX_SHORT));
		else if (el_is(k, c, NS_MEDIA, "description"))
			set_ranked(&e->summary, &r->summary, 4,
			    construct(k, 0));
	}
}

/* entry_child reads one child element of an item or entry. */
static void
entry_child(struct pctx *c, struct entry *e, struct ranks *r,
    const xmlNode *k)
{
	struct doc	*d = c->d;
	const char	*v;

	if (el_is(k, c, NS_CORE, "title"))
		set_ranked(&e->title, &r->title, 1,
		    construct_text(k, c->atom, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_DC, "title"))
		set_ranked(&e->title, &r->title, 2,
		    construct_text(k, 0, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_CORE, "link") && (c->atom ||
	    attr(k, "href") != NULL))
		entry_atom_link(c, e, r, k, 2);
	else if (el_is(k, c, NS_CORE, "link"))
		set_ranked(&e->link, &r->link, 2, abs_text(c, k));
	else if (el_is(k, c, NS_ATOM, "link"))
		entry_atom_link(c, e, r, k, 3);
	else if (el_is(k, c, NS_FEEDBURNER, "origLink"))
		set_ranked(&e->link, &r->link, 1, abs_text(c, k));
	else if (el_is(k, c, NS_CORE, "guid") || el_is(k, c, NS_CORE, "id") ||
	    el_is(k, c, NS_ATOM, "id")) {
		set_ranked(&e->id, &r->id, 1, atom_id(c, k));
		v = attr(k, "isPermaLink");
		if (!c->atom && el_is(k, c, NS_CORE, "guid") &&
		    (v == NULL || strcasecmp(v, "false") != 0))
			set_ranked(&e->link, &r->link, 4, abs_text(c, k));
	} else if (el_is(k, c, NS_DC, "identifier"))
		set_ranked(&e->id, &r->id, 2, node_string(k, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_CORE, "author") && c->atom)
		set_ranked(&e->author, &r->author, 1, person(c, k));
	else if (el_is(k, c, NS_CORE, "author") || el_is(k, c, NS_ATOM,
	    "author"))
		set_ranked(&e->author, &r->author, 1, person(c, k));
	else if (el_is(k, c, NS_DC, "creator"))
		set_ranked(&e->author, &r->author, 2, person(c, k));
	else if (el_is(k, c, NS_ITUNES, "author"))
		set_ranked(&e->author, &r->author, 3, person(c, k));
	else if (el_is(k, c, NS_CORE, "contributor"))
		set_ranked(&e->author, &r->author, 4, person(c, k));
	else if (el_is(k, c, NS_CORE, "pubDate") ||
	    el_is(k, c, NS_CORE, "published"))
		set_date(&e->published, &r->published, 1, k, d);
	else if (el_is(k, c, NS_CORE, "issued"))
		set_date(&e->published, &r->published, 2, k, d);
	else if (el_is(k, c, NS_CORE, "created"))
		set_date(&e->published, &r->published, 3, k, d);
	else if (el_is(k, c, NS_DC, "date"))
		set_date(&e->published, &r->published, 4, k, d);
	else if (el_is(k, c, NS_DCTERMS, "issued") ||
	    el_is(k, c, NS_DCTERMS, "created"))
		set_date(&e->published, &r->published, 5, k, d);
	else if (el_is(k, c, NS_CORE, "updated") ||
	    el_is(k, c, NS_ATOM, "updated"))
		set_date(&e->updated, &r->updated, 1, k, d);
	else if (el_is(k, c, NS_CORE, "modified") ||
	    el_is(k, c, NS_DCTERMS, "modified"))
		set_date(&e->updated, &r->updated, 2, k, d);
	else if (el_is(k, c, NS_CORE, "description") ||
	    el_is(k, c, NS_CORE, "summary") || el_is(k, c, NS_ATOM, "summary")) {
		if (set_ranked(&e->summary, &r->summary, 1,
		    construct(k, c->atom)))
			set_base(&r->summary_base, k, c->top);
	}
	else if (el_is(k, c, NS_ITUNES, "summary") ||
	    el_is(k, c, NS_DC, "description"))
		set_ranked(&e->summary, &r->summary, 3, construct(k, 0));
	else if (el_is(k, c, NS_CONTENT, "encoded"))
		set_ranked(&e->content, &r->content, 1, construct(k, 0));
	else if (el_is(k, c, NS_CORE, "content") || el_is(k, c, NS_ATOM,
	    "content")) {
		if ((v = attr(k, "src")) != NULL)
			set_ranked(&e->link, &r->link, 5,
			    abs_url(k, v, c->top));
		else if (set_ranked(&e->content, &r->content, 1,
		    construct(k, 1)))
			set_base(&r->content_base, k, c->top);
	} else if (el_is(k, c, NS_XHTML, "body"))
		set_ranked(&e->content, &r->content, 2, construct(k, 0));
	else if (el_is(k, c, NS_CORE, "category") && (v = attr(k, "term")) !=
	    NULL)
		add_category(e, trimmed(v, strlen(v)));
	else if (el_is(k, c, NS_CORE, "category") || el_is(k, c, NS_DC,
	    "subject"))
		add_category(e, node_string(k, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_CORE, "enclosure"))
		add_enclosure(e, abs_url(k, attr(k, "url"), c->top),
		    attr(k, "type"), attr(k, "length"));
	else if (el_is(k, c, NS_CORE, "comments") && !c->atom)
		add_link(e, "replies", abs_text(c, k), "text/html", NULL);
	else if (el_is(k, c, NS_MEDIA, "content") ||
	    el_is(k, c, NS_MEDIA, "title") ||
	    el_is(k, c, NS_MEDIA, "description"))
		entry_media(c, e, r, k->parent);
	else if (el_is(k, c, NS_MEDIA, "group"))
		entry_media(c, e, r, k);
}

/* parse_entry reads one item or entry element into a new entry. */
static void
parse_entry(struct pctx *c, const xmlNode *n)
{
	struct doc	*d = c->d;
	struct entry	*e;
	struct ranks	 r;
	const xmlNode	*k;
	const char	*about;
	char		*base;

	if (d->nentries >= PARSE_MAX_ENTRIES) {
		if (c->dropped++ == 0)
			parse_error(d, "more than %d entries: the rest ignored",
			    PARSE_MAX_ENTRIES);
		return;
	}
	/* Room doubles at powers of two (nentries alone tells the size). */
	if (d->nentries == 0 || (d->nentries >= 8 &&
	    (d->nentries & (d->nentries - 1)) == 0))
		d->entries = xreallocarray(d->entries, d->nentries == 0 ? 8 :
		    d->nentries * 2, sizeof *d->entries);
	e = &d->entries[d->nentries++];
	memset(e, 0, sizeof *e);
	memset(&r, 0, sizeof r);
	e->published = e->updated = TIME_UNKNOWN;
	for (k = n->children; k != NULL; k = k->next)
		entry_child(c, e, &r, k);
	if ((about = attr_ns(n, NS_RDF, "about")) != NULL) {
		set_ranked(&e->id, &r.id, 3, trimmed(about, strlen(about)));
		set_ranked(&e->link, &r.link, 5, abs_url(n, about, c->top));
	}
	if (e->link != NULL && !has_link(e, e->link))
		add_link(e, "alternate", xstrdup(e->link), NULL, NULL);
	base = node_base(n, c->top);
	if (base == NULL && e->link != NULL)
		base = xstrdup(e->link);
	parse_entry_finish(d, e, r.summary_base != NULL ? r.summary_base :
	    base, r.content_base != NULL ? r.content_base : base, c->flags);
	free(base);
	free(r.summary_base);
	free(r.content_base);
}

/* has_link tells whether the entry lists href among its links. */
static int
has_link(const struct entry *e, const char *href)
{
	int	 i;

	for (i = 0; i < e->nlinks; i++)
		if (strcmp(e->links[i].href, href) == 0)
			return (1);
	return (0);
}

/* feed_link handles a link element at the feed level. */
static void
feed_link(struct pctx *c, const xmlNode *k, int *rank, int base_rank)
{
	struct doc	*d = c->d;
	const char	*rel = attr(k, "rel"), *href = attr(k, "href");
	char		*u;

	if (href == NULL) {
		set_ranked(&d->link, rank, base_rank, abs_text(c, k));
		return;
	}
	if ((u = abs_url(k, href, c->top)) == NULL)
		return;
	if (rel == NULL || strcmp(rel, "alternate") == 0) {
		set_ranked(&d->link, rank, base_rank + 1, u);
		return;
	}
	if (strcmp(rel, "self") == 0 && d->self == NULL)
		d->self = u;
	else if (strcmp(rel, "hub") == 0 && d->hub == NULL)
		d->hub = u;
	else if (strcmp(rel, "next") == 0 && d->next == NULL)
		d->next = u;
	else
		free(u);
}

/* feed_skip reads skipHours or skipDays into a bit set. */
static unsigned int
feed_skip(const struct pctx *c, const xmlNode *n, int days)
{
	static const char *names[] = { "sunday", "monday", "tuesday",
	    "wednesday", "thursday", "friday", "saturday" };
	const xmlNode	*k;
	unsigned int	 bits = 0;
	char		*s;
	int		 i;

	for (k = n->children; k != NULL; k = k->next) {
		if (!el_is(k, c, NS_CORE, days ? "day" : "hour") ||
		    (s = node_string(k, 32)) == NULL)
			continue;
		if (days) {
			for (i = 0; i < 7; i++)
				if (strcasecmp(s, names[i]) == 0)
					bits |= 1U << i;
		} else if (isdigit((unsigned char)*s) && (i = atoi(s)) >= 0 &&
		    i <= 24)
			bits |= 1U << (i % 24);
		free(s);
	}
	return (bits);
}

/* sy_period turns sy:updatePeriod into seconds. */
static int
sy_period(const char *s)
{
	if (strcasecmp(s, "hourly") == 0)
		return (3600);
	if (strcasecmp(s, "daily") == 0)
		return (86400);
	if (strcasecmp(s, "weekly") == 0)
		return (7 * 86400);
	if (strcasecmp(s, "monthly") == 0)
		return (30 * 86400);
	if (strcasecmp(s, "yearly") == 0)
		return (365 * 86400);
	return (-1);
}

/* feed_number reads a small positive integer element, -1 if none. */
static int
feed_number(const xmlNode *k)
{
	char	*s;
	long	 v = -1;

	if ((s = node_string(k, 32)) != NULL && isdigit((unsigned char)*s))
		v = strtol(s, NULL, 10);
	free(s);
	return (v < 0 || v > 1000000 ? -1 : (int)v);
}

/* feed_hints reads the scheduler's hints; returns 1 when k was one. */
static int
feed_hints(struct pctx *c, const xmlNode *k)
{
	struct doc	*d = c->d;
	char		*s;

	if (el_is(k, c, NS_CORE, "ttl"))
		d->ttl_minutes = feed_number(k);
	else if (el_is(k, c, NS_SY, "updatePeriod")) {
		if ((s = node_string(k, 32)) != NULL)
			d->sy_period_seconds = sy_period(s);
		free(s);
	} else if (el_is(k, c, NS_SY, "updateFrequency"))
		d->sy_frequency = feed_number(k);
	else if (el_is(k, c, NS_CORE, "skipHours"))
		d->skip_hours = feed_skip(c, k, 0);
	else if (el_is(k, c, NS_CORE, "skipDays"))
		d->skip_days = feed_skip(c, k, 1);
	else
		return (0);
	return (1);
}

/* feed_image reads the RSS image element's URL as the icon. */
static void
feed_image(struct pctx *c, const xmlNode *n)
{
	const xmlNode	*k;

	for (k = n->children; k != NULL; k = k->next) {
		if (el_is(k, c, NS_CORE, "url") && c->d->icon == NULL)
			c->d->icon = abs_text(c, k);
	}
}

/* Ranks of the feed-level fields. */
struct franks {
	int	 title, link, subtitle, updated, language, id;
};

/* feed_child reads one child of the channel or feed element. */
static void
feed_child(struct pctx *c, struct franks *r, const xmlNode *k)
{
	struct doc	*d = c->d;
	const char	*v;

	if (feed_hints(c, k))
		return;
	else if (el_is(k, c, NS_CORE, "title"))
		set_ranked(&d->title, &r->title, 1,
		    construct_text(k, c->atom, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_DC, "title"))
		set_ranked(&d->title, &r->title, 2,
		    construct_text(k, 0, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_CORE, "link"))
		feed_link(c, k, &r->link, 1);
	else if (el_is(k, c, NS_ATOM, "link"))
		feed_link(c, k, &r->link, 3);
	else if (el_is(k, c, NS_CORE, "description") ||
	    el_is(k, c, NS_CORE, "subtitle") || el_is(k, c, NS_CORE, "tagline"))
		set_ranked(&d->subtitle, &r->subtitle, 1,
		    construct_text(k, c->atom, PARSE_MAX_FIELD));
	else if (el_is(k, c, NS_ITUNES, "subtitle") ||
	    el_is(k, c, NS_DC, "description"))
		set_ranked(&d->subtitle, &r->subtitle, 2,
		    construct_text(k, 0, PARSE_MAX_FIELD));
	else if (el_is(k, c, NS_CORE, "language") ||
	    el_is(k, c, NS_DC, "language"))
		set_ranked(&d->language, &r->language, 1,
		    node_string(k, 64));
	else if (el_is(k, c, NS_CORE, "lastBuildDate") ||
	    el_is(k, c, NS_CORE, "updated") || el_is(k, c, NS_CORE, "modified"))
		set_date(&d->updated, &r->updated, 1, k, d);
	else if (el_is(k, c, NS_CORE, "pubDate"))
		set_date(&d->updated, &r->updated, 2, k, d);
	else if (el_is(k, c, NS_DC, "date") || el_is(k, c, NS_ATOM, "updated"))
		set_date(&d->updated, &r->updated, 3, k, d);
	else if (el_is(k, c, NS_CORE, "id") || el_is(k, c, NS_ATOM, "id"))
		set_ranked(&d->id, &r->id, 1, node_string(k, PARSE_MAX_SHORT));
	else if (el_is(k, c, NS_CORE, "image"))
		feed_image(c, k);
	else if ((el_is(k, c, NS_CORE, "icon") || el_is(k, c, NS_CORE,
	    "logo")) && d->icon == NULL)
		d->icon = abs_text(c, k);
	else if (el_is(k, c, NS_ITUNES, "image") && d->icon == NULL &&
	    (v = attr(k, "href")) != NULL)
		d->icon = abs_url(k, v, c->top);
}

/* parse_feed walks a channel (or feed) element and its siblings' items. */
static void
parse_feed(struct pctx *c, const xmlNode *root)
{
	struct doc	*d = c->d;
	struct franks	 r;
	const xmlNode	*k, *chan = NULL;
	const char	*lang;

	memset(&r, 0, sizeof r);
	if (c->atom || strcmp((const char *)root->name, "channel") == 0)
		chan = root;
	else {
		for (k = root->children; k != NULL; k = k->next)
			if (el_is(k, c, NS_CORE, "channel") && chan == NULL)
				chan = k;
	}
	/* The channel's metadata first: the site link is a base for items. */
	if (chan != NULL) {
		for (k = chan->children; k != NULL; k = k->next) {
			if (!el_is(k, c, NS_CORE, "item") &&
			    !el_is(k, c, NS_CORE, "entry"))
				feed_child(c, &r, k);
		}
	}
	/*
	 * A feed read from a file (the demo, static exports) has no web
	 * address of its own: its relative links mean the site's.
	 */
	if ((c->top == NULL || strncmp(c->top, "file:", 5) == 0) &&
	    d->link != NULL && strncmp(d->link, "http", 4) == 0)
		c->top = d->link;
	if (chan != NULL) {
		for (k = chan->children; k != NULL; k = k->next) {
			if (el_is(k, c, NS_CORE, "item") ||
			    el_is(k, c, NS_CORE, "entry"))
				parse_entry(c, k);
		}
	}
	/* RSS 1.0 (and broken 2.0) keep items beside the channel. */
	if (!c->atom) {
		for (k = root->children; k != NULL; k = k->next) {
			if (k == chan)
				continue;
			if (el_is(k, c, NS_CORE, "item"))
				parse_entry(c, k);
			else if (el_is(k, c, NS_CORE, "image"))
				feed_image(c, k);
			else if (feed_hints(c, k))
				continue;
		}
	}
	if (d->language == NULL && chan != NULL &&
	    (lang = attr_ns(chan, NS_XML, "lang")) != NULL)
		d->language = trimmed(lang, strlen(lang));
	if (d->language == NULL && (lang = attr_ns(root, NS_XML, "lang")) != NULL)
		d->language = trimmed(lang, strlen(lang));
}

/* parse_format tells the format from the root element. */
static enum doc_format
parse_format(const xmlNode *root, int *atom)
{
	const char	*name = (const char *)root->name, *ns, *v;

	ns = root->ns != NULL ? (const char *)root->ns->href : "";
	v = attr(root, "version");
	*atom = 0;
	if (strcmp(name, "rss") == 0) {
		if (v != NULL && strncmp(v, "0.9", 3) == 0)
			return (FORMAT_RSS09X);
		return (FORMAT_RSS20);
	}
	if (strcmp(name, "RDF") == 0) {
		if (strcmp(ns, NS_RDF) != 0)
			return (FORMAT_UNKNOWN);
		for (root = root->children; root != NULL; root = root->next) {
			if (root->type != XML_ELEMENT_NODE || root->ns == NULL)
				continue;
			if (strcmp((const char *)root->ns->href, NS_RSS090) == 0)
				return (FORMAT_RSS09X);
		}
		return (FORMAT_RSS10);
	}
	if (strcmp(name, "feed") == 0) {
		*atom = 1;
		if (strcmp(ns, NS_ATOM03) == 0 || (v != NULL &&
		    strcmp(v, "0.3") == 0))
			return (FORMAT_ATOM03);
		return (FORMAT_ATOM10);
	}
	if (strcmp(name, "channel") == 0)
		return (FORMAT_RSS20);
	return (FORMAT_UNKNOWN);
}

/* decl_encoding copies the encoding named in an XML declaration, or NULL. */
static char *
decl_encoding(const char *data, size_t len)
{
	const char	*p, *end;
	size_t		 n;
	char		 q;

	if (len < 6 || memcmp(data, "<?xml", 5) != 0)
		return (NULL);
	if ((end = memmem(data, len < 512 ? len : 512, "?>", 2)) == NULL)
		return (NULL);
	if ((p = memmem(data, end - data, "encoding", 8)) == NULL)
		return (NULL);
	p += 8;
	while (p < end && (*p == ' ' || *p == '='))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return (NULL);
	q = *p++;
	for (n = 0; p + n < end && p[n] != q; n++)
		if (!isalnum((unsigned char)p[n]) && strchr("-_.:", p[n]) == NULL)
			return (NULL);
	if (n == 0 || n > 40)
		return (NULL);
	return (xstrndup(p, n));
}

static int
is_utf8_name(const char *e)
{
	return (e == NULL || strcasecmp(e, "utf-8") == 0 ||
	    strcasecmp(e, "utf8") == 0);
}

/* valid_utf8 tells whether len bytes at s are UTF-8. */
static int
valid_utf8(const char *s, size_t len)
{
	size_t	 i;
	int	 n;

	for (i = 0; i < len; i += n) {
		if ((unsigned char)s[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((n = text_utf8_len((const unsigned char *)s + i,
		    len - i)) == -1)
			return (0);
	}
	return (1);
}

/*
 * parse_encoding decides how to read the bytes: the encoding to tell
 * libxml2 (NULL: let it detect) and whether to check UTF-8 ourselves.
 * HTTP's charset wins over the declaration (RFC 7303), except when the
 * bytes are valid UTF-8 and one of the two says so.
 */
static char *
parse_encoding(struct pctx *c, const char *data, size_t len,
    const char *http, int *utf8)
{
	char			*decl, *enc;
	xmlCharEncodingHandlerPtr h;

	decl = decl_encoding(data, len);
	*utf8 = 1;
	if (http != NULL && decl != NULL && strcasecmp(http, decl) != 0) {
		if ((is_utf8_name(http) || is_utf8_name(decl)) &&
		    valid_utf8(data, len))
			enc = xstrdup("UTF-8");
		else
			enc = xstrdup(http);
		parse_error(c->d, "encoding: HTTP says %.40s, the document "
		    "%.40s: read as %s", http, decl, enc);
		free(decl);
	} else if (http != NULL) {
		free(decl);
		enc = xstrdup(http);
	} else
		enc = decl;
	if (is_utf8_name(enc)) {
		free(enc);
		return (xstrdup("UTF-8"));
	}
	if (strstr(enc, "16") != NULL || strstr(enc, "32") != NULL ||
	    (h = xmlFindCharEncodingHandler(enc)) == NULL) {
		parse_error(c->d, "encoding %.40s unknown: read as UTF-8", enc);
		free(enc);
		return (xstrdup("UTF-8"));
	}
	xmlCharEncCloseFunc(h);
	*utf8 = 0;
	return (enc);
}

/* utf16_to_utf8 converts a UTF-16 document (with its BOM) to UTF-8. */
static char *
utf16_to_utf8(const char *data, size_t len, size_t *outlen)
{
	iconv_t		 cd;
	char		*out, *in = (char *)(uintptr_t)data, *o;
	size_t		 inleft = len, outleft, cap;

	cap = len * 2 + 4;
	out = xmalloc(cap);
	if ((cd = iconv_open("UTF-8", "UTF-16")) == (iconv_t)-1)
		fatal("iconv_open");
	o = out;
	outleft = cap - 1;
	while (inleft > 1 && iconv(cd, &in, &inleft, &o, &outleft) ==
	    (size_t)-1) {
		if (errno != EILSEQ && errno != EINVAL)
			break;
		/* A lone surrogate or a cut pair: U+FFFD, and on. */
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		outleft -= 3;
		in += 2;
		inleft -= 2;
	}
	iconv_close(cd);
	*o = '\0';
	*outlen = o - out;
	return (out);
}

/* parse_start skips a UTF-8 BOM and what comes before the first tag. */
static size_t
parse_start(struct pctx *c, const char *data, size_t len)
{
	size_t	 i = 0, start;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	start = i;
	while (i < len && i < 4096 && data[i] != '<')
		i++;
	if (i == len || i == 4096)
		return (start);
	if (i > start && strspn(data + start, " \t\r\n") < i - start)
		parse_error(c->d, "line 1: text before the first tag ignored");
	else if (i > start && len - i > 5 && memcmp(data + i, "<?xml", 5) == 0)
		parse_error(c->d, "line 1: blank before the XML declaration");
	return (i);
}

/*
 * parse_start_element counts the nodes of the tree as libxml2 builds it
 * and stops the parser past the caps (what was read so far is kept).
 * NOTE: a libxml2 tree costs 100 to 250 bytes per element or attribute,
 * so PARSE_MAX_NODES bounds the tree near 40 MB; libxml2 2.9 crashes when
 * an allocation fails in the middle, so it must never get that far.
 */
static void
parse_start_element(void *ctx, const xmlChar *localname,
    const xmlChar *prefix, const xmlChar *uri, int nns, const xmlChar **ns,
    int nattrs, int ndefaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct pctx	*c = ctxt->_private;
	int		 item;

	item = (localname[0] == 'i' && strcmp((const char *)localname,
	    "item") == 0) || (localname[0] == 'e' &&
	    strcmp((const char *)localname, "entry") == 0);
	c->nodes += 1 + 3 * (nattrs + nns);	/* an attribute costs more */
	if (c->nodes > PARSE_MAX_NODES || (item &&
	    ++c->nitems > PARSE_MAX_ENTRIES)) {
		if (c->stopped++ == 0 && item && c->nodes <= PARSE_MAX_NODES)
			parse_error(c->d, "line %d: more than %d entries: the "
			    "rest ignored", xmlSAX2GetLineNumber(ctx),
			    PARSE_MAX_ENTRIES);
		else if (c->stopped == 1)
			parse_error(c->d, "line %d: more than %d elements and "
			    "attributes: the rest is ignored",
			    xmlSAX2GetLineNumber(ctx), PARSE_MAX_NODES);
		xmlStopParser(ctxt);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nns, ns, nattrs,
	    ndefaulted, attrs);
}

/* skel_name tells whether n is an element of one of the names. */
static int
skel_name(const xmlNode *n, const char *a, const char *b, const char *c)
{
	const char	*name;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return (0);
	name = (const char *)n->name;
	return ((name[0] == a[0] && strcmp(name, a) == 0) ||
	    (name[0] == b[0] && strcmp(name, b) == 0) ||
	    (c != NULL && name[0] == c[0] && strcmp(name, c) == 0));
}

/*
 * skeleton tells whether n (depth deep) is an element of the feed's
 * skeleton: the root, its channel, an item or entry in either.
 */
static int
skeleton(const xmlNode *n, int depth)
{
	switch (depth) {
	case 1:
		return (skel_name(n, "rss", "feed", "RDF"));
	case 2:
		return (skel_name(n, "channel", "item", "entry") &&
		    skel_name(n->parent, "rss", "feed", "RDF"));
	case 3:
		return (skel_name(n, "item", "entry", NULL) &&
		    skel_name(n->parent, "channel", "channel", NULL) &&
		    skel_name(n->parent->parent, "rss", "feed", "RDF"));
	default:
		return (0);
	}
}

/*
 * parse_characters keeps text as libxml2 does, but for the white space
 * between the elements of the feed's skeleton, which the walk never
 * reads: a text node each, a fifth of the nodes of a typical feed.  Only
 * blanks that follow an element (or open it) go: text the element does
 * hold stays whole.
 */
static void
parse_characters(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	const xmlNode	*n = ctxt->node;
	int		 i;

	if (n != NULL && (n->last == NULL || n->last->type ==
	    XML_ELEMENT_NODE) && skeleton(n, ctxt->nodeNr)) {
		for (i = 0; i < len && (ch[i] == ' ' || ch[i] == '\n' ||
		    ch[i] == '\t' || ch[i] == '\r'); i++)
			;
		if (i == len)
			return;
	}
	xmlSAX2Characters(ctx, ch, len);
}

/*
 * parse_node_cap counts a comment or PI toward PARSE_MAX_NODES (they are
 * nodes of the tree too); returns 0 when the parser was stopped.
 */
static int
parse_node_cap(xmlParserCtxtPtr ctxt)
{
	struct pctx	*c = ctxt->_private;

	if (++c->nodes <= PARSE_MAX_NODES)
		return (1);
	if (c->stopped++ == 0)
		parse_error(c->d, "line %d: more than %d elements and "
		    "attributes: the rest is ignored",
		    xmlSAX2GetLineNumber(ctxt), PARSE_MAX_NODES);
	xmlStopParser(ctxt);
	return (0);
}

static void
parse_comment(void *ctx, const xmlChar *value)
{
	if (parse_node_cap(ctx))
		xmlSAX2Comment(ctx, value);
}

static void
parse_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	if (parse_node_cap(ctx))
		xmlSAX2ProcessingInstruction(ctx, target, data);
}

/* parse_read runs libxml2 over the prepared bytes. */
static xmlDocPtr
parse_read(struct pctx *c, const char *data, size_t len, const char *url,
    const char *enc)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr	 x;

	if ((ctxt = xmlNewParserCtxt()) == NULL)
		fatalx("xmlNewParserCtxt");
	ctxt->_private = c;
	ctxt->sax->entityDecl = parse_entity_decl;
	ctxt->sax->externalSubset = NULL;
	ctxt->sax->startElementNs = parse_start_element;
	/* The same function for both: libxml2 then never guesses blanks. */
	ctxt->sax->characters = parse_characters;
	ctxt->sax->ignorableWhitespace = parse_characters;
	ctxt->sax->comment = parse_comment;
	ctxt->sax->processingInstruction = parse_pi;
	c->nodes = c->nitems = 0;
	c->stopped = 0;
	xmlSetStructuredErrorFunc(c, parse_xml_error);
	x = xmlCtxtReadMemory(ctxt, data, (int)len, url, enc,
	    XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_COMPACT |
	    XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	c->wellformed = ctxt->wellFormed;
	if (!ctxt->wellFormed)
		c->d->bozo = 1;
	xmlFreeParserCtxt(ctxt);
	return (x);
}

/* parse_restart forgets a read: the errors after the first nerrors too. */
static void
parse_restart(struct pctx *c, int nerrors)
{
	while (c->d->nerrors > nerrors)
		free(c->d->errors[--c->d->nerrors]);
	c->ncdata = 0;
	c->declen = 0;
	c->decoded = 0;
	c->mismatch = 0;
	c->entity_decl = 0;
	free(c->eof_tag);
	c->eof_tag = NULL;
}

/* parse_tree reads the bytes into a libxml2 tree, safely. */
static xmlDocPtr
parse_tree(struct pctx *c, const char *data, size_t len, const char *url,
    const char *charset)
{
	xmlDocPtr	 x;
	char		*fixed = NULL, *enc = NULL, *bal, *decl;
	const char	*read_enc, *src;
	size_t		 flen, srclen;
	int		 utf8, nerr0, nerrors;

	if (len >= 2 && ((data[0] == '\xfe' && data[1] == '\xff') ||
	    (data[0] == '\xff' && data[1] == '\xfe'))) {
		/* UTF-16: made UTF-8 first, so every check below applies. */
		c->u8 = utf16_to_utf8(data, len, &len);
		data = c->u8;
		enc = xstrdup("UTF-8");
		utf8 = 1;
	}
	flen = parse_start(c, data, len);
	data += flen;
	len -= flen;
	if (enc == NULL)
		enc = parse_encoding(c, data, len, charset, &utf8);
	/*
	 * A UTF-8 document that says so (or says nothing) is read as libxml2
	 * reads it by default: naming the encoding would make libxml2 run
	 * every byte through its UTF-8 "converter", a copy of the document.
	 */
	read_enc = enc;
	if (utf8 && c->u8 == NULL) {
		decl = decl_encoding(data, len);
		if (is_utf8_name(decl))
			read_enc = NULL;
		free(decl);
	}
	nerr0 = c->d->nerrors;
	src = data;
	srclen = len;
	if ((fixed = repair_document(c, src, srclen, utf8, 1, &flen)) != NULL) {
		data = fixed;
		len = flen;
	}
	if (c->refused) {
		free(fixed);
		free(enc);
		return (NULL);
	}
	nerrors = c->d->nerrors;
	x = parse_read(c, data, len, url, read_enc);
	if (!c->wellformed && c->decoded > 0) {
		/*
		 * NOTE: once a document is not well-formed, libxml2 2.9 drops
		 * every entity reference after the error (&lt; and all).  The
		 * text the pre-pass decoded kept its references: read the
		 * document again without that, so that the result is
		 * libxml2's, as for any broken document.
		 */
		xmlFreeDoc(x);
		free(fixed);
		parse_restart(c, nerr0);
		data = src;
		len = srclen;
		if ((fixed = repair_document(c, src, srclen, utf8, 0, &flen)) !=
		    NULL) {
			data = fixed;
			len = flen;
		}
		nerrors = c->d->nerrors;
		x = parse_read(c, data, len, url, read_enc);
	}
	if (c->mismatch && (bal = repair_balance(data, len, &flen)) != NULL) {
		/* Read again with the end tags put right. */
		xmlFreeDoc(x);
		while (c->d->nerrors > nerrors)
			free(c->d->errors[--c->d->nerrors]);
		free(c->eof_tag);
		c->eof_tag = NULL;
		parse_error(c->d, "repaired: end tags that do not match");
		x = parse_read(c, bal, flen, url, read_enc);
		free(bal);
	}
	free(fixed);
	free(enc);
	return (x);
}

/*
 * cut_entry tells whether the document ended inside an entry.  The
 * element left open at EOF lies on the path of last element children
 * from the root; so do all its ancestors, which were left open too.
 */
static int
cut_entry(const struct pctx *c, const xmlNode *root)
{
	const xmlNode	*path[256], *k, *last;
	const char	*name, *colon;
	int		 n = 0, i;

	name = (colon = strchr(c->eof_tag, ':')) != NULL ? colon + 1 :
	    c->eof_tag;
	for (k = root; k != NULL && n < 256; k = last) {
		path[n++] = k;
		last = NULL;
		for (k = k->children; k != NULL; k = k->next)
			if (k->type == XML_ELEMENT_NODE)
				last = k;
	}
	while (n > 0 && strcmp((const char *)path[n - 1]->name, name) != 0)
		n--;
	for (i = 0; i < n; i++) {
		if (el_is(path[i], c, NS_CORE, "item") ||
		    el_is(path[i], c, NS_CORE, "entry"))
			return (1);
	}
	return (0);
}

/* parse_walk reads the tree of a feed into the document. */
static void
parse_walk(struct pctx *c, xmlDocPtr x)
{
	struct doc	*d = c->d;
	xmlNodePtr	 root;

	if (x == NULL || (root = xmlDocGetRootElement(x)) == NULL) {
		parse_error(d, "not a feed: no XML document");
		return;
	}
	if ((d->format = parse_format(root, &c->atom)) == FORMAT_UNKNOWN) {
		parse_error(d, "not a feed: the document is <%.40s>",
		    (const char *)root->name);
		return;
	}
	cdata_ctx = c;
	parse_feed(c, root);
	cdata_ctx = NULL;
	if (c->eof_tag != NULL && cut_entry(c, root) && d->nentries > 0) {
		entry_clear(&d->entries[--d->nentries]);
		parse_error(d, "the document ends inside an entry: entry "
		    "dropped");
	}
}

/* parse_xml reads an XML feed into d. */
static void
parse_xml(struct doc *d, const char *data, size_t len, const char *url,
    const char *charset, int flags)
{
	struct pctx	 c;
	xmlDocPtr	 x;

	memset(&c, 0, sizeof c);
	c.d = d;
	c.flags = flags;
	c.top = url;
	parse_init();
	arena_begin();
	x = parse_tree(&c, data, len, url, charset);
	if (!c.refused)
		parse_walk(&c, x);
	arena_end(x);
	free(c.cdata);
	free(c.dec);
	free(c.u8);
	free(c.eof_tag);
}

struct doc *
parse_document(const char *data, size_t len, const char *url,
    const char *charset, int flags)
{
	struct doc	*d;
	size_t		 i = 0;

	d = doc_new();
	if (len > PARSE_MAX_DOC) {
		parse_error(d, "document larger than %d bytes", PARSE_MAX_DOC);
		return (d);
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)data[i]))
		i++;
	if (i < len && (data[i] == '{' || data[i] == '[')) {
		if (jsonfeed_parse(d, data + i, len - i, url, flags) == -1)
			d->format = FORMAT_UNKNOWN;
	} else
		parse_xml(d, data, len, url, charset, flags);
	d->title = parse_clean_title(d->title);
	return (d);
}

/* parse_clean_title drops an empty title. */
char *
parse_clean_title(char *t)
{
	if (t != NULL && *t == '\0') {
		free(t);
		return (NULL);
	}
	return (t);
}

/* parse_hash is FNV-1a (64 bits): a stable digest for derived ids. */
static uint64_t
parse_hash(uint64_t h, const char *s)
{
	if (s == NULL)
		return (h);
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;
	h *= 0x100000001b3ULL;
	return (h);
}

void
parse_entry_finish(struct doc *d, struct entry *e, const char *sbase,
    const char *cbase, int flags)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	char		*s;

	if (e->id != NULL && strlen(e->id) > PARSE_MAX_SHORT) {
		free(e->id);
		e->id = NULL;
	}
	if (e->id == NULL && e->link != NULL) {
		e->id = xstrdup(e->link);
		e->id_derived = 1;
	} else if (e->id == NULL) {
		h = parse_hash(h, e->title);
		h = parse_hash(h, e->content != NULL ? e->content : e->summary);
		if (e->nenclosures > 0)
			h = parse_hash(h, e->enclosures[0].url);
		xasprintf(&e->id, "urn:syndic:entry:%016llx",
		    (unsigned long long)h);
		e->id_derived = 1;
	}
	e->canonical_url = url_canonical(e->link);
	if (flags & PARSE_SANITIZE) {
		if (e->summary != NULL) {
			s = sanitize_html(e->summary, strlen(e->summary), sbase);
			free(e->summary);
			e->summary = parse_clean_title(s);
		}
		if (e->content != NULL) {
			s = sanitize_html(e->content, strlen(e->content), cbase);
			free(e->content);
			e->content = parse_clean_title(s);
		}
		e->sanitized = 1;
	} else {
		/* Kept for whoever sanitizes later (publish, via the store). */
		if (e->summary != NULL)
			e->summary_base = xstrdup0(sbase);
		if (e->content != NULL)
			e->content_base = xstrdup0(cbase);
	}
}

char *
parse_entry_text(const struct entry *e, size_t max)
{
	struct buf	 b;
	const char	*html;
	size_t		 before;

	html = e->content != NULL ? e->content : e->summary;
	/* Room for all of it at once: the text is never longer. */
	b.cap = (e->title != NULL ? strlen(e->title) : 0) + 2 +
	    (html != NULL ? strlen(html) : 0);
	if (max > 0 && b.cap > max + 8)
		b.cap = max + 8;
	b.data = xmalloc(b.cap);
	b.data[0] = '\0';
	b.len = 0;
	if (e->title != NULL)
		buf_puts(&b, e->title);
	if (html != NULL && (max == 0 || b.len < max)) {
		if (b.len > 0)
			buf_putc(&b, '\n');
		before = b.len;
		text_append_html(&b, html, strlen(html), max == 0 ? 0 :
		    max > b.len ? max - b.len : 1);
		if (b.len == before && before > 0)
			b.data[--b.len] = '\0';	/* no text after all */
	}
	cut(&b, max > 0 ? max : b.len);
	if (b.data == NULL)
		return (xstrdup(""));
	return (buf_steal(&b));
}

/* jstr makes a JSON string or null. */
static json_t *
jstr(const char *s)
{
	json_t	*j;
	char	*c;

	if (s == NULL)
		return (json_null());
	if ((j = json_string(s)) != NULL)
		return (j);
	c = text_utf8_clean(s, strlen(s));	/* never expected */
	j = json_string(c);
	free(c);
	return (j != NULL ? j : json_null());
}

/* jdate makes an RFC 3339 date or null. */
static json_t *
jdate(long long t)
{
	json_t	*j;
	char	*s;

	if (t == TIME_UNKNOWN)
		return (json_null());
	s = date_rfc3339(t);
	j = json_string(s);
	free(s);
	return (j);
}

static json_t *
json_entry(const struct entry *e)
{
	json_t	*o, *a, *x;
	int	 i;

	o = json_object();
	json_object_set_new(o, "id", jstr(e->id));
	json_object_set_new(o, "title", jstr(e->title));
	json_object_set_new(o, "link", jstr(e->link));
	a = json_array();
	for (i = 0; i < e->nlinks; i++) {
		x = json_object();
		json_object_set_new(x, "rel", jstr(e->links[i].rel));
		json_object_set_new(x, "href", jstr(e->links[i].href));
		json_object_set_new(x, "type", jstr(e->links[i].type));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "links", a);
	json_object_set_new(o, "author", jstr(e->author));
	json_object_set_new(o, "published", jdate(e->published));
	json_object_set_new(o, "updated", jdate(e->updated));
	json_object_set_new(o, "summary", jstr(e->summary));
	json_object_set_new(o, "content", jstr(e->content));
	a = json_array();
	for (i = 0; i < e->ncategories; i++)
		json_array_append_new(a, jstr(e->categories[i]));
	json_object_set_new(o, "categories", a);
	a = json_array();
	for (i = 0; i < e->nenclosures; i++) {
		x = json_object();
		json_object_set_new(x, "url", jstr(e->enclosures[i].url));
		json_object_set_new(x, "type", jstr(e->enclosures[i].type));
		json_object_set_new(x, "length", e->enclosures[i].length < 0 ?
		    json_null() : json_integer(e->enclosures[i].length));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "enclosures", a);
	json_object_set_new(o, "id_derived", json_boolean(e->id_derived));
	json_object_set_new(o, "canonical_url", jstr(e->canonical_url));
	return (o);
}

/* json_hints adds the scheduler hints a document gave. */
static void
json_hints(json_t *o, const struct doc *d)
{
	json_t	*a;
	int	 i;

	json_object_set_new(o, "self", jstr(d->self));
	json_object_set_new(o, "hub", jstr(d->hub));
	json_object_set_new(o, "next", jstr(d->next));
	json_object_set_new(o, "icon", jstr(d->icon));
	json_object_set_new(o, "ttl", d->ttl_minutes < 0 ? json_null() :
	    json_integer(d->ttl_minutes));
	json_object_set_new(o, "sy_period", d->sy_period_seconds < 0 ?
	    json_null() : json_integer(d->sy_period_seconds));
	json_object_set_new(o, "sy_frequency", d->sy_frequency < 0 ?
	    json_null() : json_integer(d->sy_frequency));
	a = json_array();
	for (i = 0; i < 24; i++)
		if (d->skip_hours & (1U << i))
			json_array_append_new(a, json_integer(i));
	json_object_set_new(o, "skip_hours", a);
	a = json_array();
	for (i = 0; i < 7; i++)
		if (d->skip_days & (1U << i))
			json_array_append_new(a, json_integer(i));
	json_object_set_new(o, "skip_days", a);
}

char *
parse_json(const struct doc *d)
{
	json_t	*o, *a;
	char	*s, *out;
	int	 i;

	o = json_object();
	json_object_set_new(o, "format", d->format == FORMAT_UNKNOWN ?
	    json_null() : json_string(format_name(d->format)));
	json_object_set_new(o, "title", jstr(d->title));
	json_object_set_new(o, "link", jstr(d->link));
	json_object_set_new(o, "id", jstr(d->id));
	json_object_set_new(o, "subtitle", jstr(d->subtitle));
	json_object_set_new(o, "language", jstr(d->language));
	json_object_set_new(o, "updated", jdate(d->updated));
	json_object_set_new(o, "bozo", json_boolean(d->bozo));
	a = json_array();
	for (i = 0; i < d->nerrors; i++)
		json_array_append_new(a, jstr(d->errors[i]));
	json_object_set_new(o, "errors", a);
	json_hints(o, d);
	a = json_array();
	for (i = 0; i < d->nentries; i++)
		json_array_append_new(a, json_entry(&d->entries[i]));
	json_object_set_new(o, "entries", a);
	s = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (s == NULL)
		fatalx("json_dumps");
	out = xstrdup(s);
	free(s);
	return (out);
}
