/*
 * INTERNAL to src/net: the one place libnl's NLE_* codes are converted.
 *
 * libnl reports failures as negative NLE_* numbers (its own space, not
 * errno). Nothing outside src/net ever sees one: every public function
 * converts through nlError(), which yields an Error with an errno in
 * std::system_category() and a context line that names the object and keeps
 * libnl's own text for the log. Mapping (see doc/netlink.md):
 *   NLE_EXIST->EEXIST, NLE_NOADDR->EADDRNOTAVAIL, NLE_NODEV->ENODEV,
 *   NLE_OBJ_NOTFOUND->ENOENT, NLE_NOMEM->ENOBUFS (libnl folds the socket
 *   overflow ENOBUFS into NLE_NOMEM), NLE_PERM->EPERM, NLE_NOACCESS->EACCES,
 *   NLE_AGAIN->EAGAIN, NLE_INTR->EINTR, NLE_DUMP_INTR->EAGAIN, ... and
 *   anything unknown -> EIO.
 */
#pragma once

#include <string>

#include "ctdb/result.h"

namespace ctdb::net::detail {

/* nle may be negative (as libnl returns it) or positive. */
int nlErrorToErrno(int nle);

/* Error{errno from nle, "CONTEXT (libnl: TEXT)"}. */
Error nlError(int nle, const std::string& context);

}  // namespace ctdb::net::detail
