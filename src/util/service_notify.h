/*
 * Service-manager notification: tells systemd (Type=notify units) where the
 * daemon is in its life, through sd_notify(3) from Debian's libsystemd.
 *
 * Owns: nothing but the choice of backend, made at build time. With
 * libsystemd (CMake option CTDB_SYSTEMD, auto-detected) every call sends one
 * sd_notify message to $NOTIFY_SOCKET; without it, or when the process was
 * not started by a service manager ($NOTIFY_SOCKET unset), every call does
 * nothing and succeeds, so a hand-started daemon behaves the same.
 *
 * Invariant: the daemon sends READY=1 exactly once, when it reaches
 * RUNNING, and STOPPING=1 once, when it enters SHUTDOWN (ctdbd_main.cc).
 * The environment is left as it is (the event scripts never see
 * NOTIFY_SOCKET consumed: unset_environment = 0).
 */
#pragma once

#include <string>

#include "ctdb/result.h"

namespace ctdb::service {

/* Is the notification backend compiled in (libsystemd)? */
bool notifySupported();

/* READY=1 plus STATUS=<status>. */
Status notifyReady(const std::string& status);
/* STOPPING=1 plus STATUS=<status>. */
Status notifyStopping(const std::string& status);

}  // namespace ctdb::service
