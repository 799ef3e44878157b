#include "event/script_ip_actions.h"

#include <cerrno>

namespace ctdb::event {

namespace {
/* The last non-empty line of a script's output, at most 200 bytes. */
std::string lastLine(const std::string& out) {
  size_t end = out.find_last_not_of("\n\r \t");
  if (end == std::string::npos) return {};
  size_t start = out.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = out.substr(start, end - start + 1);
  if (line.size() > 200) line = line.substr(line.size() - 200);
  return line;
}
}  // namespace

PendingOp ScriptIpActions::run(Event e, std::vector<std::string> args, Done done) {
  return runner_.run(EventRequest{e, std::move(args), std::nullopt},
                     [done = std::move(done)](Result<EventResult> r) {
                       if (!r.ok()) {
                         done(r.error());
                         return;
                       }
                       const ScriptResult* f = r->firstFailure();
                       if (f == nullptr) {
                         done(Status{});
                         return;
                       }
                       // The script's last output line says why; an admin
                       // reading the log should not have to re-run it.
                       std::string why = lastLine(f->output);
                       done(errnoError(EIO, r->commandLine() + ": script " + f->name + " " +
                                                toString(f->state) + " (status " +
                                                std::to_string(f->status()) + ")" +
                                                (why.empty() ? "" : ": " + why)));
                     });
}

PendingOp ScriptIpActions::takeIp(const std::string& iface, const IpPrefix& ip, Done done) {
  return run(Event::TakeIp, {iface, ip.addr.toString(), std::to_string(ip.prefix)},
             std::move(done));
}

PendingOp ScriptIpActions::releaseIp(const std::string& iface, const IpPrefix& ip, Done done) {
  return run(Event::ReleaseIp, {iface, ip.addr.toString(), std::to_string(ip.prefix)},
             std::move(done));
}

PendingOp ScriptIpActions::updateIp(const std::string& old_iface, const std::string& new_iface,
                                    const IpPrefix& ip, Done done) {
  return run(Event::UpdateIp,
             {old_iface, new_iface, ip.addr.toString(), std::to_string(ip.prefix)},
             std::move(done));
}

PendingOp ScriptIpActions::ipreallocated(Done done) {
  return run(Event::IpReallocated, {}, std::move(done));
}

}  // namespace ctdb::event
