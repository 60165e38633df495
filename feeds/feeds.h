/*
 * feeds.h: the public interface of feeds/: fetching, parsing, dates, URLs,
 * sanitizing, OPML and the output writers.  Prototypes are grouped under
 * the file that defines them.
 */
#ifndef SYNDIC_FEEDS_H
#define SYNDIC_FEEDS_H

#include <stddef.h>

#include "model.h"

#endif
