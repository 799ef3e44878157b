/*
 * ctdb::client::Connection — an asynchronous client of ctdbd's unix socket,
 * speaking CTDB 4.17's packet protocol (reference ctdb-protocol.md 1-3).
 *
 * Owns: a stream::PacketStream over the connected socket (framing, write
 * queue, fd event), the table of outstanding controls (by reqid) and the
 * table of local message handlers (by srvid).
 *
 * Invariants / wire rules:
 *  - reqids start at 2147483448 (INT_MAX-199, as the 4.17 client library)
 *    and go up by one for every packet sent: controls AND messages.
 *  - srcnode of every packet is pnn() (kUnknownPnn until setPnn(); the
 *    SyncClient sets it from the GET_PNN answer), generation 0.
 *  - a REPLY_CONTROL is matched by reqid only; one whose reqid is not
 *    outstanding (never sent, already answered, timed out or cancelled) is
 *    logged "Invalid reqid" and counted in invalidReqidCount().
 *  - every control has its own timeout (0 = none); on expiry its callback
 *    gets ETIMEDOUT and its reqid is forgotten.
 *
 * Callbacks: control completions are delivered through util/async.h, i.e.
 * on a loop iteration after the reply was read, never inside control().
 * Message handlers run from the socket's read callback, on the iteration
 * that read the message; a handler may add/remove handlers (also its own)
 * and send packets. On EOF or a framing error every outstanding control
 * fails with ECONNRESET/EPROTO, later control() calls fail the same way, and
 * the disconnect handler (if any) runs once.
 *
 * Threading: single-threaded on the EventLoop's thread. The loop must
 * outlive the Connection; destroying the Connection fails outstanding
 * controls with ECONNABORTED.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "protocol/constants.h"
#include "protocol/packet.h"
#include "stream/packet_stream.h"
#include "util/async.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::client {

constexpr uint32_t kFirstReqid = 2147483448u;

using MessageHandler = std::function<void(uint64_t srvid, std::span<const uint8_t> data)>;

struct ControlRequest {
  uint32_t destnode = protocol::kCurrentNode;
  protocol::Opcode opcode = protocol::Opcode::GetPnn;
  std::vector<uint8_t> data;
  uint32_t flags = 0;
  uint64_t srvid = 0;
  std::chrono::milliseconds timeout{0};  // 0 = wait forever
};

class Connection {
 public:
  /* Connects (blocking connect on a unix socket). Error: errno, context
   * "connect() failed, errno=N" like the 4.17 client library. */
  static Result<std::unique_ptr<Connection>> connect(EventLoop& loop, const std::string& path);
  /* Wraps an already connected stream socket (tests: socketpair). */
  static std::unique_ptr<Connection> adopt(EventLoop& loop, UniqueFd fd);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /* Sends a control. The callback gets the reply whatever its status (the
   * caller interprets status), or an Error: ETIMEDOUT, ECONNRESET, EPROTO.
   * With kCtrlFlagNoReply in flags the callback gets a synthetic status-0
   * reply as soon as the packet is queued. */
  PendingOp control(ControlRequest req, std::function<void(Result<protocol::ReplyControl>)> done);

  /* Queues a REQ_MESSAGE (fire and forget). Fails when disconnected. */
  Status sendMessage(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data);

  /* Local dispatch only: the caller still has to send REGISTER_SRVID. A
   * second handler for the same srvid replaces the first. */
  void setMessageHandler(uint64_t srvid, MessageHandler h);
  void removeMessageHandler(uint64_t srvid);
  void setDisconnectHandler(std::function<void(const Error&)> h) { on_disconnect_ = std::move(h); }

  uint32_t pnn() const { return pnn_; }
  void setPnn(uint32_t pnn) { pnn_ = pnn; }
  bool isConnected() const { return !failure_.has_value(); }
  /* Replies whose reqid matched nothing outstanding. */
  uint64_t invalidReqidCount() const { return invalid_reqids_; }
  /* The reqid the next packet will carry. */
  uint32_t nextReqid() const { return next_reqid_; }
  size_t outstandingControls() const { return pending_.size(); }
  /* Messages received for a srvid without handler (dropped). */
  uint64_t unhandledMessageCount() const { return unhandled_messages_; }

 private:
  Connection(EventLoop& loop, UniqueFd fd);

  struct Pending {
    Completer<protocol::ReplyControl> completer;
    std::unique_ptr<Timer> timer;
    uint32_t opcode = 0;
  };

  uint32_t allocReqid() { return next_reqid_++; }
  void queue(std::vector<uint8_t> bytes);
  void onPacket(std::vector<uint8_t> pkt);
  void onClosed(const stream::PacketStream::Closed& c);
  void handlePacket(std::span<const uint8_t> pkt);
  void fail(Error err);
  void finish(uint32_t reqid, Result<protocol::ReplyControl> r);

  EventLoop& loop_;
  uint32_t pnn_ = protocol::kUnknownPnn;
  uint32_t next_reqid_ = kFirstReqid;
  uint64_t invalid_reqids_ = 0;
  uint64_t unhandled_messages_ = 0;
  std::optional<Error> failure_;
  std::function<void(const Error&)> on_disconnect_;
  std::unordered_map<uint32_t, Pending> pending_;
  std::map<uint64_t, std::shared_ptr<MessageHandler>> handlers_;
  LifetimeGuard guard_;
  std::unique_ptr<stream::PacketStream> stream_;  // last: no callback after the rest is gone
};

}  // namespace ctdb::client
