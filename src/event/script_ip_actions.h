/*
 * ScriptIpActions: server::IpActions (src/ip/ip_actions.h) carried out
 * by the event scripts through an EventRunner:
 *   takeIp(iface, ip/bits)            ip_events.d  "takeip IFACE IP BITS"
 *   releaseIp(iface, ip/bits)         ip_events.d  "releaseip IFACE IP BITS"
 *   updateIp(old, new, ip/bits)       ip_events.d  "updateip OLD NEW IP BITS"
 *   ipreallocated()                   events.d     "ipreallocated" with the
 *                                     changes snapshot as CTDB_IP_CHANGES_FILE
 * The changes-file lines are written by the EventRunner itself on success,
 * one per IP event, batched or not.
 *
 * Coalescing (the talk's "IP event batching"): takeIp and releaseIp calls
 * are not started one by one. Each kind (take, release) owns a waiting
 * list; calls made during one loop iteration are flushed together by one
 * posted closure, and while a flushed batch of that kind is still running,
 * new calls keep collecting for the next flush, which starts when the
 * running one has finished. So a burst of TAKEOVER_IP controls arriving
 * over several loop iterations becomes a few batch groups. What a flush
 * submits depends on the ip_events.d tree (EventRunner::ipBatchSupport(),
 * read at every flush):
 *   All    one batch group (EventRequest::batch) of up to max_batch IPs;
 *   Mixed  the IPs split into up to maxHelpers() groups, so the per-IP
 *          runs of the classic scripts still use the helper pool;
 *   None   no groups: every IP is its own request, submitted at once
 *          without waiting for running ones (the runner packs and bounds
 *          them as before).
 * A flush of one IP is an ordinary event. updateIp and ipreallocated are
 * never coalesced.
 *
 * Invariants: every takeIp/releaseIp call owns one Item, which is in
 * exactly one of waiting_ / running_ of its kind until it completes or is
 * cancelled. Each caller gets its own PendingOp and its own Status, always
 * on a later loop iteration. Destroying a PendingOp removes a waiting Item,
 * or cancels the Item's runner request (the runner kills the helper only
 * when no request of it is still wanted). Destroying this object cancels
 * every runner request it made and completes the callers still waiting
 * with ECANCELED.
 *
 * Completion: Status ok when the event succeeded; otherwise an Error naming
 * the event and the failing script (script failures are EIO; errors of the
 * run itself keep their errno). The runner must outlive this object and
 * every PendingOp it returned.
 */
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "event/event_runner.h"
#include "ip/ip_actions.h"
#include "util/lifetime_guard.h"

namespace ctdb::event {

class ScriptIpActions final : public server::IpActions {
 public:
  static constexpr size_t kDefaultMaxBatch = 2048;

  explicit ScriptIpActions(EventRunner& runner, size_t max_batch = kDefaultMaxBatch);
  ~ScriptIpActions() override;
  ScriptIpActions(const ScriptIpActions&) = delete;
  ScriptIpActions& operator=(const ScriptIpActions&) = delete;

  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override;
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override;
  PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                     const IpPrefix& ip, Done done) override;
  PendingOp ipreallocated(Done done) override;

  /* Diagnostics (tests): flushes that submitted work, and the IPs waiting
   * or running per kind (0 = take, 1 = release). */
  size_t flushes() const { return flushes_; }
  size_t waiting(size_t kind) const { return kinds_.at(kind).waiting.size(); }
  size_t running(size_t kind) const { return kinds_.at(kind).running.size(); }

 private:
  struct Item;
  struct Kind {
    std::vector<std::shared_ptr<Item>> waiting;
    std::vector<std::shared_ptr<Item>> running;
    bool is_flush_posted = false;
  };

  PendingOp run(Event e, std::vector<std::string> args, Done done);
  PendingOp queue(size_t kind, Event e, std::vector<std::string> args, Done done);
  void scheduleFlush(size_t kind);
  void flush(size_t kind);
  void submit(size_t kind, const std::shared_ptr<Item>& item, uint64_t batch);
  void finish(size_t kind, const std::shared_ptr<Item>& item, Status st);
  void cancel(size_t kind, const std::shared_ptr<Item>& item);

  EventRunner& runner_;
  size_t max_batch_;
  std::array<Kind, 2> kinds_;
  uint64_t next_batch_ = 0;
  size_t flushes_ = 0;
  LifetimeGuard guard_;
};

}  // namespace ctdb::event
