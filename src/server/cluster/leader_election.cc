#include "server/cluster/leader_election.h"

#include <cstring>

#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;
using protocol::kUnknownPnn;

namespace {

template <class T>
void put(std::vector<uint8_t>& out, size_t off, T v) {
  std::memcpy(out.data() + off, &v, sizeof(v));
}
template <class T>
T get(std::span<const uint8_t> in, size_t off) {
  T v;
  std::memcpy(&v, in.data() + off, sizeof(v));
  return v;
}

constexpr uint32_t kLoseFlags = NF::kBanned | NF::kStopped;

std::string flagChangeText(uint32_t pnn, uint32_t o, uint32_t n) {
  char buf[80];
  snprintf(buf, sizeof(buf), "node %u flags 0x%x -> 0x%x", pnn, o, n);
  return buf;
}

}  // namespace

std::vector<uint8_t> encodeElectionData(const ElectionData& d) {
  std::vector<uint8_t> out(kElectionDataSize, 0);
  put(out, 0, d.num_connected);
  put(out, 8, d.priority_sec);
  put(out, 16, d.priority_usec);
  put(out, 24, d.pnn);
  put(out, 28, d.node_flags);
  return out;
}

Result<ElectionData> decodeElectionData(std::span<const uint8_t> data) {
  if (data.size() != kElectionDataSize)
    return makeError("election message: " + std::to_string(data.size()) + " bytes, expected " +
                     std::to_string(kElectionDataSize));
  ElectionData d;
  d.num_connected = get<uint32_t>(data, 0);
  d.priority_sec = get<int64_t>(data, 8);
  d.priority_usec = get<int64_t>(data, 16);
  d.pnn = get<uint32_t>(data, 24);
  d.node_flags = get<uint32_t>(data, 28);
  return d;
}

bool electionWins(const ElectionData& mine, bool can_lead, const ElectionData& theirs) {
  if (!can_lead) return false;
  if (mine.node_flags & kLoseFlags) return false;
  if (theirs.node_flags & kLoseFlags) return true;
  if (theirs.priority_sec != mine.priority_sec) return theirs.priority_sec > mine.priority_sec;
  if (theirs.priority_usec != mine.priority_usec) return theirs.priority_usec > mine.priority_usec;
  return mine.pnn > theirs.pnn;
}

uint32_t electionWinner(std::span<const ElectionCandidate> candidates) {
  for (const auto& c : candidates) {
    bool beats_all = true;
    for (const auto& o : candidates) {
      if (&o == &c) continue;
      if (!electionWins(c.data, c.can_lead, o.data)) {
        beats_all = false;
        break;
      }
    }
    if (beats_all && c.can_lead && (c.data.node_flags & kLoseFlags) == 0) return c.data.pnn;
  }
  return kUnknownPnn;
}

LeaderElection::LeaderElection(EventLoop& loop, NodeState& nodes, MessageRouter& router,
                               const config::Tunables& tunables, std::optional<LockSpec> lock,
                               Options opts)
    : loop_(loop),
      nodes_(nodes),
      router_(router),
      tunables_(tunables),
      opts_(opts),
      priority_time_(std::chrono::system_clock::now()) {
  if (lock) lock_ = std::make_unique<ClusterLock>(loop_, std::move(*lock), opts_.lock);
  tokens_.push_back(router_.registerInternalHandler(
      protocol::kSrvidElection,
      [this](uint64_t, std::span<const uint8_t> d) { onElectionMessage(d); }));
  tokens_.push_back(router_.registerInternalHandler(
      protocol::kSrvidLeader,
      [this](uint64_t, std::span<const uint8_t> d) { onLeaderMessage(d); }));
  nodes_.onFlagsChanged([this, alive = guard_.watch()](uint32_t pnn, uint32_t o,
                                                                    uint32_t n) {
    if (alive.isAlive()) onFlagsChanged(pnn, o, n);
  });
}

LeaderElection::~LeaderElection() {
  guard_.revoke();
  for (auto t : tokens_) router_.unregisterInternalHandler(t);
}

