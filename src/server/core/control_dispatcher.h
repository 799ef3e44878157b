/*
 * ControlDispatcher: the open registry of control handlers.
 *
 * Every control that reaches the daemon (from a local client, later from a
 * peer node) becomes a ControlRequest and is handed to the handler
 * registered for its opcode together with a ReplySink. Modules add their
 * controls with registerHandler() the same way the core ones are added
 * (controls_basic.cc, controls_tunables.cc, controls_nodes.cc); the
 * public-IP module adds GET_PUBLIC_IPS & co. later without touching the core.
 *
 * Handlers may answer at once or keep the (move-only) ReplySink and answer
 * on a later loop iteration, e.g. after an event script ran. Many requests
 * of one client may be outstanding at once; replies go out in completion
 * order, matched by reqid.
 *
 * ReplySink invariants:
 *   - At most one reply is delivered; later calls are ignored (logged).
 *   - If the requesting client disconnected meanwhile, the reply is dropped
 *     silently: the sink holds no pointer to the client, only a callable
 *     that looks the connection up through a weak reference.
 *   - A sink destroyed without a reply answers status -1 (and logs an
 *     error), so a handler bug never leaves a client waiting forever.
 *   - A NOREPLY request gets a sink whose replies go nowhere.
 *   - Delivery is synchronous inside reply(): the packet is queued on the
 *     client's write queue before reply() returns, so a handler can queue a
 *     message to the same client after its reply and keep that order.
 *
 * Unknown or unimplemented opcodes are answered with status -1, no data
 * (as ctdbd). Single-threaded (event loop).
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ctdb/result.h"
#include "protocol/constants.h"
#include "protocol/packet.h"
#include "server/core/srvid_registry.h"

namespace ctdb::server {

inline constexpr ClientId kNoClient = 0;  // request not from a local client

struct ControlRequest {
  ClientId client_id = kNoClient;
  pid_t client_pid = 0;           // peer pid (SO_PEERCRED), 0 if unknown
  protocol::PacketHeader hdr;     // as received
  uint32_t opcode = 0;
  uint64_t srvid = 0;
  uint32_t flags = 0;
  std::vector<uint8_t> data;

  bool wantsReply() const { return (flags & protocol::kCtrlFlagNoReply) == 0; }
};

struct ControlReply {
  int32_t status = 0;
  std::vector<uint8_t> data;
  std::optional<std::string> errmsg;
};

class ReplySink {
 public:
  using Deliver = std::function<void(ControlReply)>;

  /* A sink that discards the reply (NOREPLY requests, tests). */
  ReplySink() = default;
  ReplySink(uint32_t opcode, Deliver deliver);
  ReplySink(ReplySink&& o) noexcept;
  ReplySink& operator=(ReplySink&& o) noexcept;
  ReplySink(const ReplySink&) = delete;
  ReplySink& operator=(const ReplySink&) = delete;
  ~ReplySink();

  void reply(ControlReply r);
  /* status 0 with data. */
  void ok(std::vector<uint8_t> data = {}) { reply({0, std::move(data), std::nullopt}); }
  /* status only (controls that return their result in the status field). */
  void status(int32_t s) { reply({s, {}, std::nullopt}); }
  void fail(int32_t s, std::string message = {}) {
    reply({s, {}, message.empty() ? std::nullopt : std::optional<std::string>(std::move(message))});
  }

  bool isDone() const { return is_done_; }
  uint32_t opcode() const { return opcode_; }

 private:
  uint32_t opcode_ = 0;
  Deliver deliver_;
  bool is_done_ = false;
};

using ControlHandler = std::function<void(const ControlRequest&, ReplySink)>;

class ControlDispatcher {
 public:
  /* EEXIST if op already has a handler. */
  Status registerHandler(protocol::Opcode op, ControlHandler handler);
  /* Installs handler, replacing any previous one (for modules that take over
   * a core control, e.g. GET_RUNSTATE gating). */
  void replaceHandler(protocol::Opcode op, ControlHandler handler);
  bool hasHandler(uint32_t opcode) const { return handlers_.contains(opcode); }

  /* Runs the handler for req.opcode, or answers -1 if there is none. */
  void dispatch(const ControlRequest& req, ReplySink sink) const;

 private:
  std::unordered_map<uint32_t, ControlHandler> handlers_;
};

}  // namespace ctdb::server
