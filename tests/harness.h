/*
 * harness.h: what integration tests share: a scratch directory, running
 * the real syndic binary, waiting for it, and a small HTTP client.
 */
#ifndef SYNDIC_HARNESS_H
#define SYNDIC_HARNESS_H

#include <sys/types.h>

#include <stddef.h>

struct hresp {
	long	 status;
	char	*headers;	/* raw header block, all responses */
	char	*body;
	size_t	 len;
};

/* h_tmpdir makes a fresh scratch directory (removed by h_cleanup). */
char	*h_tmpdir(void);
void	 h_cleanup(const char *dir);
void	 h_write(const char *path, const char *content);
/* h_read returns the file's contents (NUL-terminated), or NULL. */
char	*h_read(const char *path, size_t *len);
/* h_free_port returns a loopback TCP port that is free right now. */
int	 h_free_port(void);
/* h_syndic returns the path of the binary under test. */
const char *h_syndic(void);
/*
 * h_spawn starts argv (argv[0] a path) with extra "K=V" environment
 * variables (NULL-terminated list or NULL), stdout and stderr to files
 * (or /dev/null when NULL).  Returns the pid.
 */
pid_t	 h_spawn(char *const argv[], char *const env[], const char *out,
	    const char *err);
/* h_wait waits up to ms for pid; returns its exit status or -1 on timeout. */
int	 h_wait(pid_t pid, int ms);
/* h_run spawns, waits (up to 60 s) and returns the exit status; output is
 * captured into *out and *err when not NULL (caller frees). */
int	 h_run(char *const argv[], char *const env[], char **out, char **err);
/* h_wait_port waits up to ms for a TCP listener on 127.0.0.1:port. */
int	 h_wait_port(int port, int ms);
/*
 * h_http performs one request ("GET", "HEAD", ...) with optional extra
 * header lines (NULL-terminated) and fills r.  Returns 0, or -1 when no
 * response came.
 */
int	 h_http(const char *method, const char *url, const char *const *hdrs,
	    struct hresp *r);
/* h_header finds a response header's value (caller frees), or NULL. */
char	*h_header(const struct hresp *r, const char *name);
void	 h_hresp_free(struct hresp *r);

#endif
