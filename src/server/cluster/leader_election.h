/*
 * LeaderElection: who is the cluster leader (CTDB's recovery master), as
 * the recovery daemon of CTDB 4.5 elects it, combined with CTDB 4.17's
 * cluster-lock rule and LEADER broadcasts. doc/cluster.md has the narrative.
 *
 * Owns: the election state, the cluster lock (when --reclock is set), the
 * once-a-second LEADER broadcast and the leader-broadcast timeout. Writes
 * NodeState::setLeader(): the real leader, or kUnknownPnn (0xFFFFFFFF)
 * while an election is in progress or no leader is known.
 *
 * Election (ELECTION srvid, ElectionData on the wire, CTDB's 32-byte
 * election_message layout): a node starting an election sets leader
 * unknown, broadcasts LEADER 0xFFFFFFFF to the connected nodes and sends
 * its election data to all nodes. A node receiving election data restarts
 * its election timer (ElectionTimeout seconds after the LAST election
 * packet the election ends) and, if its own data wins (electionWins()),
 * answers 0.5 s later with its own data; if it loses, it gives up any
 * claim (releasing or cancelling the cluster lock). When the election
 * period ends, the node whose data beat everybody else's is the only one
 * still claiming: it takes the cluster lock (if configured; contention is
 * retried every second, as long as no other leader shows up) and only then
 * becomes leader: NodeState leader = own PNN, LEADER broadcast at once and
 * every second to the connected nodes, requestTakeoverRun("election").
 * Every other node learns the leader from those broadcasts.
 *
 * New elections: at start(); when the leader node's flags gain
 * DISCONNECTED/BANNED/STOPPED/DELETED; when no LEADER broadcast arrived for
 * leader_timeout (5 s, CTDB 4.17's [cluster] leader timeout); when this
 * node is leader and loses the cluster lock or becomes inactive; when a
 * leader hears another node's LEADER broadcast (two leaders).
 *
 * Takeover runs: only the leader asks for them: after winning, and on every
 * node flag change it sees. requestTakeoverRun(reason) is the hook; by
 * default it is a no-op until setTakeoverRequester() connects it (the
 * Daemon connects TakeoverMessages::requestRun).
 *
 * Before start() NodeState keeps its initial leader (own PNN). From start()
 * on: a single configured node (the others deleted) is leader at once (no
 * election: nobody could answer), after taking the lock if configured;
 * otherwise the leader is unknown until the first election ends.
 *
 * Single-threaded (event loop). Callbacks (leader listeners, the takeover
 * requester) run synchronously from loop callbacks, never from start().
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/tunables.h"
#include "ctdb/result.h"
#include "server/cluster/cluster_lock.h"
#include "server/core/message_router.h"
#include "server/core/node_state.h"
#include "server/cluster/quorum.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

/* CTDB's struct election_message: u32 num_connected, 4 pad bytes, struct
 * timeval priority_time (i64 sec, i64 usec), u32 pnn, u32 node_flags. */
struct ElectionData {
  uint32_t num_connected = 0;
  int64_t priority_sec = 0;
  int64_t priority_usec = 0;
  uint32_t pnn = 0;
  uint32_t node_flags = 0;
  bool operator==(const ElectionData&) const = default;
};
inline constexpr size_t kElectionDataSize = 32;
std::vector<uint8_t> encodeElectionData(const ElectionData& d);
Result<ElectionData> decodeElectionData(std::span<const uint8_t> data);

/*
 * CTDB 4.5's ctdb_election_win(): does `mine` beat `theirs`?
 *   1. a node that cannot lead (no RECMASTER capability: can_lead false) or
 *      is BANNED or STOPPED (mine.node_flags) never wins;
 *   2. it wins against a node that is BANNED or STOPPED;
 *   3. the earlier priority time wins (the node running longest, since its
 *      start or since it was last inactive);
 *   4. on equal times the HIGHER PNN wins.
 */
bool electionWins(const ElectionData& mine, bool can_lead, const ElectionData& theirs);

struct ElectionCandidate {
  ElectionData data;
  bool can_lead = true;
};
/* The candidate whose data beats every other one (pure form of a complete
 * election among the given nodes; data as the nodes send it, so a node that
 * cannot lead carries "now" as its priority time); kUnknownPnn if none. */
uint32_t electionWinner(std::span<const ElectionCandidate> candidates);

class LeaderElection {
 public:
  struct Options {
    std::chrono::milliseconds leader_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds answer_delay{std::chrono::milliseconds(500)};
    std::chrono::milliseconds lock_retry{std::chrono::seconds(1)};
    std::chrono::milliseconds broadcast_interval{std::chrono::seconds(1)};
    bool has_recmaster_capability = true;
    ClusterLock::Options lock;
  };
  using LeaderListener = std::function<void(uint32_t old_leader, uint32_t new_leader)>;

