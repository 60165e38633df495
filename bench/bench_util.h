/*
 * bench_util.h: what the bench drivers share: reading a whole file, clocks,
 * a seeded random generator, the Zipf word model of the synthetic-store
 * drivers (store_driver, related_driver), their option parsing and
 * percentiles.  Header-only so that each driver stays one program.
 */
#ifndef SYNDIC_BENCH_UTIL_H
#define SYNDIC_BENCH_UTIL_H

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

/* bench_read_file reads path whole; *len gets its size (caller frees). */
static inline char *
bench_read_file(const char *path, size_t *len)
{
	struct stat	 st;
	char		*data;
	size_t		 cap = 65536, n = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		err(1, "%s", path);
	/* Room for the whole file at once when it says its size. */
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	data = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			data = xreallocarray(data, cap + 1, 1);
		}
		if ((r = read(fd, data + n, cap - n)) == -1)
			err(1, "%s", path);
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	data[n] = '\0';
	*len = n;
	return (data);
}

/*
 * bench_clock gives a clock's time in seconds (CLOCK_MONOTONIC for wall
 * time, CLOCK_PROCESS_CPUTIME_ID for the process's CPU time).
 */
static inline double
bench_clock(clockid_t c)
{
	struct timespec	 ts;

	clock_gettime(c, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* bench_now gives a monotonic time in seconds. */
static inline double
bench_now(void)
{
	return (bench_clock(CLOCK_MONOTONIC));
}

/* A xorshift64 generator: a seed gives the same sequence everywhere. */
struct bench_rng {
	unsigned long long	 s;
};

/* bench_rnd64 gives the next 64 random bits. */
static inline unsigned long long
bench_rnd64(struct bench_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (r->s);
}

/* bench_rnd01 gives a uniform double in [0, 1). */
static inline double
bench_rnd01(struct bench_rng *r)
{
	return ((bench_rnd64(r) >> 11) * (1.0 / 9007199254740992.0));
}

/* A vocabulary whose word i is drawn with a weight of 1 / (i + 1). */
struct bench_vocab {
	char	**word;
	double	 *cdf;
	int	  n;
};

/*
 * bench_vocab_init makes n made-up words from nsyl syllables and their
 * Zipf table.  Without rng, word i spells i + nsyl in base nsyl (at most
 * 14 letters) followed by an 'x', so the words are distinct; with rng,
 * each is one to three syllables drawn at random (repeats happen).
 */
static inline void
bench_vocab_init(struct bench_vocab *v, int n, const char *const *syl,
    int nsyl, struct bench_rng *rng)
{
	double	 sum = 0;
	size_t	 len, sl;
	char	 w[32];
	int	 i, j, k, x;

	v->n = n;
	v->word = xcalloc(n, sizeof *v->word);
	v->cdf = xcalloc(n, sizeof *v->cdf);
	for (i = 0; i < n; i++) {
		len = 0;
		if (rng != NULL) {
			k = 1 + (int)(bench_rnd64(rng) % 3);
			for (j = 0; j < k; j++) {
				x = (int)(bench_rnd64(rng) % nsyl);
				sl = strlen(syl[x]);
				if (len + sl >= sizeof w)
					break;
				memcpy(w + len, syl[x], sl);
				len += sl;
			}
		} else {
			for (x = i + nsyl; x > 0; x /= nsyl) {
				sl = strlen(syl[x % nsyl]);
				if (len + sl >= 15)
					break;
				memcpy(w + len, syl[x % nsyl], sl);
				len += sl;
			}
			w[len++] = 'x';
		}
		w[len] = '\0';
		v->word[i] = xstrdup(w);
		sum += 1.0 / (i + 1);
		v->cdf[i] = sum;
	}
	for (i = 0; i < n; i++)
		v->cdf[i] /= sum;
}

/* bench_vocab_draw draws a word by its Zipf weight. */
static inline const char *
bench_vocab_draw(const struct bench_vocab *v, struct bench_rng *r)
{
	double	 u = bench_rnd01(r);
	int	 lo = 0, hi = v->n - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (v->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (v->word[lo]);
}

/* bench_count reads option what, a number in [min, max], or exits. */
static inline long long
bench_count(const char *s, long long min, long long max, const char *what)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || n < min || n > max)
		errx(64, "%s: %s: not a number from %lld to %lld", what, s,
		    min, max);
	return (n);
}

/* bench_unlink_db removes a SQLite database with its -wal and -shm. */
static inline void
bench_unlink_db(const char *path)
{
	char	 p[4096];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static inline int
bench_dbl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* bench_sort sorts n doubles in increasing order. */
static inline void
bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_dbl_cmp);
}

#endif
