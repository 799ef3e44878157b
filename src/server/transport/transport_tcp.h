/*
 * NodeTransport: the node-to-node transport of ctdbd (TCP port 4379 on the
 * nodes-file addresses, CTDB packets with the 32-byte header framing).
 *
 * Connection model (as CTDB's tcp transport): every node listens on its own
 * nodes-file address and connects out to every other non-deleted node,
 * binding the outgoing socket to its own address so that the peer can tell
 * who is calling. A node SENDS only on its outgoing connection and RECEIVES
 * on both (in practice on the connection the peer opened to it). An incoming
 * connection from an address that is not a live node of the nodes file is
 * refused and logged. A failed or lost outgoing connection is retried with a
 * backoff of 100 ms doubling to 3 s (connect attempts time out after 2 s).
 *
 * Connected state: peer P is connected (NodeState flag DISCONNECTED clear)
 * once our outgoing connection to P is up AND a packet from P has arrived
 * since (every node pushes its flags right after connecting, so this takes
 * one round trip). Every packet from P stamps NodeState::noteHeard(P). P
 * becomes DISCONNECTED|UNHEALTHY ("node X is dead") when the outgoing
 * connection fails, or when nothing arrived from P for KeepaliveInterval x
 * KeepaliveLimit (checked every tick); both its connections are then
 * dropped, every control outstanding to P fails with -1 at once and
 * reconnecting starts. dropAllLinks() does that to every peer (the quorum
 * monitor's stall handling: packets queued while the loop was stopped are
 * stale).
 *
 * Keepalive: every tick (min(KeepaliveInterval, 1 s)) sends REQ_KEEPALIVE
 * to every connected peer (CTDB sends one only on an idle link; a few
 * bytes a second per peer buy a silence clock independent of traffic). The short tick keeps both ends' "last heard" within about a second
 * of each other, which the fencing margin relies on (doc/cluster.md).
 *
 * Messages: sendToNode() (the MessageRouter seam) queues a REQ_MESSAGE on
 * the outgoing connection, or drops it (debug log) while P is disconnected.
 * A REQ_MESSAGE from a peer is delivered locally (internal handlers and
 * clients), except srvid PUSH_NODE_FLAGS (below).
 *
 * Controls: sendControl() sends REQ_CONTROL to P with a reqid of ours and
 * calls `done` once with the REPLY_CONTROL, or with -1 when P is (or
 * becomes) disconnected, or after ControlTimeout seconds; `done` never runs
 * synchronously inside sendControl(). It returns the PendingOp of that
 * answer (util/async.h): cancelling it drops the answer (a late reply is
 * then discarded); with NO_REPLY or no `done` the op is empty. forwardControl() is that for a local
 * client's control whose destnode is another PNN (the client's ReplySink
 * gets the reply, so it goes out with the client's own reqid). A REQ_CONTROL
 * from a peer is dispatched through the ControlDispatcher as a local one
 * (client_id 0); its reply goes back to the peer as REPLY_CONTROL with the
 * peer's reqid.
 *
 * Flags: whenever this node's own flags change, and on every (re)connect,
 * the current flags are pushed to the peer(s) as a PUSH_NODE_FLAGS message
 * carrying a NodeFlagChange {own pnn, new, old}. A receiver applies the
 * flags of the sending node only (pnn == srcnode == the link's peer); its
 * own DISCONNECTED bit for that node is kept.
 *
 * Listeners (onConnectionChange) fire synchronously when a peer becomes
 * connected or disconnected, after the NodeState flags changed; they are
 * the hook for leader election and takeover runs.
 *
 * Single-threaded (event loop). Destroy before the NodeState, router,
 * dispatcher and tunables it refers to.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/tunables.h"
#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "server/core/control_dispatcher.h"
#include "server/core/message_router.h"
#include "server/transport/node_link.h"
#include "server/core/node_state.h"
#include "util/event_loop.h"
#include "util/ip_address.h"
#include "util/async.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

/* A bound, listening, non-blocking TCP socket on addr:port (SO_REUSEADDR).
 * Call before daemonizing so a bind error reaches the shell. */
Result<UniqueFd> openNodeListener(const IpAddress& addr, uint16_t port = kClusterPort);

struct TransportOptions {
  /* Connect out to peers (false: unit tests inject links with adopt*()). */
  bool is_connecting = true;
  uint16_t port = kClusterPort;
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{3000};
  std::chrono::milliseconds connect_timeout{2000};
  /* Overrides of the KeepaliveInterval / ControlTimeout tunables (tests). */
  std::optional<std::chrono::milliseconds> keepalive_interval;
  std::optional<std::chrono::milliseconds> control_timeout;
};

/* Where the conversation with one peer stands; one field per peer, changed
 * only through NodeTransport::setState(), which logs every transition.
 *   Silent     not connected, nothing heard since the peer was last
 *              declared dead (or ever); our connect attempts have not
 *              failed in this series.
 *   Failing    not connected, nothing heard, and an attempt of the current
 *              series failed (logged once; later failures are not).
 *   Heard      a packet arrived from the peer, but our outgoing connection
 *              is not up yet.
 *   Connected  our outgoing connection is up and the peer was heard:
 *              NodeState's DISCONNECTED flag of the peer is clear.
 * Transitions: connect failure Silent->Failing; outgoing up Failing->Silent
 * and Heard->Connected; packet received Silent/Failing->Heard, or
 * ->Connected when our outgoing connection is up; declared dead (link
 * lost, keepalive timeout, dropAllLinks) any->Silent. */
