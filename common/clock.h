/*
 * clock.h: the two clocks the daemon times its work with, in
 * microseconds: monotonic wall time, and the calling thread's CPU time.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <time.h>

/* clock_mono_us returns the monotonic clock in microseconds. */
static inline long long
clock_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* clock_thread_cpu_us returns the calling thread's CPU time in µs. */
static inline long long
clock_thread_cpu_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

#endif
