/*
 * IpService: plugs the public-IP core into a Daemon. Owns the IpCore, the
 * IpActions (NetlinkIpActions unless one is injected), the net::LinkWatcher
 * (its fd watched by an FdEvent on the daemon's loop) and the client
 * Connection the local takeover run speaks through.
 *
 * What it installs into the Daemon (create() must run before start()):
 *   - the IP controls (registerIpControls);
 *   - a STARTUP step: delete every public address of the table found on a
 *     local interface (stale leftovers) before RUNNING, so no IP is hosted
 *     before start-up completed;
 *   - a RUNNING hook: request a takeover run (the node's first);
 *   - the takeover runner (TakeoverMessages::setRunner): a
 *     takeover::startTakeoverRun over a Connection to the daemon's own
 *     socket, i.e. through the same ControlDispatcher as any client;
 *   - a shutdown step: release every held public IP before exit.
 * The takeover-run Connection is opened in create() and kept, so it counts
 * as one client from the start, like CTDB's recovery daemon.
 *
 * With injected actions (the event scripts: ScriptIpActions) the kernel has
 * the last word (IpServiceOptions::verify_kernel): after a takeip/updateip
 * that the scripts report as done, the address must be on the requested
 * interface in the LinkWatcher cache (drained first; on a miss a fresh
 * netlink dump decides), after a releaseip it must be gone. Otherwise the
 * action fails ("takeip ... succeeded but the kernel ...", logged), as 4.5
 * judged releases by the kernel.
 * The event hooks (IpServiceOptions::after_stale_release /
 * after_release_all) run CTDB 4.5's startup and shutdown events in 4.5's
 * order: startup after the stale release in STARTUP, shutdown after
 * release-all.
 * Fence hold: a takeover run leaves out the IPs of a lost (DISCONNECTED)
 * node until FenceTimeout + FenceMargin after the last packet heard from
 * it, and a run is requested when the hold ends (doc/cluster.md).
 * Kernel notifications: RTM_NEWLINK of a public interface updates its
 * link state (usable = admin up + carrier) like SET_IFACE_LINK_STATE; an
 * address we hold vanishing asks for a takeover run.
 *
 * Fencing (issue 10, doc/ip-core.md "Address lifetimes and fencing"):
 *   - quorum Lost => IpCore::fence("quorum lost"); can_host requires quorum;
 *   - RecoveryDropAllIPs: no leader for that many seconds => fence;
 *   - every held address carries valid_lft = preferred_lft = FenceTimeout
 *     (built-in actions, and 10.interface via $CTDB_PUBLIC_IP_LIFETIME,
 *     exported into the environment and kept current); renewed every
 *     FenceTimeout/3 while quorate, unless the previous renewal is
 *     FenceTimeout-2s old or more (the addresses may have expired): fence.
 *
 * Destroy the IpService before the Daemon (it holds references into it).
 * Single-threaded (the daemon's loop).
 */
#pragma once

#include <memory>

#include "client/connection.h"
#include "ctdb/result.h"
#include "net/address_ops.h"
#include "net/link_watcher.h"
#include "server/daemon/daemon.h"
#include "ip/ip_actions.h"
#include "server/ip/ip_core.h"
#include "util/async.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

struct IpServiceOptions {
  std::unique_ptr<IpActions> actions;  // nullptr: NetlinkIpActions
  bool verify_kernel = true;           // check injected actions against the kernel
  Daemon::Step after_stale_release;    // e.g. the startup event (optional)
  Daemon::Step after_release_all;      // e.g. the shutdown event (optional)
  /* With the built-in (netlink) actions: who runs ipreallocated (the
   * events.d scripts); unset = nothing to do. */
  std::function<PendingOp(IpActions::Done)> ipreallocated;
};

class IpService {
 public:
  /* Loads --public-addresses (errors name FILE:LINE; a listed interface that
   * does not exist is an error). */
  static Result<std::unique_ptr<IpService>> create(EventLoop& loop, Daemon& daemon,
                                                   IpServiceOptions options = {});
  static Result<std::unique_ptr<IpService>> create(EventLoop& loop, Daemon& daemon,
                                                   std::unique_ptr<IpActions> actions) {
    IpServiceOptions o;
    o.actions = std::move(actions);
    return create(loop, daemon, std::move(o));
  }
  ~IpService();
  IpService(const IpService&) = delete;
  IpService& operator=(const IpService&) = delete;

  IpCore& core() { return *core_; }
  uint64_t runsCompleted() const { return runs_ok_; }
  uint64_t runsFailed() const { return runs_failed_; }

 private:
  IpService(EventLoop& loop, Daemon& daemon) : loop_(loop), daemon_(daemon) {}
  Status init(IpServiceOptions options);
  /* The kernel's view of `a` now: cache drained, then a dump on a miss. */
  std::optional<std::string> kernelIfaceFresh(const IpAddress& a, bool expect_present);
  /* Fence support (issue 10). */
  size_t kernelDrop(const std::vector<IpPrefix>& prefixes);
  void drainWatcher();
  void fence(const std::string& reason);
  void onFenceTick();
  /* One renewal cycle, in chunks of kRenewChunk addresses per loop
   * iteration (the kernel's IPv4 lookup is linear: ~90 us per request at
   * 10 000 addresses, doc/performance.md). */
  static constexpr size_t kRenewChunk = 256;
  void startRenewal(std::chrono::steady_clock::time_point started);
  void renewChunk();
  uint32_t lifetimeSecs() const;
  void exportLifetime();
  void runTakeover(const std::vector<uint32_t>& force_rebalance,
                   std::function<void(bool)> done);
  /* Disconnected nodes inside FenceTimeout + FenceMargin of their last
   * packet; arms hold_timer_ for a run when the first hold ends. */
  std::vector<uint32_t> heldNodes();

  EventLoop& loop_;
  Daemon& daemon_;
  std::unique_ptr<net::AddressOps> ops_;
  std::unique_ptr<net::LinkWatcher> watcher_;
  std::unique_ptr<FdEvent> watcher_fde_;
  std::unique_ptr<RepeatingTimer> resync_timer_;
  std::unique_ptr<IpActions> actions_;
  std::unique_ptr<IpCore> core_;
  std::unique_ptr<client::Connection> conn_;
  PendingOp run_;
  PendingOp step_op_;  // the running start-up or shutdown step's current part
  std::unique_ptr<Timer> hold_timer_;
  std::unique_ptr<RepeatingTimer> fence_timer_;
  std::chrono::steady_clock::time_point last_renewal_{};
  std::chrono::steady_clock::time_point no_leader_since_{};
  enum class DropAllState { Watching, Dropped } drop_all_state_ = DropAllState::Watching;
  uint32_t exported_lifetime_ = 0;
  std::vector<IpAddress> renew_queue_;  // this cycle's addresses, in progress
  size_t renew_pos_ = 0;
  size_t renewed_ = 0;
  std::chrono::steady_clock::time_point renew_started_{};
  uint64_t runs_ok_ = 0;
  uint64_t runs_failed_ = 0;
  LifetimeGuard guard_;
};

}  // namespace ctdb::server
