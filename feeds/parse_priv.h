/*
 * parse_priv.h: what parse.c and repair.c share: the context of one
 * document's parse and the table of texts kept out of libxml2's way.
 * Private to feeds/: nothing outside includes it.
 */
#ifndef SYNDIC_PARSE_PRIV_H
#define SYNDIC_PARSE_PRIV_H

#include <stddef.h>

struct doc;

/* What we carry down the tree. */
struct pctx {
	struct doc	*d;
	int		 flags;
	int		 atom;		/* Atom format: core is Atom's namespace */
	const char	*top;		/* base URL outside any xml:base */
	char		*eof_tag;	/* innermost element left open at EOF */
	int		 mismatch;	/* an end tag did not match */
	int		 refused;	/* hostile: not parsed at all */
	int		 stopped;	/* the parser was stopped at a cap */
	long		 nitems;	/* items and entries seen by the parser */
	struct cdata	*cdata;		/* CDATA contents kept out of libxml2 */
	size_t		 ncdata;
	size_t		 cdatacap;
	char		*dec;		/* text decoded by the pre-pass */
	size_t		 declen;
	size_t		 deccap;
	int		 decoded;	/* text runs text_out took */
	int		 wellformed;	/* as libxml2 saw the last read */
	char		*u8;		/* the document made UTF-8, if it was not */
	int		 entity_decl;	/* entity declarations were seen */
	int		 dropped;	/* entries beyond PARSE_MAX_ENTRIES */
	long		 nodes;		/* elements and attributes so far */
};

/*
 * A CDATA section's content, kept out of libxml2's way.  libxml2 2.9 reads
 * CDATA one character at a time (a fifth of the whole ingest on a typical
 * corpus of full-text feeds): the pre-pass swaps each section of a UTF-8
 * document for a short placeholder and the walk reads the original bytes
 * instead.  The placeholder is U+F8FF and the index; only nodes of
 * type CDATA are looked up, and all of those hold placeholders we made.
 */
struct cdata {
	const char	*p;
	size_t		 len;
};

#define CDATA_MARK	"\xef\xa3\xbf"	/* U+F8FF, private use */

/* repair.c */

/*
 * repair_document fixes HTML entities, stray ampersands and (when utf8)
 * bytes that are not UTF-8, and (decode) takes entity-escaped text runs
 * out of libxml2's way.  Returns NULL when the document needs none (or
 * was refused: c->refused).
 */
char	*repair_document(struct pctx *c, const char *data, size_t len,
	    int utf8, int decode, size_t *outlen);
/*
 * repair_balance rewrites end tags the way an HTML parser reads them
 * (caller frees).
 */
char	*repair_balance(const char *s, size_t len, size_t *outlen);

#endif
