/*
 * storage.h: the public interface of storage/, the SQLite store.  No SQLite
 * type appears here.
 */
#ifndef SYNDIC_STORAGE_H
#define SYNDIC_STORAGE_H

#include <stddef.h>

#include "model.h"

#endif
