/*
 * Which files of a script directory are event scripts, and which of them
 * declare batch support: the one definition for ctdb_event_helper (C,
 * helper/ctdb_event_helper.c, which runs them) and the daemon (C++,
 * src/event/event_runner.cc, which decides whether to form batch groups).
 * Plain C, header only, no state, so both ends link nothing new and cannot
 * drift.
 *
 * A script name is "NN.name" (two digits and a dot first, as CTDB 4.5's
 * event scripts), 3 to EH_MAX_SCRIPT_NAME bytes, not ending in '~' (an
 * editor's backup). Whether it is enabled (executable) is the caller's
 * business: disabled scripts are reported, not run.
 *
 * The batch marker is the line EH_BATCH_MARKER within the script's first
 * EH_BATCH_MARKER_SCAN bytes: at the start of the file or after a newline,
 * followed by a newline, CR, blank or tab, or by the end of the scanned
 * bytes.
 */
#ifndef CTDB_EVENT_SCRIPT_RULES_H
#define CTDB_EVENT_SCRIPT_RULES_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/helper_proto.h"

static inline int eh_is_script_name(const char* name) {
  size_t len = strlen(name);
  if (len < 3 || len > EH_MAX_SCRIPT_NAME) return 0;
  if (name[len - 1] == '~') return 0;
  if (name[0] < '0' || name[0] > '9') return 0;
  if (name[1] < '0' || name[1] > '9') return 0;
  return name[2] == '.';
}

/* Whether a script whose stat() gave `mode` runs (enabled) or is reported
 * DISABLED: an executable (user x bit) regular file. `ctdb event script
 * enable|disable` sets and clears the x bits. */
static inline int eh_mode_is_enabled(mode_t mode) { return S_ISREG(mode) && (mode & S_IXUSR); }

/* head: the first `len` (<= EH_BATCH_MARKER_SCAN) bytes of a script. */
static inline int eh_head_has_batch_marker(const char* head, size_t len) {
  const size_t mlen = sizeof(EH_BATCH_MARKER) - 1;
  for (size_t off = 0; off + mlen <= len; off++) {
    if (off > 0 && head[off - 1] != '\n') continue;
    if (memcmp(head + off, EH_BATCH_MARKER, mlen) != 0) continue;
    if (off + mlen == len) return 1;
    char c = head[off + mlen];
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') return 1;
  }
  return 0;
}

/* Reads the script at `path` (up to EH_BATCH_MARKER_SCAN bytes, retrying
 * short reads) and looks for the marker; 0 when it cannot be read. */
static inline int eh_file_has_batch_marker(const char* path) {
  char buf[EH_BATCH_MARKER_SCAN];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t r = read(fd, buf + got, sizeof buf - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  return eh_head_has_batch_marker(buf, got);
}

#endif
