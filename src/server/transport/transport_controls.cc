/*
 * NodeTransport, packet side: what arrives from peers (controls, replies,
 * messages, flag pushes, keepalives) and control forwarding with reqid
 * mapping, timeouts and failure of a lost node's outstanding controls.
 * See transport_tcp.h for the model.
 */
#include "protocol/types.h"
#include "server/transport/transport_tcp.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

namespace {
const char* opName(uint32_t opcode) {
  const char* n = protocol::opcodeName(opcode);
  return n ? n : "UNKNOWN";
}
}  // namespace

void NodeTransport::onPacket(uint32_t pnn, std::vector<uint8_t> packet) {
  Peer* p = peer(pnn);
  if (!p) return;
  ++stats_.packets_in;
  auto hdr = protocol::decodeHeader(packet);
  if (!hdr) {  // the framer checked it already; unreachable in practice
    ++stats_.packets_rejected;
    return;
  }
  if (hdr->srcnode != pnn || hdr->destnode != nodes_.ownPnn()) {
    ++stats_.packets_rejected;
    D_WARNING("node transport: packet (operation %u) on the link of node %u claims srcnode %u "
              "destnode %u, dropped\n", hdr->operation, pnn, hdr->srcnode, hdr->destnode);
    return;
  }
  noteReceived(*p);
  switch (static_cast<protocol::Operation>(hdr->operation)) {
    case protocol::Operation::ReqKeepalive:
      ++stats_.keepalives_received;
      return;
    case protocol::Operation::ReqControl: {
      auto c = protocol::decodeReqControl(packet);
      if (!c) break;
      onPeerControl(pnn, std::move(*c));
      return;
    }
    case protocol::Operation::ReplyControl: {
      auto r = protocol::decodeReplyControl(packet);
      if (!r) break;
      onPeerReply(pnn, std::move(*r));
      return;
    }
    case protocol::Operation::ReqMessage: {
      auto m = protocol::decodeReqMessage(packet);
      if (!m) break;
      onPeerMessage(pnn, std::move(*m));
      return;
    }
    default:
      D_WARNING("node transport: operation %u from node %u not supported, ignored\n",
                hdr->operation, pnn);
      return;
  }
  ++stats_.packets_rejected;
  D_ERR("node transport: undecodable packet (operation %u) from node %u, dropped\n",
        hdr->operation, pnn);
}

void NodeTransport::onPeerControl(uint32_t pnn, protocol::ReqControl c) {
  ControlRequest req;
  req.client_id = kNoClient;
  req.hdr = c.hdr;
  req.opcode = c.opcode;
  req.srvid = c.srvid;
  req.flags = c.flags;
  req.data = std::move(c.data);
  ReplySink sink;
  if (req.wantsReply()) {
    const uint32_t reqid = c.hdr.reqid;
    sink = ReplySink(req.opcode, [this, alive = guard_.watch(), pnn,
                                  reqid](ControlReply r) {
      if (!alive.isAlive()) return;
      Peer* p = peer(pnn);
      protocol::ReplyControl rep;
      rep.hdr.generation = nodes_.generation();
      rep.hdr.destnode = pnn;
      rep.hdr.srcnode = nodes_.ownPnn();
      rep.hdr.reqid = reqid;
      rep.status = r.status;
      rep.data = std::move(r.data);
      rep.errmsg = std::move(r.errmsg);
      if (!p || !sendPacket(*p, protocol::encodePacket(rep)))
        D_INFO("node transport: reply to node %u reqid %u dropped: not connected\n", pnn, reqid);
    });
  }
  D_DEBUG("node transport: control %s(%u) from node %u reqid %u\n", opName(req.opcode),
          req.opcode, pnn, c.hdr.reqid);
  dispatcher_.dispatch(req, std::move(sink));
}

void NodeTransport::onPeerReply(uint32_t pnn, protocol::ReplyControl r) {
  auto it = pending_.find(r.hdr.reqid);
  if (it == pending_.end() || it->second->pnn != pnn) {
    D_ERR("node transport: dropped orphaned control reply with reqid %u from node %u\n",
          r.hdr.reqid, pnn);
    return;
  }
  completePending(r.hdr.reqid, ControlReply{r.status, std::move(r.data), std::move(r.errmsg)});
}

void NodeTransport::onPeerMessage(uint32_t pnn, protocol::ReqMessage m) {
  if (m.srvid == protocol::kSrvidPushNodeFlags) {
    auto c = protocol::decode<protocol::NodeFlagChange>(m.data);
    if (!c || c->pnn != pnn) {
      ++stats_.packets_rejected;
      D_WARNING("node transport: flag push from node %u for node %d ignored (a node pushes "
                "only its own flags)\n", pnn, c ? static_cast<int>(c->pnn) : -1);
      return;
    }
    applyPeerFlags(pnn, c->new_flags);
    return;
  }
  router_.deliverLocal(m.srvid, m.data);
}

