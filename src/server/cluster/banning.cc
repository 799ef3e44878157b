#include "server/cluster/banning.h"

#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

uint32_t BanCredits::add(uint32_t pnn, uint32_t count, Clock::time_point now,
                         std::chrono::seconds grace) {
  auto& e = entries_[pnn];
  if (e.count > 0 && now - e.last_reported > grace) e.count = 0;  // forgiven
  e.count += count;
  e.last_reported = now;
  return e.count;
}

uint32_t BanCredits::count(uint32_t pnn) const {
  auto it = entries_.find(pnn);
  return it == entries_.end() ? 0 : it->second.count;
}

std::vector<uint32_t> BanCredits::takeDue(uint32_t threshold) {
  std::vector<uint32_t> due;
  for (auto& [pnn, e] : entries_) {
    if (e.count < threshold) continue;
    due.push_back(pnn);
    e.count = 0;
  }
  return due;
}

Banning::Banning(EventLoop& loop, NodeState& nodes, MessageRouter& router,
                 const config::Tunables& tunables, ControlDispatcher& controls, IsLeader is_leader)
    : loop_(loop),
      nodes_(nodes),
      router_(router),
      tunables_(tunables),
      controls_(controls),
      is_leader_(std::move(is_leader)) {
  tokens_.push_back(router_.registerInternalHandler(
      protocol::kSrvidBanning,
      [this](uint64_t, std::span<const uint8_t> d) { onBanningMessage(d); }));
  tokens_.push_back(router_.registerInternalHandler(
      kSrvidBanRequest, [this](uint64_t, std::span<const uint8_t> d) { onBanRequest(d); }));
  nodes_.onFlagsChanged([this, alive = guard_.watch()](uint32_t pnn, uint32_t o,
                                                                    uint32_t n) {
    if (!alive.isAlive() || pnn != nodes_.ownPnn()) return;
    bool was = (o & NF::kBanned) != 0;
    bool is = (n & NF::kBanned) != 0;
    if (was == is) return;
    auto hooks = is ? on_banned_ : on_unbanned_;
    for (auto& h : hooks) h();
  });
}

Banning::~Banning() {
  guard_.revoke();
  for (auto t : tokens_) router_.unregisterInternalHandler(t);
}

void Banning::onBanningMessage(std::span<const uint8_t> data) {
  auto pnn = protocol::decodeU32(data);
  if (!pnn) {
    D_ERR("BANNING message: %s, ignoring\n", pnn.error().message().c_str());
    return;
  }
  if (!is_leader_()) {
    D_DEBUG("BANNING message for node %u ignored: node %u is not the leader\n", *pnn,
            nodes_.ownPnn());
    return;
  }
  assignCredits(*pnn, static_cast<uint32_t>(nodes_.nodeCount()), "takeover run failure");
}

void Banning::assignCredits(uint32_t culprit, uint32_t count, const std::string& reason) {
  if (!is_leader_()) return;
  if (culprit >= nodes_.nodeCount() || (nodes_.flags(culprit) & NF::kDeleted)) {
    D_WARNING("banning: unknown culprit node %u, ignoring\n", culprit);
    return;
  }
  if (nodes_.localFlags() & NF::kInactive) {
    D_WARNING("banning: this node is inactive, cannot set culprit node %u\n", culprit);
    return;
  }
  auto grace = std::chrono::seconds(tunables_.recoveryGracePeriod());
  uint32_t total = credits_.add(culprit, count, loop_.now(), grace);
  D_NOTICE("banning: node %u gets %u ban credits (%s), now %u of %u\n", culprit, count,
           reason.c_str(), total, BanCredits::threshold(nodes_.nodeCount()));
  for (uint32_t pnn : credits_.takeDue(BanCredits::threshold(nodes_.nodeCount()))) {
    D_NOTICE("banning: node %u reached the ban credit limit - banning it for %u seconds\n", pnn,
             tunables_.recoveryBanPeriod());
    banNode(pnn, tunables_.recoveryBanPeriod());
  }
}

void Banning::banNode(uint32_t pnn, uint32_t seconds) {
  if (tunables_.enableBans() == 0) {
    D_NOTICE("banning: bans are disabled (EnableBans=0) - not banning node %u\n", pnn);
    return;
  }
  ++bans_issued_;
  if (pnn == nodes_.ownPnn()) {
    applyLocalBan(seconds);
    return;
  }
  D_NOTICE("banning: asking node %u to ban itself for %u seconds\n", pnn, seconds);
  router_.send(pnn, kSrvidBanRequest, protocol::encode(protocol::BanState{pnn, seconds}));
}

void Banning::banSelf(const std::string& reason) {
  if (nodes_.localFlags() & NF::kBanned) return;  // already banned: keep its expiry
  D_ERR("banning: node %u bans itself for %u seconds: %s\n", nodes_.ownPnn(),
        tunables_.recoveryBanPeriod(), reason.c_str());
  banNode(nodes_.ownPnn(), tunables_.recoveryBanPeriod());
}

void Banning::onBanRequest(std::span<const uint8_t> data) {
  auto b = protocol::decode<protocol::BanState>(data);
  if (!b) {
    D_ERR("ban request: %s, ignoring\n", b.error().message().c_str());
    return;
  }
  if (b->pnn != nodes_.ownPnn()) {
    D_WARNING("ban request for node %u reached node %u, ignoring\n", b->pnn, nodes_.ownPnn());
    return;
  }
  if (tunables_.enableBans() == 0) {
    D_ERR("bans are disabled - ignoring ban of node %u\n", b->pnn);
    return;
  }
  applyLocalBan(b->time);
}

void Banning::applyLocalBan(uint32_t seconds) {
  ControlRequest req;
  req.hdr.destnode = nodes_.ownPnn();
  req.hdr.srcnode = nodes_.ownPnn();
  req.opcode = static_cast<uint32_t>(protocol::Opcode::SetBanState);
  req.data = protocol::encode(protocol::BanState{nodes_.ownPnn(), seconds});
  controls_.dispatch(req, ReplySink(req.opcode, [this, seconds](ControlReply r) {
                       if (r.status != 0)
                         D_ERR("banning: SET_BAN_STATE(%u s) on node %u failed: %d\n", seconds,
                               nodes_.ownPnn(), r.status);
                     }));
}

}  // namespace ctdb::server
