/*
 * date.c: reading the dates feeds carry and writing the two we emit.
 *
 * One tolerant reader handles RFC 822/2822 (any zone name, full or
 * misspelled month and day names, two-digit years), RFC 3339, ISO 8601
 * and W3DTF (basic and extended, reduced precision, fractions), asctime
 * and the broken mixtures real feeds send.  It works on tokens, so the
 * order of the parts matters little; it refuses rather than guesses when
 * a part is missing or out of range: a wrong date is worse than none.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds.h"
#include "xmalloc.h"

#define DATE_MAX_INPUT	128

/* Time zone names and their offsets in minutes east of UTC. */
static const struct {
	const char	*name;
	int		 offset;
} date_zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "AKST", -540 }, { "AKDT", -480 }, { "HST", -600 }, { "AST", -240 },
	{ "ADT", -180 }, { "NST", -210 }, { "NDT", -150 },
	{ "BST", 60 }, { "IST", 60 }, { "WEST", 60 }, { "CET", 60 },
	{ "MET", 60 }, { "CEST", 120 }, { "MEST", 120 }, { "MESZ", 120 },
	{ "MEZ", 60 }, { "EET", 120 }, { "EEST", 180 }, { "MSK", 180 },
	{ "MSD", 240 }, { "JST", 540 }, { "KST", 540 }, { "HKT", 480 },
	{ "SGT", 480 }, { "AWST", 480 }, { "ACST", 570 }, { "ACDT", 630 },
	{ "AEST", 600 }, { "AEDT", 660 }, { "NZST", 720 }, { "NZDT", 780 },
	{ "ICT", 420 }, { "WIB", 420 }, { "PHT", 480 }, { "SAST", 120 },
	{ "ART", -180 }, { "BRT", -180 }, { "CAT", 120 }, { "EAT", 180 },
	{ "WAT", 60 },
};

static const char *date_months[] = { "jan", "feb", "mar", "apr", "may",
    "jun", "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *date_days[] = { "sun", "mon", "tue", "wed", "thu", "fri",
    "sat" };
static const char *date_months_out[] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *date_days_out[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

struct date_parts {
	int	 year, month, day;
	int	 hour, min, sec;
	int	 offset;		/* minutes east of UTC */
	int	 have_zone;
	int	 pm, am;
};

/* date_days_from_civil counts days from 1970-01-01 (proleptic Gregorian). */
static long long
date_days_from_civil(long long y, int m, int d)
{
	long long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static int
date_mdays(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (29);
	return (mdays[m - 1]);
}

/* date_finish checks the parts and turns them into seconds. */
static long long
date_finish(struct date_parts *p)
{
	long long	 t;

	if (p->pm && p->hour >= 1 && p->hour < 12)
		p->hour += 12;
	else if (p->am && p->hour == 12)
		p->hour = 0;
	if (p->year < 1900 || p->year > 9999 || p->month < 1 ||
	    p->month > 12 || p->day < 1 ||
	    p->day > date_mdays(p->year, p->month) || p->hour < 0 ||
	    p->hour > 24 || p->min < 0 || p->min > 59 || p->sec < 0 ||
	    p->sec > 60 || (p->hour == 24 && (p->min != 0 || p->sec != 0)))
		return (TIME_UNKNOWN);
	if (p->sec == 60)
		p->sec = 59;
	if (p->offset < -24 * 60 || p->offset > 24 * 60)
		return (TIME_UNKNOWN);
	t = date_days_from_civil(p->year, p->month, p->day) * 86400LL +
	    p->hour * 3600 + p->min * 60 + p->sec - p->offset * 60LL;
	if (t == TIME_UNKNOWN)
		t = 0;		/* one second off beats "unknown" */
	return (t);
}

/* date_digits reads exactly n digits at *s; -1 when they are not there. */
static int
date_digits(const char **s, int n)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return (-1);
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return (v);
}

/* date_iso_zone reads Z, +HH, +HHMM or +HH:MM; 0 on success. */
static int
date_iso_zone(const char *s, struct date_parts *p)
{
	int	 sign, h, m = 0;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return (0);
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		p->have_zone = 1;
		return (0);
	}
	if (strcasecmp(s, "UTC") == 0 || strcasecmp(s, "GMT") == 0) {
		p->have_zone = 1;
		return (0);
	}
	if (*s != '+' && *s != '-')
		return (-1);
	sign = *s++ == '-' ? -1 : 1;
	if ((h = date_digits(&s, 2)) == -1)
		return (-1);
	if (*s == ':')
		s++;
	if (*s != '\0' && (m = date_digits(&s, 2)) == -1)
		return (-1);
	if (*s != '\0' || h > 23 || m > 59)
		return (-1);
	p->offset = sign * (h * 60 + m);
	p->have_zone = 1;
	return (0);
}