bool LeaderElection::canLead() const {
  return opts_.has_recmaster_capability && (nodes_.localFlags() & NF::kInactive) == 0 &&
         (!quorum_ || quorum_->mayCompeteNow());
}

void LeaderElection::onQuorumChanged(QuorumState old_state, QuorumState new_state) {
  if (!isRunning()) return;
  if (new_state == QuorumState::Lost) {
    // Like becoming inactive: a node that was cut off must not win the
    // next election on its old priority time.
    priority_time_ = std::chrono::system_clock::now();
    answer_timer_.reset();
    if (isLeader() || isClaiming() || (lock_ && (lock_->isHeld() || lock_->isPending()))) {
      D_ERR("leader election: quorum lost, giving up %s and the cluster lock\n",
            isLeader() ? "leadership" : "the claim");
      // The nodes still connected counted this node's lock for their own
      // quorum (exactly half): tell them at once that it is gone.
      if (isLeader()) broadcastLeader(kUnknownPnn);
      giveUpClaim();
    }
    if (nodes_.leader() == nodes_.ownPnn()) setLeader(kUnknownPnn);
    if (!isElectionInProgress()) restartLeaderTimeout();
    return;
  }
  if (new_state == QuorumState::Quorate && old_state == QuorumState::Lost &&
      nodes_.leader() == kUnknownPnn && !isElectionInProgress()) {
    // Rejoining: the quorate side's leader broadcasts within a second;
    // without one the leader timeout calls an election.
    restartLeaderTimeout();
  }
}

ElectionData LeaderElection::ownData() const {
  ElectionData d;
  d.pnn = nodes_.ownPnn();
  d.node_flags = nodes_.localFlags();
  auto pt = priority_time_;
  if (!canLead()) pt = std::chrono::system_clock::now();  // try to lose
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(pt.time_since_epoch()).count();
  d.priority_sec = us / 1000000;
  d.priority_usec = us % 1000000;
  if (canLead()) {
    auto map = nodes_.nodeMap();
    for (const auto& n : map.nodes)
      if ((n.flags & NF::kDisconnected) == 0) ++d.num_connected;
  }
  return d;
}

bool LeaderElection::isSingleNode() const {
  auto map = nodes_.nodeMap();
  for (const auto& n : map.nodes)
    if (n.pnn != nodes_.ownPnn() && (n.flags & NF::kDeleted) == 0) return false;
  return true;
}

void LeaderElection::start() {
  if (life_ != Lifecycle::NotStarted) return;
  life_ = Lifecycle::Running;
  if (lock_) {
    D_NOTICE("leader election: cluster lock %s\n", lock_->spec().describe().c_str());
  } else {
    D_WARNING("leader election: no cluster lock configured (--reclock): if the cluster "
              "partitions, each part can elect its own leader (split brain)\n");
  }
  // A lone node without a lock is leader from the start (nobody to ask);
  // everybody else knows no leader until elected / told.
  if (!isSingleNode() || lock_) setLeader(kUnknownPnn);
  broadcast_timer_ = std::make_unique<RepeatingTimer>(loop_, opts_.broadcast_interval, [this]() {
    if (isLeader()) broadcastLeader(nodes_.ownPnn());
  });
  loop_.post([this, alive = guard_.watch()]() {
    if (!alive.isAlive() || life_ == Lifecycle::Stopped) return;
    if (isSingleNode()) {
      D_NOTICE("leader election: only configured node, no election needed\n");
      if (canLead()) claimLeadership();
      return;
    }
    forceElection("initial election");
  });
}

void LeaderElection::stop() {
  if (life_ == Lifecycle::Stopped) return;
  life_ = Lifecycle::Stopped;
  broadcast_timer_.reset();
  election_timer_.reset();
  answer_timer_.reset();
  leader_timeout_.reset();
  lock_retry_timer_.reset();
  setClaiming(false, "stopped");
  if (lock_) lock_->release();
}

