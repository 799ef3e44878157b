/*
 * IpCore: the public-IP logic of ctdbd — CTDB 4.5's ctdb_takeover.c
 * semantics over the IpTable (ip_table.h), acting through IpActions
 * (ip_actions.h). The controls (controls_ip.cc) are thin wrappers around it;
 * see doc/ip-core.md for each control's decision sequence and for where we
 * deliberately differ from CTDB.
 *
 * Truth: whether this node has an address is decided by the kernel, read
 * through hooks.kernel_iface (the LinkWatcher cache, O(1)); the table only
 * records what this node did and believes.
 *
 * Serialisation: one action per IP at a time (IpState Taking/Updating/
 * Releasing); a TAKEOVER_IP/RELEASE_IP for an IP with an action in flight
 * fails at once (CTDB's update_in_flight). Reloads are serialised: a reload
 * arriving while another reload or a takeover run is in progress is queued
 * and started when that finishes (onTakeoverRunFinished()).
 *
 * Callbacks (Done) always run on a later loop iteration than the call, also
 * for immediate answers. Destroying the IpCore cancels every pending action
 * callback and announcement timer. Single-threaded (event loop).
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/public_addresses.h"
#include "ctdb/result.h"
#include "protocol/types.h"
#include "server/core/control_dispatcher.h"
#include "ip/ip_actions.h"
#include "ip/ip_table.h"
#include "util/async.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

/* Idle: normal. Dropping: inside fence()'s kernel delete and release
 * start-up (kernel removal notifications are then the fence's own). */
enum class FenceState { Idle, Dropping };

struct IpCoreHooks {
  uint32_t own_pnn = 0;
  /* §2.3 rules 1-2: runstate RUNNING and own flags neither INACTIVE nor
   * DISABLED. Default: always. */
  std::function<bool()> can_host;
  /* Message to local clients (TAKE_IP / RELEASE_IP, payload = address text
   * with its NUL). */
  std::function<void(uint64_t srvid, std::vector<uint8_t> data)> send_local;
  /* Ask for a takeover run (re-evaluation after a link change). */
  std::function<void()> request_takeover_run;
  std::function<bool()> is_takeover_running;
  /* Kernel: which interface holds ip (nullopt: none). */
  std::function<std::optional<std::string>(const IpAddress&)> kernel_iface;
  /* Kernel, when the cached view says an address this node holds is gone:
   * drain pending notifications and, if still absent, ask the kernel
   * itself (a script may have added it moments ago). Unset: kernel_iface. */
  std::function<std::optional<std::string>(const IpAddress&)> kernel_iface_recheck;
  /* Kernel: does a link of that name exist. */
  std::function<bool(const std::string&)> iface_exists;
  /* One gratuitous ARP / NA round. */
  std::function<Status(const std::string&, const IpAddress&)> send_garp;
  std::chrono::milliseconds garp_interval{1000};
  /* Fence: delete these addresses from the kernel directly (netlink),
   * newest first, before any script runs; returns how many the kernel
   * had. Unset: only the releaseip actions remove them. */
  std::function<size_t(const std::vector<IpPrefix>&)> kernel_drop;
  /* RELOAD_PUBLIC_IPS reads this file; none -> reload fails. */
  std::optional<std::string> public_addresses_file;
};

class IpCore {
 public:
  using Done = std::function<void(Status)>;
  static constexpr int kGarpRounds = 3;

  IpCore(EventLoop& loop, IpActions& actions, IpCoreHooks hooks);
  ~IpCore();
  IpCore(const IpCore&) = delete;
  IpCore& operator=(const IpCore&) = delete;

  /* Start-up load: every interface must exist; error names FILE:LINE when
   * the entry has a line. Adds in file order (so the table lists newest
   * first). Changes nothing on error. */
  Status loadEntries(const std::vector<config::PublicAddressEntry>& entries,
                     const std::string& filename);

  /* Controls. The asynchronous operations here and below return the
   * project's one async shape (util/async.h): done runs once, on a later
   * loop iteration, unless the PendingOp is cancelled or destroyed first.
   * Cancelling drops the answer only: an IP action that started runs to
   * its end (the table and the kernel must agree), so nothing is lost. */
  PendingOp takeoverIp(uint32_t pnn, const IpAddress& addr, Done done);
  PendingOp releaseIp(uint32_t pnn, const IpAddress& addr, Done done);
  Status addIp(const IpPrefix& prefix, const std::vector<std::string>& ifaces);
  Status delIp(const IpAddress& addr);
  PendingOp reload(Done done);
  Status setIfaceLink(const std::string& name, bool up);
  PendingOp ipreallocated(Done done);
  /* SEND_GRATUITOUS_ARP: first round now (its status is returned), two more
   * kGarpRounds-1 rounds on a timer. */
  Status sendGarp(const std::string& iface, const IpAddress& addr);