/* date_iso reads ISO 8601 / RFC 3339 / W3DTF; -1 when s is not that form. */
static int
date_iso(const char *s, struct date_parts *p)
{
	int	 basic;

	if ((p->year = date_digits(&s, 4)) == -1)
		return (-1);
	basic = isdigit((unsigned char)*s);
	if (*s == '\0') {
		p->month = p->day = 1;
		return (0);
	}
	if (!basic && *s++ != '-')
		return (-1);
	if ((p->month = date_digits(&s, 2)) == -1)
		return (-1);
	if (*s == '\0' && !basic) {
		p->day = 1;
		return (0);
	}
	if (!basic && *s++ != '-')
		return (-1);
	if ((p->day = date_digits(&s, 2)) == -1)
		return (-1);
	if (*s == '\0')
		return (0);
	if (*s != 'T' && *s != 't' && *s != ' ')
		return (-1);
	while (*s == 'T' || *s == 't' || *s == ' ')
		s++;
	if ((p->hour = date_digits(&s, 2)) == -1)
		return (-1);
	if (*s == ':')
		s++;
	if ((p->min = date_digits(&s, 2)) == -1)
		return (-1);
	if (*s == ':' || (basic && isdigit((unsigned char)*s))) {
		if (*s == ':')
			s++;
		if ((p->sec = date_digits(&s, 2)) == -1)
			return (-1);
	}
	if (*s == '.' || *s == ',') {
		s++;
		if (!isdigit((unsigned char)*s))
			return (-1);
		while (isdigit((unsigned char)*s))
			s++;
	}
	return (date_iso_zone(s, p));
}

/* date_key3 packs the first three letters of a word, lower-case. */
static unsigned int
date_key3(const char *w)
{
	return ((unsigned int)tolower((unsigned char)w[0]) << 16 |
	    (unsigned int)tolower((unsigned char)w[1]) << 8 |
	    (unsigned int)tolower((unsigned char)w[2]));
}

/* date_word interprets an alphabetic token; -1 when it means nothing. */
static int
date_word(const char *w, size_t n, struct date_parts *p)
{
	unsigned int	 key;
	size_t		 i;

	if (n >= 3) {
		/* Compared as numbers: a word each, on every date. */
		key = date_key3(w);
		for (i = 0; i < 12; i++) {
			if (key == date_key3(date_months[i])) {
				p->month = i + 1;
				return (0);
			}
		}
		for (i = 0; i < 7; i++) {
			if (key == date_key3(date_days[i]))
				return (0);
		}
	}
	for (i = 0; n <= 4 && i < sizeof date_zones / sizeof date_zones[0];
	    i++) {
		if (toupper((unsigned char)w[0]) == date_zones[i].name[0] &&
		    strlen(date_zones[i].name) == n &&
		    strncasecmp(w, date_zones[i].name, n) == 0) {
			p->offset = date_zones[i].offset;
			p->have_zone = 1;
			return (0);
		}
	}
	if (n == 2 && strncasecmp(w, "pm", 2) == 0) {
		p->pm = 1;
		return (0);
	}
	if (n == 2 && strncasecmp(w, "am", 2) == 0) {
		p->am = 1;
		return (0);
	}
	if ((n == 2 && strncasecmp(w, "th", 2) == 0) ||
	    (n == 2 && strncasecmp(w, "st", 2) == 0) ||
	    (n == 2 && strncasecmp(w, "nd", 2) == 0) ||
	    (n == 2 && strncasecmp(w, "rd", 2) == 0) ||
	    (n == 2 && strncasecmp(w, "at", 2) == 0) ||
	    (n == 1 && (*w == 'T' || *w == 't')))
		return (0);
	/* Military single letters other than Z are too ambiguous: ignore. */
	if (n == 1 && isalpha((unsigned char)*w) && *w != 'J' && *w != 'j')
		return (0);
	return (-1);
}

/* date_time reads HH:MM[:SS[.frac]] at *s. */
static int
date_time(const char **sp, struct date_parts *p)
{
	const char	*s = *sp;
	char		*end;
	long		 v;

	v = strtol(s, &end, 10);
	if (end == s || end - s > 2 || *end != ':')
		return (-1);
	p->hour = v;
	s = end + 1;
	v = strtol(s, &end, 10);
	if (end - s != 2)
		return (-1);
	p->min = v;
	s = end;
	if (*s == ':' && isdigit((unsigned char)s[1])) {
		s++;
		v = strtol(s, &end, 10);
		if (end - s != 2)
			return (-1);
		p->sec = v;
		s = end;
		if (*s == '.' || *s == ',')
			for (s++; isdigit((unsigned char)*s); s++)
				;
	}
	*sp = s;
	return (0);
}

