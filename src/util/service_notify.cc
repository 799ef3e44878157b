#include "util/service_notify.h"

#include <cerrno>

#ifdef CTDB_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace ctdb::service {
namespace {

Status send(const std::string& state) {
#ifdef CTDB_HAVE_SYSTEMD
  int rc = sd_notify(0, state.c_str());
  if (rc < 0) return errnoError(-rc, "sd_notify");
  return {};
#else
  (void)state;
  return {};
#endif
}

}  // namespace

bool notifySupported() {
#ifdef CTDB_HAVE_SYSTEMD
  return true;
#else
  return false;
#endif
}

Status notifyReady(const std::string& status) { return send("READY=1\nSTATUS=" + status); }

Status notifyStopping(const std::string& status) { return send("STOPPING=1\nSTATUS=" + status); }

}  // namespace ctdb::service