  std::vector<protocol::PublicIp> publicIps(bool only_available) const;
  Result<protocol::PublicIpInfo> ipInfo(const IpAddress& addr) const;
  protocol::IfaceList ifaces() const;

  /* Kernel link notification: the interface's usable state (admin up and
   * carrier). Known interface whose state changed -> as SET_IFACE_LINK_STATE. */
  void onKernelLink(const std::string& name, bool usable);
  /* Kernel dropped an address we hold (expiry of its lifetime, or anyone
   * else): the releaseip action runs for it (the scripts tolerate the
   * vanished address and record the change), the table stops claiming
   * it, then a takeover run is requested. Ignored while a fence drops. */
  void onKernelAddressRemoved(const IpAddress& addr);

  /* Self-fence ("drop all"): every address this node holds or is taking
   * is deleted from the kernel at once through hooks.kernel_drop, then
   * the releaseip action runs for each (changes recorded), and the table
   * shows none held. An IP whose takeip/updateip is in flight is released
   * when that action completes. done: when all releases finished. Logged
   * with reason. */
  PendingOp fence(const std::string& reason, Done done);
  FenceState fenceState() const { return fence_state_; }

  /* Start-up: delete every table address found on a local interface. */
  PendingOp releaseStale(Done done);
  /* Shutdown: release every address we (or the kernel) hold. */
  PendingOp releaseAll(Done done);

  void onTakeoverRunFinished();

  const IpTable& table() const { return table_; }
  size_t actionsInFlight() const { return in_flight_.size(); }
  size_t announcementsActive() const { return announce_.size(); }

 private:
  struct Announce {
    std::string iface;
    int rounds_left = 0;
    std::unique_ptr<Timer> timer;
  };
  struct QueuedReload {
    Done done;
  };

  /* The public operations wrap these: start(d) with d completing the op. */
  PendingOp asOp(Done done, const std::function<void(Done)>& start);
  void doTakeoverIp(uint32_t pnn, const IpAddress& addr, Done done);
  void doReleaseIp(uint32_t pnn, const IpAddress& addr, Done done);
  void doReload(Done done);
  void doFence(const std::string& reason, Done done);
  void doReleaseStale(Done done);
  void doReleaseAll(Done done);
  void answer(Done done, Status st);
  void startTakeIp(PublicIpEntry& ip, std::string iface, Done done);
  /* By value: callers pass references into the entry, which assign() changes. */
  void startUpdateIp(PublicIpEntry& ip, std::string old_iface, std::string new_iface, Done done);
  void startRelease(PublicIpEntry& ip, uint32_t new_pnn, Done done);
  void postRelease(const IpAddress& addr, uint32_t new_pnn);
  void announce(const std::string& iface, const IpAddress& addr);
  void announceRound(const IpAddress& addr);
  void sendLocal(uint64_t srvid, const IpAddress& addr);
  std::optional<std::string> kernelIface(const IpAddress& addr) const;
  bool canHost() const { return !hooks_.can_host || hooks_.can_host(); }
  void maybeStartReload();
  void runReload(Done done);

  EventLoop& loop_;
  IpActions& actions_;
  IpCoreHooks hooks_;
  IpTable table_;
  std::unordered_map<IpAddress, PendingOp, IpAddressHash> in_flight_;
  /* RELEASE_IPs that arrived while the same IP was being released (e.g. the
   * leader's run racing a banned node's own release-all): answered with
   * the in-flight release's result, new owner recorded on success. */
  struct ReleaseWaiter {
    uint32_t pnn;
    Done done;
    bool names_owner = true;  // false: release-all waiting, no new owner
  };
  std::unordered_map<IpAddress, std::vector<ReleaseWaiter>, IpAddressHash> release_waiters_;
  std::unordered_map<IpAddress, Announce, IpAddressHash> announce_;
  std::deque<QueuedReload> reload_queue_;
  bool is_reloading_ = false;
  FenceState fence_state_ = FenceState::Idle;
  /* IPs whose takeip/updateip was in flight when a fence came: released
   * as soon as that action completes. */
  std::unordered_map<IpAddress, std::vector<Done>, IpAddressHash> fence_after_action_;
  void releaseFenced(const IpAddress& addr);
  LifetimeGuard guard_;
};

/* Registers TAKEOVER_IP, RELEASE_IP, GET_PUBLIC_IPS, GET_PUBLIC_IP_INFO,
 * GET_IFACES, SET_IFACE_LINK_STATE, ADD/DEL_PUBLIC_IP, RELOAD_PUBLIC_IPS,
 * IPREALLOCATED and SEND_GRATUITOUS_ARP (controls_ip.cc). core must outlive
 * the dispatcher's use of the handlers. */
Status registerIpControls(ControlDispatcher& d, IpCore& core);

}  // namespace ctdb::server