/* date_number places a plain number: day, year, or a numeric zone. */
static int
date_number(const char **sp, struct date_parts *p, int sign)
{
	const char	*s = *sp;
	char		*end;
	long		 v;
	size_t		 n;

	v = strtol(s, &end, 10);
	n = end - s;
	*sp = end;
	if (sign != 0 && (p->hour >= 0 || p->have_zone)) {
		/* +0100, -05:00, +5 */
		if (n > 4)
			return (-1);	/* and no overflow below (fuzz_date) */
		if (*end == ':' && isdigit((unsigned char)end[1])) {
			if (n > 2 || strspn(end + 1, "0123456789") > 2)
				return (-1);
			v = v * 100 + strtol(end + 1, &end, 10);
			*sp = end;
			n = 4;
		}
		if (n <= 2)
			v *= 100;
		if (n > 4 || v % 100 > 59)
			return (-1);
		p->offset += sign * ((v / 100) * 60 + v % 100);
		p->have_zone = 1;
		return (0);
	}
	if (n == 4 && p->year < 0) {
		p->year = v;
		return (0);
	}
	if (n <= 2 && p->day < 0) {
		p->day = v;
		return (0);
	}
	if (n <= 2 && p->year < 0 && p->month >= 0) {
		p->year = v < 50 ? 2000 + v : 1900 + v;
		return (0);
	}
	return (-1);
}

/* date_loose reads the RFC 822 family, asctime and their broken kin. */
static int
date_loose(const char *s, struct date_parts *p)
{
	const char	*w;
	int		 sign;

	p->year = p->month = p->day = p->hour = -1;
	p->min = p->sec = 0;
	while (*s != '\0') {
		if (isspace((unsigned char)*s) || *s == ',' || *s == '.' ||
		    *s == '/' || *s == '(' || *s == ')') {
			s++;
			continue;
		}
		if (isalpha((unsigned char)*s)) {
			for (w = s; isalpha((unsigned char)*s); s++)
				;
			if (date_word(w, s - w, p) == -1)
				return (-1);
			continue;
		}
		sign = 0;
		if (*s == '+' || *s == '-') {
			sign = *s == '-' ? -1 : 1;
			s++;
			if (!isdigit((unsigned char)*s))
				continue;
		}
		if (!isdigit((unsigned char)*s))
			return (-1);
		if (sign == 0 && p->hour < 0 && date_time(&s, p) == 0)
			continue;
		if (date_number(&s, p, sign) == -1)
			return (-1);
	}
	if (p->hour < 0)
		p->hour = 0;
	if (p->year < 0 || p->month < 0 || p->day < 0)
		return (-1);
	return (0);
}

long long
date_parse(const char *in)
{
	struct date_parts	 p;
	char			 s[DATE_MAX_INPUT];
	size_t			 n;

	if (in == NULL)
		return (TIME_UNKNOWN);
	while (isspace((unsigned char)*in))
		in++;
	n = strlen(in);
	while (n > 0 && isspace((unsigned char)in[n - 1]))
		n--;
	if (n == 0 || n >= sizeof s)
		return (TIME_UNKNOWN);
	memcpy(s, in, n);
	s[n] = '\0';

	memset(&p, 0, sizeof p);
	if (isdigit((unsigned char)s[0]) && date_iso(s, &p) == 0)
		return (date_finish(&p));
	memset(&p, 0, sizeof p);
	if (date_loose(s, &p) == 0)
		return (date_finish(&p));
	return (TIME_UNKNOWN);
}

/* date_civil splits t into its UTC calendar parts. */
static void
date_civil(long long t, int *y, int *mo, int *d, int *h, int *mi, int *s,
    int *wday)
{
	long long	 days, z, era, doe, yoe, doy, mp, secs;

	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	*wday = (int)(((days % 7) + 11) % 7);	/* 1970-01-01 was Thursday */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*mo <= 2));
	*h = (int)(secs / 3600);
	*mi = (int)(secs / 60 % 60);
	*s = (int)(secs % 60);
}

char *
date_rfc3339(long long t)
{
	int	 y, mo, d, h, mi, s, wd;
	char	*out;

	date_civil(t, &y, &mo, &d, &h, &mi, &s, &wd);
	xasprintf(&out, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
	return (out);
}

char *
date_rfc822(long long t)
{
	int	 y, mo, d, h, mi, s, wd;
	char	*out;

	date_civil(t, &y, &mo, &d, &h, &mi, &s, &wd);
	xasprintf(&out, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    date_days_out[wd], d, date_months_out[mo - 1], y, h, mi, s);
	return (out);
}
