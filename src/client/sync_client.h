/*
 * ctdb::client::SyncClient — blocking wrapper over Connection for the `ctdb`
 * tool and for tests: every call runs the EventLoop until its answer (or
 * timeout) arrives.
 *
 * Owns: its Connection, the EventLoop if it created one, the queues of
 * messages for srvids registered with listen(), and the private srvid
 * counter (0xCE01000000000000 | (pid & 0xFFFF) << 16, +1 per use, as 4.17).
 *
 * connect() follows the 4.17 prologue: connect, then GET_PNN to
 * CURRENT_NODE with srcnode UNKNOWN (reqid 2147483448); the PNN becomes the
 * srcnode of every later packet.
 *
 * Errors of the typed helpers carry CTDB's own message text as context and
 * the CLI's return value as code (so the tool can print context and exit
 * with the code): transport failure "Control NAME failed to node N, ret=E"
 * (E an errno, e.g. 110 for a timeout), non-zero status "Control NAME
 * failed, ret=S".
 *
 * Single-threaded. Must not be used from inside a callback of its own loop
 * (it would run the loop re-entrantly).
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/connection.h"
#include "ctdb/result.h"
#include "protocol/types.h"
#include "util/event_loop.h"

namespace ctdb::client {

using namespace std::chrono_literals;

class SyncClient {
 public:
  /* Creates its own EventLoop. */
  static Result<std::unique_ptr<SyncClient>> connect(const std::string& socket_path,
                                                     std::chrono::milliseconds timeout = 10s);
  /* Uses the caller's loop (which must outlive the client). */
  static Result<std::unique_ptr<SyncClient>> connect(EventLoop& loop, const std::string& socket_path,
                                                     std::chrono::milliseconds timeout = 10s);
  ~SyncClient();

  EventLoop& loop() { return *loop_; }
  Connection& connection() { return *conn_; }
  uint32_t pnn() const { return pnn_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  void setTimeout(std::chrono::milliseconds t) { timeout_ = t; }

  /* Raw control: the reply whatever its status, or a transport Error. */
  Result<protocol::ReplyControl> control(uint32_t destnode, protocol::Opcode opcode,
                                         std::vector<uint8_t> data = {}, uint32_t flags = 0,
                                         uint64_t srvid = 0,
                                         std::optional<std::chrono::milliseconds> timeout = {});
  /* Control whose status must be 0; Error texts as described above. */
  Result<protocol::ReplyControl> controlOk(uint32_t destnode, protocol::Opcode opcode,
                                           std::vector<uint8_t> data = {}, uint32_t flags = 0,
                                           uint64_t srvid = 0);
  Status sendMessage(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data);
  /* The same control to every PNN in pnns, all sent before any answer is
   * awaited (4.17's ctdb_client_control_multi). Silent; the Error's code is
   * the first failure seen (transport errno or non-zero status), as 4.17
   * returns it. An empty list succeeds without traffic. */
  Status controlMulti(const std::vector<uint32_t>& pnns, protocol::Opcode opcode,
                      std::vector<uint8_t> data = {});

  /* REGISTER_SRVID/DEREGISTER_SRVID plus a local queue of received messages. */
  Status listen(uint64_t srvid);
  Status unlisten(uint64_t srvid);
  /* Next queued message for srvid (listen() first), waiting up to timeout.
   * Error ETIMEDOUT when none came. */
  Result<std::vector<uint8_t>> waitMessage(uint64_t srvid, std::chrono::milliseconds timeout);
  /* Runs the loop until pred() or timeout; returns pred(). */
  bool runUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

  /* Next private srvid (…0001, …0002, …). */
  uint64_t nextPrivateSrvid() { return ++private_srvid_; }

  /* Typed helpers (destnode = a PNN or kCurrentNode). */
  Result<uint32_t> getPnn(uint32_t destnode);
  Result<protocol::NodeMap> getNodemap(uint32_t destnode);
  Result<protocol::Runstate> getRunstate(uint32_t destnode);
  Result<protocol::VnnMap> getVnnmap(uint32_t destnode);
  Result<int> getRecmode(uint32_t destnode);
  Result<protocol::IfaceList> getIfaces(uint32_t destnode);
  Result<std::vector<std::string>> listTunables(uint32_t destnode);
  Result<uint32_t> getTunable(uint32_t destnode, const std::string& name);
  /* Returns the raw status: 0 set, 1 obsolete tunable (4.17 semantics). */
  Result<int> setTunable(uint32_t destnode, const std::string& name, uint32_t value);
  Result<protocol::Uptime> uptime(uint32_t destnode);
  /* Number of clients connected to the daemon. */
  Result<int> ping(uint32_t destnode);
  Result<int32_t> getPid(uint32_t destnode);
  Result<protocol::PublicIpList> getPublicIps(uint32_t destnode, bool only_available = false);
  Result<protocol::PublicIpInfo> getPublicIpInfo(uint32_t destnode, const IpAddress& ip);

  /* `ctdb ipreallocate`: private srvid, TAKEOVER_RUN {pnn, srvid} to
   * BROADCAST_CONNECTED, wait timeout() for the i32 answer, re-send and wait
   * again until `give_up` has passed (4.17 waits forever, bounded by -T).
   * Returns the leader's answer (>= 0); a negative answer is an Error whose
   * code is that value; no answer by give_up is ETIMEDOUT. */
  Result<int32_t> takeoverRun(std::chrono::milliseconds give_up = std::chrono::hours(24));
  /* DISABLE_TAKEOVER_RUNS {pnn, srvid, timeout_s} to each PNN in pnns, one
   * wait of timeout() for all answers. Error texts as 4.17: "Timed out
   * waiting to disable takeover runs". */
  Status disableTakeoverRuns(const std::vector<uint32_t>& pnns, uint32_t timeout_s);

 private:
  SyncClient(std::unique_ptr<EventLoop> own, EventLoop* loop, std::chrono::milliseconds timeout);
  Status init(const std::string& socket_path);
  Result<protocol::ReplyControl> typedControl(uint32_t destnode, protocol::Opcode opcode,
                                              std::vector<uint8_t> data = {}, uint32_t flags = 0);

  std::unique_ptr<EventLoop> own_loop_;
  EventLoop* loop_;
  std::chrono::milliseconds timeout_;
  uint32_t pnn_ = protocol::kUnknownPnn;
  uint64_t private_srvid_;
  std::map<uint64_t, std::deque<std::vector<uint8_t>>> queues_;
  std::unique_ptr<Connection> conn_;
};

/* Error with CTDB's message texts (exposed for tests). */
Error controlTransportError(protocol::Opcode op, uint32_t destnode, const Error& cause);
Error controlStatusError(protocol::Opcode op, int32_t status);

}  // namespace ctdb::client
