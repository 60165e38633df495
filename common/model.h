/*
 * model.h: the data shared by feeds/ and storage/: a parsed feed document
 * with its entries (what the parser produces and the store keeps) and an
 * output channel of stories (what the store yields and the writers render).
 *
 * NOTE: this header includes nothing else; feeds/ and storage/ both use it
 * and must never include each other.
 *
 * Times are seconds since the epoch, UTC, or TIME_UNKNOWN.  Strings are
 * UTF-8, NUL-terminated and owned by the structure; a field the document
 * lacks is NULL, never "".
 */
#ifndef SYNDIC_MODEL_H
#define SYNDIC_MODEL_H

#define TIME_UNKNOWN	(-1LL)

enum doc_format {
	FORMAT_UNKNOWN = 0,
	FORMAT_RSS20,		/* "rss2.0" */
	FORMAT_RSS10,		/* "rss1.0" (RDF) */
	FORMAT_RSS09X,		/* "rss0.9x" (0.90 to 0.94) */
	FORMAT_ATOM10,		/* "atom1.0" */
	FORMAT_ATOM03,		/* "atom0.3" */
	FORMAT_JSONFEED		/* "jsonfeed" (1.0 and 1.1) */
};

struct link {
	char		*rel;		/* "alternate" when the feed said none */
	char		*href;		/* absolute */
	char		*type;
	char		*title;
};

struct enclosure {
	char		*url;		/* absolute */
	char		*type;
	long long	 length;	/* bytes, -1 unknown */
};

struct entry {
	char		*id;		/* GUID/id, or derived (see id_derived) */
	int		 id_derived;	/* 1 when id was computed, not given */
	char		*title;		/* plain text */
	char		*link;		/* absolute permalink */
	char		*canonical_url;	/* link canonicalized for dedup */
	struct link	*links;
	int		 nlinks;
	char		*author;
	long long	 published;
	long long	 updated;
	char		*summary;	/* HTML, as received unless sanitized */
	char		*content;	/* HTML, as received unless sanitized */
	int		 sanitized;	/* 1 when summary/content are sanitized */
	char		*summary_base;	/* unsanitized: base URL of the links */
	char		*content_base;	/* in summary, content; else NULL */
	char		**categories;
	int		 ncategories;
	struct enclosure *enclosures;
	int		 nenclosures;
};

struct doc {
	enum doc_format	 format;
	char		*title;		/* plain text */
	char		*link;		/* the site */
	char		*id;
	char		*subtitle;
	char		*language;
	char		*icon;
	long long	 updated;
	int		 bozo;		/* not well-formed, or repaired */
	char		**errors;	/* "line 12: ..." */
	int		 nerrors;
	struct entry	*entries;
	int		 nentries;

	/* Hints for the scheduler; -1 or 0 when absent. */
	int		 ttl_minutes;		/* RSS <ttl> */
	int		 sy_period_seconds;	/* sy:updatePeriod */
	int		 sy_frequency;		/* sy:updateFrequency */
	unsigned int	 skip_hours;	/* bit h set: skip hour h (0-23, GMT) */
	unsigned int	 skip_days;	/* bit d set: skip day d (0 = Sunday) */

	/* Links the feed declares about itself. */
	char		*self;
	char		*hub;
	char		*next;
};

/* A source that carried a story. */
struct source_ref {
	char		*title;		/* the feed's title */
	char		*url;		/* the site (or the feed when no site) */
	char		*feed_url;
	char		*entry_url;	/* this source's copy of the story */
};

/* A "You might also like" link. */
struct related_ref {
	char		*url;
	char		*title;
	char		*source;	/* the feed title of the related story */
	double		 score;
};

/* One story of the merged output: the representative entry and its sources. */
struct item {
	long long	 story_id;
	char		*id;		/* stable across renders */
	char		*title;
	char		*link;
	char		*author;
	long long	 published;
	long long	 updated;
	char		*summary;	/* sanitized HTML */
	char		*content;	/* sanitized HTML */
	char		**categories;
	int		 ncategories;
	struct enclosure *enclosures;
	int		 nenclosures;
	struct source_ref source;
	struct source_ref *also;	/* other sources that carried it */
	int		 nalso;
	struct related_ref *related;
	int		 nrelated;
};

/* A page of the merged output. */
struct channel {
	char		*title;
	char		*link;		/* the HTML river */
	char		*self;		/* this document's URL */
	char		*hub;		/* WebSub hub, or NULL */
	char		*next;		/* RFC 5005 next (older) page, or NULL */
	char		*id;
	long long	 updated;
	char		*feed_base;	/* the feeds' URL without ".atom", ".rss",
					   ".json": the river's subscribe links */
	struct item	*items;
	int		 nitems;
};

/* Destructors in common/model.c; each accepts NULL. */
void	 link_clear(struct link *);
void	 enclosure_clear(struct enclosure *);
void	 entry_clear(struct entry *);
void	 doc_free(struct doc *);
void	 source_ref_clear(struct source_ref *);
void	 related_ref_clear(struct related_ref *);
void	 item_clear(struct item *);
void	 channel_free(struct channel *);
/* doc_new returns an empty document with every hint unset. */
struct doc *doc_new(void);
/* format_name gives the JSON name of a format ("rss2.0", ...). */
const char *format_name(int);

#endif