  LeaderElection(EventLoop& loop, NodeState& nodes, MessageRouter& router,
                 const config::Tunables& tunables, std::optional<LockSpec> lock, Options opts);
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  /* Starts the first election (on a later loop iteration). */
  void start();
  /* Shutdown: stops broadcasting and electing, releases the lock. */
  void stop();
  void forceElection(const std::string& reason);

  bool isLeader() const { return nodes_.leader() == nodes_.ownPnn() && !isElectionInProgress(); }
  bool isElectionInProgress() const {
    return phase_ == Phase::Voting || phase_ == Phase::Candidate;
  }
  bool canLead() const;
  ElectionData ownData() const;
  const ClusterLock* lock() const { return lock_.get(); }
  uint64_t electionsStarted() const { return elections_started_; }

  /* The hook for the cluster takeover run: asks for one if this node is
   * leader (logged with the reason), else does nothing. */
  void requestTakeoverRun(const std::string& reason);
  void setTakeoverRequester(std::function<void(const std::string& reason)> fn) {
    takeover_requester_ = std::move(fn);
  }
  void onLeaderChanged(LeaderListener fn) { leader_listeners_.push_back(std::move(fn)); }

  /* Quorum (doc/cluster.md "Quorum and fencing"): with a monitor set, a
   * node may be a candidate only while QuorumMonitor::mayCompeteNow(); a
   * leader or candidate that loses quorum gives up leadership and the
   * lock at once (onQuorumChanged, wired by the Daemon). */
  void setQuorum(const QuorumMonitor* q) { quorum_ = q; }
  void onQuorumChanged(QuorumState old_state, QuorumState new_state);
  /* This node is leader and holds the cluster lock (or none is configured). */
  bool holdsLockAsLeader() const { return isLeader() && (!lock_ || lock_->isHeld()); }

 private:
  void setLeader(uint32_t pnn);
  void onElectionMessage(std::span<const uint8_t> data);
  void onLeaderMessage(std::span<const uint8_t> data);
  void onFlagsChanged(uint32_t pnn, uint32_t old_flags, uint32_t new_flags);
  void sendElectionRequest();
  void restartElectionTimer();
  void onElectionEnd();
  void claimLeadership();
  void becomeLeader();
  void giveUpClaim();
  void broadcastLeader(uint32_t pnn);
  void restartLeaderTimeout();
  bool isSingleNode() const;

  EventLoop& loop_;
  NodeState& nodes_;
  MessageRouter& router_;
  const config::Tunables& tunables_;
  const Options opts_;
  const QuorumMonitor* quorum_ = nullptr;
  std::unique_ptr<ClusterLock> lock_;
  /* The object's life: NotStarted --start()--> Running --stop()--> Stopped
   * (nothing happens outside Running). */
  enum class Lifecycle { NotStarted, Running, Stopped };
  Lifecycle life_ = Lifecycle::NotStarted;
  bool isRunning() const { return life_ == Lifecycle::Running; }
  /* Where this node stands in elections, one state with named transitions
   * (setPhase() logs them):
   *   Following  no election under way, not claiming (a follower, or a
   *              node waiting for a leader's broadcast);
   *   Claiming   no election under way, claiming the leadership: taking
   *              the cluster lock, or leader;
   *   Voting     an election under way, this node not a candidate;
   *   Candidate  an election under way, this node a candidate.
   * enterElection()/leaveElection() move between the first two and the
   * last two keeping the claim; setClaiming() changes the claim. */
  enum class Phase { Following, Claiming, Voting, Candidate };
  static const char* phaseName(Phase p);
  void setPhase(Phase p, const char* why);
  void enterElection(const char* why);
  void leaveElection(const char* why);
  void setClaiming(bool claiming, const char* why);
  bool isClaiming() const { return phase_ == Phase::Claiming || phase_ == Phase::Candidate; }
  Phase phase_ = Phase::Following;
  uint32_t lock_failures_ = 0;     // consecutive failed lock attempts
  std::chrono::system_clock::time_point priority_time_;
  uint64_t elections_started_ = 0;
  std::unique_ptr<Timer> election_timer_;
  std::unique_ptr<Timer> answer_timer_;
  std::unique_ptr<Timer> leader_timeout_;
  std::unique_ptr<Timer> lock_retry_timer_;
  std::unique_ptr<RepeatingTimer> broadcast_timer_;
  std::optional<uint32_t> heard_leader_;  // LEADER heard since the election's last packet
  std::function<void(const std::string&)> takeover_requester_;
  std::vector<LeaderListener> leader_listeners_;
  std::vector<MessageRouter::HandlerToken> tokens_;
  LifetimeGuard guard_;
};

}  // namespace ctdb::server