enum class PeerState { Silent, Failing, Heard, Connected };
const char* toString(PeerState s);

struct TransportStats {
  uint64_t packets_in = 0;
  uint64_t keepalives_sent = 0;
  uint64_t keepalives_received = 0;
  uint64_t messages_dropped = 0;
  uint64_t packets_rejected = 0;  // wrong srcnode/destnode, undecodable
  uint64_t connections_refused = 0;
  uint64_t controls_timed_out = 0;
};

class NodeTransport final : public Transport {
 public:
  using ReplyFn = std::function<void(ControlReply)>;
  using ConnectionListener = std::function<void(uint32_t pnn, bool is_connected)>;

  NodeTransport(EventLoop& loop, NodeState& nodes, MessageRouter& router,
                ControlDispatcher& dispatcher, const config::Tunables& tunables,
                TransportOptions options = {});
  ~NodeTransport() override;
  NodeTransport(const NodeTransport&) = delete;
  NodeTransport& operator=(const NodeTransport&) = delete;

  /* Starts accepting peers on listen_fd (from openNodeListener). */
  void listen(UniqueFd listen_fd);
  /* Starts connecting out (if options.is_connecting) and the keepalive tick. */
  void start();

  void sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) override;

  PendingOp sendControl(uint32_t pnn, uint32_t opcode, uint64_t srvid, uint32_t flags,
                        std::vector<uint8_t> data, ReplyFn done);
  void forwardControl(uint32_t pnn, ControlRequest req, ReplySink sink);

  bool isConnected(uint32_t pnn) const;
  /* Declares every peer dead now (links dropped unread, controls failed,
   * reconnecting starts). */
  void dropAllLinks(const std::string& why);
  uint32_t connectedCount() const;
  size_t pendingControls() const { return pending_.size(); }
  void onConnectionChange(ConnectionListener fn) { listeners_.push_back(std::move(fn)); }
  const TransportStats& stats() const { return stats_; }
  /* nullopt for ourselves, deleted and unknown PNNs. */
  std::optional<PeerState> peerState(uint32_t pnn) const;

  /* Test seams: use an already connected stream as our outgoing connection
   * to pnn, or as pnn's connection to us. */
  void adoptOutgoing(uint32_t pnn, UniqueFd fd);
  void adoptIncoming(uint32_t pnn, UniqueFd fd);

 private:
  struct Peer;  // transport_tcp.cc
  struct Pending {
    uint32_t pnn = 0;
    uint32_t opcode = 0;
    Completer<ControlReply> completer;
    std::unique_ptr<Timer> timer;
  };

  Peer* peer(uint32_t pnn);
  const Peer* peer(uint32_t pnn) const;
  std::string peerName(const Peer& p) const;
  std::unique_ptr<NodeLink> makeLink(Peer& p, bool is_outgoing, UniqueFd fd,
                                     bool is_connecting);
  void onAccept();
  void connectOut(Peer& p);
  void scheduleReconnect(Peer& p);
  void onOutgoingUp(Peer& p);
  void onLinkError(uint32_t pnn, bool is_outgoing, uint64_t serial, const std::string& reason);
  void dropLink(std::unique_ptr<NodeLink>& link);
  void setState(Peer& p, PeerState s, const char* why);
  void noteConnectFailed(Peer& p, const char* what, const std::string& why);
  void markConnected(Peer& p);
  void markDead(Peer& p, const std::string& reason);
  void keepaliveTick();
  std::chrono::milliseconds keepaliveInterval() const;
  std::chrono::milliseconds keepaliveTickPeriod() const;
  bool sendPacket(Peer& p, std::vector<uint8_t> bytes);
  void pushOwnFlags(Peer& p, uint32_t old_flags, uint32_t new_flags);
  void onOwnFlagsChanged(uint32_t old_flags, uint32_t new_flags);

  void onPacket(uint32_t pnn, std::vector<uint8_t> packet);
  void noteReceived(Peer& p);
  void onPeerControl(uint32_t pnn, protocol::ReqControl c);
  void onPeerReply(uint32_t pnn, protocol::ReplyControl r);
  void onPeerMessage(uint32_t pnn, protocol::ReqMessage m);
  void applyPeerFlags(uint32_t pnn, uint32_t flags);
  void completePending(uint32_t reqid, ControlReply reply);
  void failPendingFor(uint32_t pnn, const std::string& why);

  EventLoop& loop_;
  NodeState& nodes_;
  MessageRouter& router_;
  ControlDispatcher& dispatcher_;
  const config::Tunables& tunables_;
  TransportOptions options_;
  TransportStats stats_;
  LifetimeGuard guard_;
  std::vector<std::unique_ptr<Peer>> peers_;  // indexed by PNN; null for self/deleted
  std::unordered_map<uint32_t, std::unique_ptr<Pending>> pending_;  // by our reqid
  uint32_t next_reqid_ = 1;
  uint64_t next_serial_ = 1;
  bool is_started_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<ConnectionListener> listeners_;
  std::unique_ptr<Timer> keepalive_timer_;
  UniqueFd listen_fd_;
  std::unique_ptr<FdEvent> accept_event_;  // after listen_fd_
};

}  // namespace ctdb::server