void LeaderElection::setLeader(uint32_t pnn) {
  uint32_t old = nodes_.leader();
  if (old == pnn) return;
  nodes_.setLeader(pnn);
  if (pnn == kUnknownPnn)
    D_NOTICE("leader: unknown (was %d)\n", old == kUnknownPnn ? -1 : static_cast<int>(old));
  else
    D_NOTICE("leader: node %u%s\n", pnn, pnn == nodes_.ownPnn() ? " (this node)" : "");
  auto listeners = leader_listeners_;
  for (auto& l : listeners) l(old, pnn);
}

void LeaderElection::broadcastLeader(uint32_t pnn) {
  router_.send(protocol::kBroadcastConnected, protocol::kSrvidLeader, protocol::encodeU32(pnn));
}

void LeaderElection::forceElection(const std::string& reason) {
  if (!isRunning()) return;
  ++elections_started_;
  D_NOTICE("leader election: starting election (%s)\n", reason.c_str());
  enterElection(reason.c_str());
  leader_timeout_.reset();
  lock_retry_timer_.reset();
  if (!canLead()) giveUpClaim();
  setLeader(kUnknownPnn);
  broadcastLeader(kUnknownPnn);  // tell everybody an election is under way
  restartElectionTimer();
  sendElectionRequest();
}

void LeaderElection::sendElectionRequest() {
  if (life_ == Lifecycle::Stopped) return;
  setClaiming(canLead(), "sending election data");
  D_INFO("leader election: sending election data (node %u, %s)\n", nodes_.ownPnn(),
         isClaiming() ? "candidate" : "cannot lead");
  router_.send(protocol::kBroadcastAll, protocol::kSrvidElection, encodeElectionData(ownData()));
}

void LeaderElection::restartElectionTimer() {
  heard_leader_.reset();  // a new election packet: earlier claims are stale
  auto timeout = std::chrono::seconds(std::max<uint32_t>(1, tunables_.electionTimeout()));
  election_timer_ = std::make_unique<Timer>(loop_, timeout, [this]() { onElectionEnd(); });
}

void LeaderElection::onElectionMessage(std::span<const uint8_t> data) {
  if (!isRunning()) return;
  auto em = decodeElectionData(data);
  if (!em) {
    D_ERR("leader election: %s, ignoring\n", em.error().message().c_str());
    return;
  }
  if (em->pnn == nodes_.ownPnn()) return;  // our own broadcast
  if (!isElectionInProgress()) {
    D_NOTICE("leader election: election called by node %u\n", em->pnn);
    enterElection("election called by another node");
    ++elections_started_;
    setLeader(kUnknownPnn);
  }
  leader_timeout_.reset();
  lock_retry_timer_.reset();
  restartElectionTimer();
  if (electionWins(ownData(), canLead(), *em)) {
    setClaiming(true, "this node wins against the sender");
    if (!answer_timer_) {
      answer_timer_ = std::make_unique<Timer>(loop_, opts_.answer_delay, [this]() {
        answer_timer_.reset();  // allowed from its own callback
        sendElectionRequest();
      });
    }
    return;
  }
  answer_timer_.reset();
  if (isClaiming() || (lock_ && (lock_->isHeld() || lock_->isPending())))
    D_INFO("leader election: node %u wins against this node\n", em->pnn);
  giveUpClaim();
}

void LeaderElection::giveUpClaim() {
  setClaiming(false, "claim given up");
  lock_retry_timer_.reset();
  if (lock_ && (lock_->isHeld() || lock_->isPending())) lock_->release();
}

void LeaderElection::onElectionEnd() {
  election_timer_.reset();
  leaveElection("election period ended");
  if (life_ == Lifecycle::Stopped) return;
  if (isClaiming() && canLead()) {
    D_NOTICE("leader election: election period ended, this node won\n");
    claimLeadership();
    return;
  }
  if (heard_leader_ && !isClaiming()) {
    const uint32_t pnn = *heard_leader_;
    heard_leader_.reset();
    D_NOTICE("leader election: election period ended, node %u already announced itself\n", pnn);
    setLeader(pnn);
    restartLeaderTimeout();
    return;
  }
  D_NOTICE("leader election: election period ended, waiting for the leader's broadcast\n");
  restartLeaderTimeout();
}

