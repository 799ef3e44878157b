/*
 * MessageRouter: delivery of CTDB messages (REQ_MESSAGE, srvid + payload).
 *
 * A message sent with send(destnode, srvid, data), whether it came from a
 * local client or from daemon code, is
 *   - delivered locally when destnode is this node, CURRENT_NODE or a
 *     broadcast: to every internal handler registered for srvid (in
 *     registration order) and then to every local client registered for
 *     srvid (or for kSrvidAll), each once;
 *   - handed to the Transport for every other node it names (a PNN, or the
 *     other members of a broadcast). The Transport is the seam for the node
 *     transport; LocalOnlyTransport, used until that exists, drops such
 *     messages with a debug log line.
 *
 * Messages pushed to clients carry reqid 0, srcnode = destnode = own PNN and
 * the current generation (as ctdbd).
 *
 * Cost per message: O(listeners of that srvid); never O(all clients).
 * Internal handlers run synchronously inside send(); they may send further
 * messages and (un)register handlers (the handler list is snapshotted).
 * Single-threaded (event loop).
 */
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "protocol/packet.h"
#include "server/core/node_state.h"
#include "server/core/srvid_registry.h"

namespace ctdb::server {

class Transport {
 public:
  virtual ~Transport() = default;
  /* Queue msg (destnode already set to pnn) for node pnn != own PNN. */
  virtual void sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) = 0;
};

class LocalOnlyTransport final : public Transport {
 public:
  void sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) override;
  uint64_t droppedCount() const { return dropped_; }

 private:
  uint64_t dropped_ = 0;
};

class MessageRouter {
 public:
  using InternalHandler = std::function<void(uint64_t srvid, std::span<const uint8_t> data)>;
  using HandlerToken = uint64_t;
  /* Pushes an encoded packet to a local client; false if it is gone. */
  using ClientSender = std::function<bool(ClientId, std::vector<uint8_t> packet)>;

  MessageRouter(NodeState& nodes, SrvidRegistry& srvids, ClientSender to_client,
                Transport& transport);

  HandlerToken registerInternalHandler(uint64_t srvid, InternalHandler fn);
  void unregisterInternalHandler(HandlerToken token);

  void send(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data);
  /* Local part only (internal handlers + clients). */
  void deliverLocal(uint64_t srvid, std::span<const uint8_t> data);
  /* Push one message to one client (e.g. LEADER right after it registered). */
  bool pushToClient(ClientId client, uint64_t srvid, std::span<const uint8_t> data);

  void setTransport(Transport& t) { transport_ = &t; }

 private:
  std::vector<uint8_t> encodeForClients(uint64_t srvid, std::span<const uint8_t> data) const;

  NodeState& nodes_;
  SrvidRegistry& srvids_;
  ClientSender to_client_;
  Transport* transport_;
  HandlerToken next_token_ = 1;
  struct Entry {
    HandlerToken token;
    InternalHandler fn;
  };
  std::unordered_map<uint64_t, std::vector<Entry>> handlers_;
  std::unordered_map<HandlerToken, uint64_t> token_srvid_;
};

}  // namespace ctdb::server
