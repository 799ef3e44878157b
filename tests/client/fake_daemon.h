/*
 * FakeDaemon: a tiny stand-in for ctdbd used by the client and tool tests.
 *
 * Listens on a unix socket in a fresh temporary directory and serves every
 * connection from one background thread (poll loop), decoding packets with
 * the project's protocol module. By default it answers like a healthy
 * single... three-node cluster seen from node 0 (reference ctdb-protocol.md
 * 8.1): GET_PNN, REGISTER/DEREGISTER_SRVID (LEADER message right after the
 * register reply), GET_NODEMAP, GET_RUNSTATE, GETVNNMAP, GET_RECMODE,
 * GET_IFACES, LIST/GET/SET_TUNABLE, UPTIME, PING, GET_PID, and answers a
 * TAKEOVER_RUN message with i32 0 to (pnn, srvid); anything else status -1.
 *
 * Public-IP model (for the IP commands of the tool tests): every node knows
 * 198.19.0.1-6 on eth0 (hosted by 2,0,1,2,0,1 as in the golden captures),
 * listed newest first like ctdbd. Served: GET_PUBLIC_IPS and
 * GET_PUBLIC_IP_INFO (per destnode view, -1 for an unknown IP), GET_IFACES
 * (eth0, references = IPs the node hosts), SET_IFACE_LINK_STATE,
 * ADD/DEL_PUBLIC_IP (a hosted IP stays until moved), RELOAD_PUBLIC_IPS
 * (setReloadStatus), DISABLE/ENABLE_NODE, STOP/CONTINUE_NODE, SET_BAN_STATE
 * (node-map flags change after setFlagDelay() further GET_NODEMAPs),
 * RELEASE_IP, TAKEOVER_IP (moves the owner), SEND_GRATUITOUS_ARP; messages
 * DISABLE_TAKEOVER_RUNS (answers i32 = destnode, or setDisableReply()),
 * REBALANCE_NODE and DISABLE_IP_CHECK (no answer). The model is guarded by a
 * mutex; setters may be called before or after start().
 *
 * Tests customise behaviour with setControlHook(): the hook runs on the
 * daemon thread before the default handling and may answer (return true),
 * e.g. by holding replies back and sending them later in another order.
 * Everything the daemon received is recorded (packets(), thread-safe).
 * Configure hooks before start(); stop() (or the destructor) joins.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "protocol/packet.h"
#include "protocol/types.h"

namespace ctdb::testing {

class FakeDaemon {
 public:
  struct Session {
    int fd = -1;
    std::vector<uint64_t> srvids;
    /* Sends raw bytes to this client (daemon thread only). */
    void send(const std::vector<uint8_t>& bytes) const;
  };
  using ControlHook = std::function<bool(const protocol::ReqControl&, Session&)>;
  using MessageHook = std::function<bool(const protocol::ReqMessage&, Session&)>;

  FakeDaemon();
  ~FakeDaemon();

  void setControlHook(ControlHook h) { control_hook_ = std::move(h); }
  void setMessageHook(MessageHook h) { message_hook_ = std::move(h); }
  /* When false the daemon does not push the LEADER message. */
  void setSendLeader(bool b) { send_leader_ = b; }
  /* When false TAKEOVER_RUN messages are ignored. */
  void setAnswerTakeoverRun(bool b) { answer_takeover_ = b; }
  void setIfaceLinkDown(bool b);

  /* Public-IP model (see above). */
  void setPublicIps(uint32_t pnn, protocol::PublicIpList l);
  protocol::PublicIpList publicIps(uint32_t pnn) const;
  void setIfaces(uint32_t pnn, std::vector<protocol::Iface> l);
  std::vector<protocol::Iface> ifaces(uint32_t pnn) const;
  void setNodeFlags(uint32_t pnn, uint32_t flags);
  uint32_t nodeFlags(uint32_t pnn) const;
  /* Flag changes show up only after this many more GET_NODEMAP answers. */
  void setFlagDelay(int polls);
  void setReloadStatus(int32_t st);
  /* Status for one opcode (e.g. ADD_PUBLIC_IP -1) instead of the model. */
  void setControlStatus(protocol::Opcode op, int32_t st);
  /* DISABLE_TAKEOVER_RUNS answer: nullopt = destnode (default), or a value;
   * setDisableSilent(true) = no answer at all. */
  void setDisableReply(std::optional<int32_t> v);
  void setDisableSilent(bool b);

  void start();
  void stop();

  const std::string& socketPath() const { return socket_path_; }
  const std::string& dir() const { return dir_; }

  /* Every packet received so far (raw bytes, in order). */
  std::vector<std::vector<uint8_t>> packets() const;
  /* Number of connections accepted so far. */
  int connections() const { return connections_.load(); }

  /* Helpers for hooks. */
  static std::vector<uint8_t> reply(const protocol::ReqControl& req, int32_t status,
                                    std::vector<uint8_t> data = {});
  static std::vector<uint8_t> message(uint64_t srvid, std::vector<uint8_t> data);

  /* The defaults used by the standard answers. */
  static protocol::NodeMap defaultNodemap();
  static std::vector<std::pair<std::string, uint32_t>> defaultTunables();

 /* Waits (bounded) until every accepted connection has been closed by its
  * client and read to EOF, so every packet a finished tool sent is in
  * packets(). False on timeout. */
  bool waitAllClosed(std::chrono::milliseconds timeout);

 private:
  void run();
  void handle(Session& s, std::span<const uint8_t> pkt);
  void defaultControl(const protocol::ReqControl& c, Session& s);

  std::string dir_;
  std::string socket_path_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<std::vector<uint8_t>> packets_;
  std::atomic<int> open_connections_{0};
  ControlHook control_hook_;
  MessageHook message_hook_;
  bool send_leader_ = true;
  bool answer_takeover_ = true;
  std::map<std::string, uint32_t> tunables_;

  void modelControl(const protocol::ReqControl& c, Session& s, bool* handled);
  void applyPendingFlags(bool poll);
  mutable std::mutex model_mu_;
  std::map<uint32_t, protocol::PublicIpList> ips_;
  std::map<uint32_t, std::vector<protocol::Iface>> ifaces_;
  std::vector<uint32_t> flags_;
  struct PendingFlags {
    uint32_t pnn;
    uint32_t flags;
  };
  std::vector<PendingFlags> pending_flags_;
  int flag_delay_ = 0;
  int flag_countdown_ = 0;
  int32_t reload_status_ = 0;
  std::map<uint32_t, int32_t> forced_status_;
  std::optional<int32_t> disable_reply_;
  bool disable_silent_ = false;
};

}  // namespace ctdb::testing