void LeaderElection::claimLeadership() {
  setClaiming(true, "claiming the leadership");
  if (!lock_ || lock_->isHeld()) {
    becomeLeader();
    return;
  }
  if (lock_->isPending()) return;
  D_NOTICE("leader election: taking cluster lock (%s)\n", lock_->spec().describe().c_str());
  lock_->take(
      [this](LockStatus st, std::chrono::milliseconds latency) {
        if (life_ == Lifecycle::Stopped) return;
        if (st == LockStatus::Held) {
          lock_failures_ = 0;
          D_NOTICE("leader election: cluster lock taken (%lld ms)\n",
                   static_cast<long long>(latency.count()));
          if (tunables_.recLockLatencyMs() != 0 &&
              latency.count() > static_cast<long long>(tunables_.recLockLatencyMs()))
            D_WARNING("leader election: cluster lock latency %lld ms exceeds RecLockLatencyMs "
                      "%u\n", static_cast<long long>(latency.count()),
                      tunables_.recLockLatencyMs());
          if (isClaiming() && !isElectionInProgress() && canLead()) {
            becomeLeader();
          } else {
            lock_->release();
          }
          return;
        }
        ++lock_failures_;
        if (lock_failures_ == 1)
          D_ERR("leader election: unable to take cluster lock (%s), retrying every %lld ms "
                "while no other leader shows up\n",
                toString(st), static_cast<long long>(opts_.lock_retry.count()));
        else
          D_INFO("leader election: cluster lock attempt %u: %s\n", lock_failures_, toString(st));
        if (!isClaiming() || isElectionInProgress()) return;
        lock_retry_timer_ = std::make_unique<Timer>(loop_, opts_.lock_retry, [this]() {
          lock_retry_timer_.reset();
          if (isClaiming() && !isElectionInProgress() && canLead() && !isLeader())
            claimLeadership();
        });
      },
      [this](const std::string& why) {
        if (life_ == Lifecycle::Stopped) return;
        bool was_leader = isLeader();
        D_ERR("leader election: cluster lock lost (%s)%s\n", why.c_str(),
              was_leader ? ", leadership lost" : "");
        setClaiming(false, "cluster lock lost");
        if (was_leader) setLeader(kUnknownPnn);
        if (canLead()) forceElection("cluster lock lost");
      });
}

void LeaderElection::becomeLeader() {
  leader_timeout_.reset();
  lock_retry_timer_.reset();
  bool was = nodes_.leader() == nodes_.ownPnn();
  setLeader(nodes_.ownPnn());
  broadcastLeader(nodes_.ownPnn());
  if (!was) D_NOTICE("leader election: node %u is the new leader\n", nodes_.ownPnn());
  requestTakeoverRun("new leader elected");
}

void LeaderElection::restartLeaderTimeout() {
  if (life_ == Lifecycle::Stopped) return;
  leader_timeout_ = std::make_unique<Timer>(loop_, opts_.leader_timeout, [this]() {
    leader_timeout_.reset();
    if (isElectionInProgress() || isLeader() || isClaiming()) return;
    if (!canLead() && nodes_.leader() == kUnknownPnn) {
      // No quorum (or inactive): calling elections that nobody here can
      // win only churns; wait for a leader's broadcast or for quorum.
      restartLeaderTimeout();
      return;
    }
    forceElection("leader broadcast timeout");
  });
}