void NodeTransport::applyPeerFlags(uint32_t pnn, uint32_t flags) {
  const uint32_t keep = NF::kDisconnected | NF::kDeleted;  // ours to decide
  const uint32_t cur = nodes_.flags(pnn);
  const uint32_t want = (flags & ~keep) | (cur & keep);
  if (want == cur) return;
  D_INFO("node transport: node %u pushed flags 0x%x\n", pnn, flags);
  nodes_.modifyFlags(pnn, want & ~cur, cur & ~want);
}

PendingOp NodeTransport::sendControl(uint32_t pnn, uint32_t opcode, uint64_t srvid,
                                     uint32_t flags, std::vector<uint8_t> data, ReplyFn done) {
  const bool wants_reply = (flags & protocol::kCtrlFlagNoReply) == 0 && done;
  auto [op, completer] = makeAsync<ControlReply>(
      loop_, [done = std::move(done)](Result<ControlReply> r) mutable {
        done(r ? std::move(*r) : ControlReply{-1, {}, r.error().message()});
      });
  if (!wants_reply) op.cancel();  // nothing to answer
  auto fail_soon = [&, c = completer](const char* why) mutable {
    c.complete(ControlReply{-1, {}, std::string(why)});
    return std::move(op);
  };
  Peer* p = peer(pnn);
  if (!p || !isConnected(pnn)) {
    D_INFO("node transport: control %s(%u) to node %u failed: node is disconnected\n",
           opName(opcode), opcode, pnn);
    return fail_soon("ctdb_control to disconnected node");
  }
  protocol::ReqControl c;
  c.hdr.generation = nodes_.generation();
  c.hdr.destnode = pnn;
  c.hdr.srcnode = nodes_.ownPnn();
  c.opcode = opcode;
  c.srvid = srvid;
  c.flags = flags;
  c.data = std::move(data);
  uint32_t reqid = 0;
  if (wants_reply) {
    do {
      reqid = next_reqid_++;
    } while (reqid == 0 || pending_.contains(reqid));
  }
  c.hdr.reqid = reqid;
  if (!sendPacket(*p, protocol::encodePacket(c))) return fail_soon("ctdb_control to disconnected node");
  if (!wants_reply) return std::move(op);
  auto pend = std::make_unique<Pending>();
  pend->pnn = pnn;
  pend->opcode = opcode;
  pend->completer = completer;
  std::chrono::milliseconds timeout =
      options_.control_timeout ? *options_.control_timeout
                               : std::chrono::seconds(tunables_.controlTimeout());
  if (timeout.count() > 0) {
    pend->timer = std::make_unique<Timer>(loop_, timeout, [this, reqid, pnn, opcode]() {
      ++stats_.controls_timed_out;
      D_ERR("node transport: control %s(%u) to node %u (reqid %u) timed out\n", opName(opcode),
            opcode, pnn, reqid);
      completePending(reqid, ControlReply{-1, {}, std::string("ctdb_control timed out")});
    });
  }
  pending_[reqid] = std::move(pend);
  return std::move(op);
}

void NodeTransport::forwardControl(uint32_t pnn, ControlRequest req, ReplySink sink) {
  D_DEBUG("node transport: forwarding control %s(%u) of client %u to node %u\n",
          opName(req.opcode), req.opcode, req.client_id, pnn);
  // Detached: a forwarded control is always answered, by the peer, a
  // time-out, the peer's loss, or (with the transport gone) the sink's own
  // -1 on destruction.
  if (!req.wantsReply()) {
    sendControl(pnn, req.opcode, req.srvid, req.flags, std::move(req.data), nullptr).detach();
    return;
  }
  auto s = std::make_shared<ReplySink>(std::move(sink));
  sendControl(pnn, req.opcode, req.srvid, req.flags, std::move(req.data),
              [s](ControlReply r) { s->reply(std::move(r)); })
      .detach();
}

void NodeTransport::completePending(uint32_t reqid, ControlReply reply) {
  auto it = pending_.find(reqid);
  if (it == pending_.end()) return;
  std::unique_ptr<Pending> pend = std::move(it->second);
  pending_.erase(it);
  // The timer may be the caller: let it unwind before it is destroyed.
  if (pend->timer) loop_.deleteLater(std::move(pend->timer));
  pend->completer.complete(std::move(reply));  // ignored if the sender cancelled
}

void NodeTransport::failPendingFor(uint32_t pnn, const std::string& why) {
  std::vector<uint32_t> ids;
  for (const auto& [reqid, pend] : pending_)
    if (pend->pnn == pnn) ids.push_back(reqid);
  if (!ids.empty())
    D_NOTICE("node transport: failing %zu outstanding control(s) to node %u: %s\n", ids.size(),
             pnn, why.c_str());
  for (uint32_t reqid : ids) completePending(reqid, ControlReply{-1, {}, why});
}

}  // namespace ctdb::server
