#include "event/script_ip_actions.h"

#include <cerrno>

namespace ctdb::event {

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
                       done(errnoError(EIO, r->commandLine() + ": script " + f->name + " " +
                                                toString(f->state) + " (status " +
                                                std::to_string(f->status()) + ")"));
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
