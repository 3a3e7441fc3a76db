/*
 * A streaming zip writer: entries are deflated (zlib) straight to a
 * seekable file as they are written, so an entry of any size costs one
 * compression buffer. After an entry ends its local header is patched in
 * place with the CRC-32 and sizes (no data descriptors: every reader
 * handles that form). ZIP64 records are written only where a size, an
 * offset or the entry count needs them (or always, with force_zip64, to
 * test readers). Memory: one central-directory record per entry.
 */
#ifndef SKOLNAV_ZIPW_H
#define SKOLNAV_ZIPW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct zipw zipw;

/* Starts a zip on f (open for writing, seekable; the caller closes it
 * after zipw_close). mtime: the entries' modification time (Unix s). */
zipw *zipw_open(FILE *f, int64_t mtime, int force_zip64);
/* Starts an entry; the previous one must be ended. */
int zipw_begin(zipw *z, const char *name);
int zipw_write(zipw *z, const void *p, size_t n);
int zipw_end(zipw *z);
/* Writes the central directory and frees z (also after a failure, when it
 * only frees). Returns -1 when any write failed, with the reason in err. */
int zipw_close(zipw *z, char *err, size_t errlen);
/* Why the last call failed. */
const char *zipw_error(const zipw *z);
/* Bytes written so far (compressed, headers included). */
uint64_t zipw_offset(const zipw *z);

#endif
