/*
 * Banning: ban credits kept by the leader and the bans they lead to, as
 * CTDB's recovery daemon does (ctdb_set_culprit_count, banning_handler,
 * ban_misbehaving_nodes in ctdb_recoverd.c).
 *
 *   BanCredits   pure bookkeeping: credits per PNN; a node's credits are
 *                forgotten when it is reported again more than
 *                RecoveryGracePeriod seconds after its last report; at
 *                >= 2 x (number of nodes in the node map) credits the node
 *                is due for a ban and its credits restart from 0.
 *   Banning      the daemon side:
 *     - BANNING srvid (u32 pnn), sent by the takeover run when a node made
 *       it fail: on the leader only (others ignore it), the node gets
 *       nodeCount() credits (CTDB: rec->nodemap->num); also assignCredits()
 *       for other culprits. A leader that is itself inactive assigns none.
 *     - a node due is banned for RecoveryBanPeriod seconds: the leader sends
 *       the ban to that node (internal srvid kSrvidBanRequest, payload
 *       ctdb_ban_state {pnn, time}); the node applies it to itself through
 *       its own SET_BAN_STATE control (controls_nodes.cc: BANNED flag, expiry
 *       timer), so `ctdb ban` and credit bans behave the same. With
 *       EnableBans = 0 (on the banning leader or on the target) no ban
 *       happens, logged.
 *     - onBanned(fn): fn runs (synchronously, from the flag change) when
 *       this node becomes BANNED by any path (credits, `ctdb ban`); the IP
 *       module releases all its public IPs there. onUnbanned likewise.
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/tunables.h"
#include "server/core/control_dispatcher.h"
#include "server/core/message_router.h"
#include "server/core/node_state.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

/* Project-internal: "ban yourself", leader -> culprit node. Not a CTDB srvid. */
inline constexpr uint64_t kSrvidBanRequest = 0xF0FE000000000000ULL;

class BanCredits {
 public:
  using Clock = std::chrono::steady_clock;
  /* Adds `count` credits to pnn at `now`, first forgetting old ones if the
   * last report is more than `grace` ago. Returns the new count. */
  uint32_t add(uint32_t pnn, uint32_t count, Clock::time_point now, std::chrono::seconds grace);
  uint32_t count(uint32_t pnn) const;
  /* PNNs with count >= threshold (ascending); their counts drop to 0. */
  std::vector<uint32_t> takeDue(uint32_t threshold);
  void reset() { entries_.clear(); }
  static uint32_t threshold(size_t node_count) { return static_cast<uint32_t>(2 * node_count); }

 private:
  struct Entry {
    uint32_t count = 0;
    Clock::time_point last_reported;
  };
  std::map<uint32_t, Entry> entries_;
};

class Banning {
 public:
  using IsLeader = std::function<bool()>;
  using Hook = std::function<void()>;

  Banning(EventLoop& loop, NodeState& nodes, MessageRouter& router,
          const config::Tunables& tunables, ControlDispatcher& controls, IsLeader is_leader);
  ~Banning();
  Banning(const Banning&) = delete;
  Banning& operator=(const Banning&) = delete;

  /* Leader only (ignored elsewhere): culprit gets `count` credits; bans it
   * once due. */
  void assignCredits(uint32_t culprit, uint32_t count, const std::string& reason);
  /* Bans pnn for `seconds` (sends the request, or applies it locally). */
  void banNode(uint32_t pnn, uint32_t seconds);
  /* CTDB 4.5's ctdb_ban_self(): this node bans itself for
   * RecoveryBanPeriod (an IP event or ipreallocated timed out: a node whose
   * scripts hang must not keep public IPs). Not with EnableBans = 0. */
  void banSelf(const std::string& reason);
  const BanCredits& credits() const { return credits_; }
  uint64_t bansIssued() const { return bans_issued_; }

  void onBanned(Hook fn) { on_banned_.push_back(std::move(fn)); }
  void onUnbanned(Hook fn) { on_unbanned_.push_back(std::move(fn)); }

 private:
  void onBanningMessage(std::span<const uint8_t> data);
  void onBanRequest(std::span<const uint8_t> data);
  void applyLocalBan(uint32_t seconds);

  EventLoop& loop_;
  NodeState& nodes_;
  MessageRouter& router_;
  const config::Tunables& tunables_;
  ControlDispatcher& controls_;
  IsLeader is_leader_;
  BanCredits credits_;
  uint64_t bans_issued_ = 0;
  std::vector<Hook> on_banned_;
  std::vector<Hook> on_unbanned_;
  std::vector<MessageRouter::HandlerToken> tokens_;
  LifetimeGuard guard_;
};

}  // namespace ctdb::server
