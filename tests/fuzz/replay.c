/*
 * replay.c: a main() for the fuzz targets when they are built without
 * libFuzzer (gcc, the ordinary and the sanitizer builds).  It feeds every
 * file of the seed corpus and of the regression folder (one file per past
 * finding) to LLVMFuzzerTestOneInput, so that make check replays them all
 * on every commit.  With arguments it replays those files or folders.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define REPLAY_MAX	(16 * 1024 * 1024)

static int	replay_path(const char *);

/* replay_file runs the target on one file; returns the number of inputs. */
static int
replay_file(const char *path, off_t size)
{
	FILE	*fp;
	uint8_t	*data;
	size_t	 n;

	if (size > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: too large, skipped\n", path);
		return (0);
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	/* An exact-size copy, so that ASan sees a read past the input. */
	data = xmalloc((size_t)size + 1);
	n = fread(data, 1, (size_t)size, fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return (1);
}

/* replay_dir runs the target on every file below a folder. */
static int
replay_dir(const char *dir)
{
	DIR		*dp;
	struct dirent	*de;
	char		*path;
	int		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		n += replay_path(path);
		free(path);
	}
	closedir(dp);
	return (n);
}

static int
replay_path(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) != 0)
		return (0);
	if (S_ISDIR(st.st_mode))
		return (replay_dir(path));
	if (S_ISREG(st.st_mode))
		return (replay_file(path, st.st_size));
	return (0);
}

int
main(int argc, char **argv)
{
	char	*dir;
	int	 i, n = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			n += replay_path(argv[i]);
	} else {
		xasprintf(&dir, "%s/tests/fuzz/corpus/%s", SRCDIR, FUZZ_NAME);
		n += replay_path(dir);
		free(dir);
		xasprintf(&dir, "%s/tests/fuzz/regress/%s", SRCDIR, FUZZ_NAME);
		n += replay_path(dir);
		free(dir);
	}
	printf("replay %s: %d inputs, no crash\n", FUZZ_NAME, n);
	if (n == 0) {
		fprintf(stderr, "replay %s: no input found\n", FUZZ_NAME);
		return (1);
	}
	return (0);
}
