/*
 * ScriptIpActions: server::IpActions (src/server/ip_actions.h) carried out
 * by the event scripts through an EventRunner:
 *   takeIp(iface, ip/bits)            ip_events.d  "takeip IFACE IP BITS"
 *   releaseIp(iface, ip/bits)         ip_events.d  "releaseip IFACE IP BITS"
 *   updateIp(old, new, ip/bits)       ip_events.d  "updateip OLD NEW IP BITS"
 *   ipreallocated()                   events.d     "ipreallocated" with the
 *                                     changes snapshot as CTDB_IP_CHANGES_FILE
 * The changes-file lines are written by the EventRunner itself on success.
 *
 * Completion: Status ok when the event succeeded; otherwise an Error naming
 * the event and the failing script (script failures are EIO; errors of the
 * run itself keep their errno). Callbacks come from the runner, i.e. on a
 * later loop iteration. Destroying the PendingOp cancels the run (see
 * EventRunner for batched IP events). The runner must outlive this object
 * and every PendingOp it returned.
 */
#pragma once

#include "event/event_runner.h"
#include "server/ip_actions.h"

namespace ctdb::event {

class ScriptIpActions final : public server::IpActions {
 public:
  explicit ScriptIpActions(EventRunner& runner) : runner_(runner) {}

  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override;
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override;
  PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                     const IpPrefix& ip, Done done) override;
  PendingOp ipreallocated(Done done) override;

 private:
  PendingOp run(Event e, std::vector<std::string> args, Done done);

  EventRunner& runner_;
};

}  // namespace ctdb::event