void LeaderElection::onLeaderMessage(std::span<const uint8_t> data) {
  if (!isRunning()) return;
  auto pnn = protocol::decodeU32(data);
  if (!pnn) {
    D_ERR("leader election: LEADER message: %s, ignoring\n", pnn.error().message().c_str());
    return;
  }
  if (*pnn == nodes_.ownPnn()) return;  // our own broadcast
  if (*pnn == kUnknownPnn) {
    // Another node started an election; its election data follows.
    if (isLeader() || isElectionInProgress()) return;
    setLeader(kUnknownPnn);
    restartLeaderTimeout();
    return;
  }
  if (isElectionInProgress()) {
    // The election decides. But a LEADER heard after the election's last
    // packet comes from its winner, whose period ended a little before
    // ours (it answered last, so ours restarted later): kept for
    // onElectionEnd(), so this node does not wait a broadcast interval.
    heard_leader_ = *pnn;
    return;
  }
  if (isLeader()) {
    D_ERR("leader election: node %u also claims to be leader\n", *pnn);
    forceElection("two leaders");
    return;
  }
  if (isClaiming()) {
    D_NOTICE("leader election: node %u is leader, giving up claim\n", *pnn);
    giveUpClaim();
  }
  setLeader(*pnn);
  restartLeaderTimeout();
}

void LeaderElection::onFlagsChanged(uint32_t pnn, uint32_t old_flags, uint32_t new_flags) {
  if (!isRunning()) return;
  const uint32_t gone = NF::kDisconnected | NF::kBanned | NF::kStopped | NF::kDeleted;
  if (pnn == nodes_.ownPnn()) {
    bool was_inactive = (old_flags & NF::kInactive) != 0;
    bool is_inactive = (new_flags & NF::kInactive) != 0;
    if (was_inactive != is_inactive) priority_time_ = std::chrono::system_clock::now();
    if (!was_inactive && is_inactive) {
      if (isLeader() || isClaiming()) {
        D_NOTICE("leader election: this node became inactive, giving up leadership\n");
        giveUpClaim();
        forceElection("leader became inactive");
        return;
      }
      giveUpClaim();
    }
  } else if (pnn == nodes_.leader() && (new_flags & gone) != 0 && (old_flags & gone) == 0) {
    forceElection("leader " + flagChangeText(pnn, old_flags, new_flags));
    return;
  } else if ((old_flags & NF::kDisconnected) && !(new_flags & NF::kDisconnected)) {
    // A node just connected. Election packets sent before it was reachable
    // were dropped (nodes starting together each "won" alone and only the
    // cluster lock sorted them out): a candidate sends its data again, and
    // a leader tells the newcomer at once instead of at the next broadcast.
    // A node that could not be a candidate for want of quorum may be one
    // now.
    if (isElectionInProgress() && (isClaiming() || canLead())) sendElectionRequest();
    else if (isLeader()) broadcastLeader(nodes_.ownPnn());
  }
  if (isLeader()) requestTakeoverRun(flagChangeText(pnn, old_flags, new_flags));
}

void LeaderElection::requestTakeoverRun(const std::string& reason) {
  if (!isLeader()) return;
  D_INFO("leader: takeover run requested: %s\n", reason.c_str());
  if (takeover_requester_) takeover_requester_(reason);
}

const char* LeaderElection::phaseName(Phase p) {
  switch (p) {
    case Phase::Following:
      return "FOLLOWING";
    case Phase::Claiming:
      return "CLAIMING";
    case Phase::Voting:
      return "VOTING";
    case Phase::Candidate:
      return "CANDIDATE";
  }
  return "?";
}

void LeaderElection::setPhase(Phase p, const char* why) {
  if (p == phase_) return;
  D_DEBUG("leader election: %s -> %s (%s)\n", phaseName(phase_), phaseName(p), why);
  phase_ = p;
}

void LeaderElection::enterElection(const char* why) {
  setPhase(isClaiming() ? Phase::Candidate : Phase::Voting, why);
}

void LeaderElection::leaveElection(const char* why) {
  setPhase(isClaiming() ? Phase::Claiming : Phase::Following, why);
}

void LeaderElection::setClaiming(bool claiming, const char* why) {
  if (isElectionInProgress())
    setPhase(claiming ? Phase::Candidate : Phase::Voting, why);
  else
    setPhase(claiming ? Phase::Claiming : Phase::Following, why);
}

}  // namespace ctdb::server
