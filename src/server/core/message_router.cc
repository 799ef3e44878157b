#include "server/core/message_router.h"

#include <algorithm>

#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

void LocalOnlyTransport::sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) {
  ++dropped_;
  D_DEBUG("message srvid 0x%016llx to node %u dropped: no node transport\n",
          static_cast<unsigned long long>(msg.srvid), pnn);
}

MessageRouter::MessageRouter(NodeState& nodes, SrvidRegistry& srvids, ClientSender to_client,
                             Transport& transport)
    : nodes_(nodes), srvids_(srvids), to_client_(std::move(to_client)), transport_(&transport) {}

MessageRouter::HandlerToken MessageRouter::registerInternalHandler(uint64_t srvid,
                                                                    InternalHandler fn) {
  HandlerToken t = next_token_++;
  handlers_[srvid].push_back(Entry{t, std::move(fn)});
  token_srvid_[t] = srvid;
  return t;
}

void MessageRouter::unregisterInternalHandler(HandlerToken token) {
  auto it = token_srvid_.find(token);
  if (it == token_srvid_.end()) return;
  auto h = handlers_.find(it->second);
  if (h != handlers_.end()) {
    std::erase_if(h->second, [token](const Entry& e) { return e.token == token; });
    if (h->second.empty()) handlers_.erase(h);
  }
  token_srvid_.erase(it);
}

std::vector<uint8_t> MessageRouter::encodeForClients(uint64_t srvid,
                                                     std::span<const uint8_t> data) const {
  protocol::ReqMessage m;
  m.hdr.generation = nodes_.generation();
  m.hdr.destnode = nodes_.ownPnn();
  m.hdr.srcnode = nodes_.ownPnn();
  m.hdr.reqid = 0;
  m.srvid = srvid;
  m.data.assign(data.begin(), data.end());
  return protocol::encodePacket(m);
}

bool MessageRouter::pushToClient(ClientId client, uint64_t srvid, std::span<const uint8_t> data) {
  return to_client_(client, encodeForClients(srvid, data));
}

void MessageRouter::deliverLocal(uint64_t srvid, std::span<const uint8_t> data) {
  if (auto h = handlers_.find(srvid); h != handlers_.end()) {
    std::vector<Entry> snapshot = h->second;
    for (auto& e : snapshot) e.fn(srvid, data);
  }
  if (!srvids_.hasListeners(srvid)) return;
  auto listeners = srvids_.listeners(srvid);
  if (listeners.empty()) return;
  auto packet = encodeForClients(srvid, data);
  for (size_t i = 0; i < listeners.size(); ++i) {
    if (i + 1 == listeners.size())
      to_client_(listeners[i], std::move(packet));
    else
      to_client_(listeners[i], packet);
  }
}

void MessageRouter::send(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data) {
  const uint32_t own = nodes_.ownPnn();
  auto forward = [&](uint32_t pnn) {
    protocol::ReqMessage m;
    m.hdr.generation = nodes_.generation();
    m.hdr.destnode = pnn;
    m.hdr.srcnode = own;
    m.srvid = srvid;
    m.data = data;
    transport_->sendToNode(pnn, m);
  };
  auto broadcast = [&](uint32_t skip_mask) {
    for (uint32_t pnn = 0; pnn < nodes_.nodeCount(); ++pnn) {
      if (pnn == own) continue;
      uint32_t f = nodes_.flags(pnn);
      if (f & NF::kDeleted) continue;
      if (f & skip_mask) continue;
      forward(pnn);
    }
  };

  switch (destnode) {
    case protocol::kCurrentNode:
      break;
    case protocol::kBroadcastAll:
      broadcast(0);
      break;
    case protocol::kBroadcastActive:
      broadcast(NF::kInactive);
      break;
    case protocol::kBroadcastConnected:
      broadcast(NF::kDisconnected);
      break;
    case protocol::kMulticast:
      D_WARNING("message srvid 0x%016llx with MULTICAST destination delivered locally only\n",
                static_cast<unsigned long long>(srvid));
      break;
    default:
      if (destnode != own) {
        if (destnode >= nodes_.nodeCount()) {
          D_WARNING("message srvid 0x%016llx to unknown node %u dropped\n",
                    static_cast<unsigned long long>(srvid), destnode);
          return;
        }
        forward(destnode);
        return;
      }
  }
  deliverLocal(srvid, data);
}

}  // namespace ctdb::server
