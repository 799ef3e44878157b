#include "client/sync_client.h"

#include <unistd.h>

#include <cerrno>

#include "util/logging.h"

namespace ctdb::client {

using protocol::Opcode;

namespace {
constexpr uint64_t kSrvidCtdbTool = protocol::kSrvidToolRange | 0x0001000000000000ULL;

std::string opName(Opcode op) {
  const char* n = protocol::opcodeName(op);
  return n ? n : std::to_string(static_cast<uint32_t>(op));
}
}  // namespace

Error controlTransportError(Opcode op, uint32_t destnode, const Error& cause) {
  int ret = cause.code.value();
  return Error{cause.code, "Control " + opName(op) + " failed to node " + std::to_string(destnode) +
                               ", ret=" + std::to_string(ret)};
}

Error controlStatusError(Opcode op, int32_t status) {
  return Error{std::error_code(status, std::system_category()),
               "Control " + opName(op) + " failed, ret=" + std::to_string(status)};
}

SyncClient::SyncClient(std::unique_ptr<EventLoop> own, EventLoop* loop,
                       std::chrono::milliseconds timeout)
    : own_loop_(std::move(own)), loop_(loop), timeout_(timeout) {
  private_srvid_ = kSrvidCtdbTool | (static_cast<uint64_t>(::getpid() & 0xFFFF) << 16);
}

SyncClient::~SyncClient() {
  conn_.reset();
  /* Let the loop drop deliveries queued for the closed connection. */
}

Result<std::unique_ptr<SyncClient>> SyncClient::connect(const std::string& socket_path,
                                                        std::chrono::milliseconds timeout) {
  auto loop = EventLoop::create();
  if (!loop) return loop.error();
  EventLoop* raw = loop->get();
  std::unique_ptr<SyncClient> c(new SyncClient(std::move(*loop), raw, timeout));
  if (auto st = c->init(socket_path); !st) return st.error();
  return c;
}

Result<std::unique_ptr<SyncClient>> SyncClient::connect(EventLoop& loop, const std::string& socket_path,
                                                        std::chrono::milliseconds timeout) {
  std::unique_ptr<SyncClient> c(new SyncClient(nullptr, &loop, timeout));
  if (auto st = c->init(socket_path); !st) return st.error();
  return c;
}

Status SyncClient::init(const std::string& socket_path) {
  auto conn = Connection::connect(*loop_, socket_path);
  if (!conn) return conn.error();
  conn_ = std::move(*conn);
  auto pnn = getPnn(protocol::kCurrentNode);
  if (!pnn) return pnn.error();
  pnn_ = *pnn;
  conn_->setPnn(pnn_);
  return {};
}

bool SyncClient::runUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  return loop_->runUntil(pred, timeout);
}

Result<protocol::ReplyControl> SyncClient::control(uint32_t destnode, Opcode opcode,
                                                   std::vector<uint8_t> data, uint32_t flags,
                                                   uint64_t srvid,
                                                   std::optional<std::chrono::milliseconds> timeout) {
  ControlRequest req;
  req.destnode = destnode;
  req.opcode = opcode;
  req.data = std::move(data);
  req.flags = flags;
  req.srvid = srvid;
  req.timeout = timeout.value_or(timeout_);
  const std::chrono::milliseconds control_timeout = req.timeout;
  std::optional<Result<protocol::ReplyControl>> result;
  PendingOp op = conn_->control(std::move(req), [&result](Result<protocol::ReplyControl> r) {
    result.emplace(std::move(r));
  });
  /* The control carries its own timer; the extra margin only guards
   * against a loop that never delivers. */
  auto guard = control_timeout.count() > 0 ? control_timeout + 5s : std::chrono::milliseconds(std::chrono::hours(24));
  loop_->runUntil([&result]() { return result.has_value(); }, guard);
  if (!result) return errnoError(ETIMEDOUT, "ctdb client: no answer");
  return std::move(*result);
}

Result<protocol::ReplyControl> SyncClient::controlOk(uint32_t destnode, Opcode opcode,
                                                     std::vector<uint8_t> data, uint32_t flags,
                                                     uint64_t srvid) {
  auto r = control(destnode, opcode, std::move(data), flags, srvid);
  if (!r) return controlTransportError(opcode, destnode, r.error());
  if (r->status != 0) return controlStatusError(opcode, r->status);
  return r;
}

Result<protocol::ReplyControl> SyncClient::typedControl(uint32_t destnode, Opcode opcode,
                                                        std::vector<uint8_t> data, uint32_t flags) {
  auto r = control(destnode, opcode, std::move(data), flags);
  if (!r) return controlTransportError(opcode, destnode, r.error());
  return r;
}

Status SyncClient::controlMulti(const std::vector<uint32_t>& pnns, Opcode opcode,
                                std::vector<uint8_t> data) {
  size_t done = 0;
  int first_err = 0;
  std::vector<PendingOp> ops;
  for (uint32_t pnn : pnns) {
    ControlRequest req;
    req.destnode = pnn;
    req.opcode = opcode;
    req.data = data;
    req.timeout = timeout_;
    ops.push_back(conn_->control(std::move(req), [&done, &first_err](Result<protocol::ReplyControl> r) {
      ++done;
      int err = !r ? r.error().code.value() : r->status;
      if (first_err == 0 && err != 0) first_err = err;
    }));
  }
  auto guard = timeout_.count() > 0 ? timeout_ + 5s : std::chrono::milliseconds(std::chrono::hours(24));
  loop_->runUntil([&]() { return done == pnns.size(); }, guard);
  if (done != pnns.size() && first_err == 0) first_err = ETIMEDOUT;
  if (first_err != 0)
    return Error{std::error_code(first_err, std::system_category()),
                 "Control " + opName(opcode) + " failed on some nodes, ret=" + std::to_string(first_err)};
  return {};
}

Status SyncClient::sendMessage(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data) {
  return conn_->sendMessage(destnode, srvid, std::move(data));
}

Status SyncClient::listen(uint64_t srvid) {
  queues_[srvid];
  conn_->setMessageHandler(srvid, [this](uint64_t id, std::span<const uint8_t> data) {
    queues_[id].emplace_back(data.begin(), data.end());
  });
  auto r = control(pnn_, Opcode::RegisterSrvid, {}, 0, srvid, std::chrono::milliseconds(0));
  if (!r) return controlTransportError(Opcode::RegisterSrvid, pnn_, r.error());
  if (r->status != 0) return controlStatusError(Opcode::RegisterSrvid, r->status);
  return {};
}

Status SyncClient::unlisten(uint64_t srvid) {
  conn_->removeMessageHandler(srvid);
  queues_.erase(srvid);
  auto r = control(pnn_, Opcode::DeregisterSrvid, {}, 0, srvid, std::chrono::milliseconds(0));
  if (!r) return controlTransportError(Opcode::DeregisterSrvid, pnn_, r.error());
  if (r->status != 0) return controlStatusError(Opcode::DeregisterSrvid, r->status);
  return {};
}

Result<std::vector<uint8_t>> SyncClient::waitMessage(uint64_t srvid, std::chrono::milliseconds timeout) {
  auto& q = queues_[srvid];
  loop_->runUntil([&q, this]() { return !q.empty() || !conn_->isConnected(); }, timeout);
  if (q.empty()) {
    if (!conn_->isConnected()) return errnoError(ECONNRESET, "ctdb client: connection lost");
    return errnoError(ETIMEDOUT, "ctdb client: no message");
  }
  auto m = std::move(q.front());
  q.pop_front();
  return m;
}

/* ---- typed helpers ---- */

#define CTDB_STATUS_RESULT(OPC)                                            \
  auto r = typedControl(destnode, OPC);                                    \
  if (!r) return r.error();                                                \
  if (r->status < 0) return controlStatusError(OPC, r->status);

Result<uint32_t> SyncClient::getPnn(uint32_t destnode) {
  CTDB_STATUS_RESULT(Opcode::GetPnn)
  return static_cast<uint32_t>(r->status);
}

Result<int> SyncClient::getRecmode(uint32_t destnode) {
  CTDB_STATUS_RESULT(Opcode::GetRecmode)
  return static_cast<int>(r->status);
}

Result<int> SyncClient::ping(uint32_t destnode) {
  CTDB_STATUS_RESULT(Opcode::Ping)
  return static_cast<int>(r->status);
}

Result<int32_t> SyncClient::getPid(uint32_t destnode) {
  CTDB_STATUS_RESULT(Opcode::GetPid)
  return r->status;
}
#undef CTDB_STATUS_RESULT

template <class T>
static Result<T> decodeReply(Opcode op, const Result<protocol::ReplyControl>& r) {
  if (!r) return r.error();
  if (r->status != 0) return controlStatusError(op, r->status);
  auto v = protocol::decode<T>(r->data);
  if (!v) return Error{std::error_code(EPROTO, std::system_category()),
                       "Control " + opName(op) + " failed, ret=" + std::to_string(EPROTO)};
  return v;
}

Result<protocol::NodeMap> SyncClient::getNodemap(uint32_t destnode) {
  return decodeReply<protocol::NodeMap>(Opcode::GetNodemap, typedControl(destnode, Opcode::GetNodemap));
}

Result<protocol::Runstate> SyncClient::getRunstate(uint32_t destnode) {
  auto r = typedControl(destnode, Opcode::GetRunstate);
  if (!r) return r.error();
  if (r->status != 0) return controlStatusError(Opcode::GetRunstate, r->status);
  auto v = protocol::decodeU32(r->data);
  if (!v) return controlStatusError(Opcode::GetRunstate, EPROTO);
  return static_cast<protocol::Runstate>(*v);
}

Result<protocol::VnnMap> SyncClient::getVnnmap(uint32_t destnode) {
  return decodeReply<protocol::VnnMap>(Opcode::GetVnnmap, typedControl(destnode, Opcode::GetVnnmap));
}

Result<protocol::IfaceList> SyncClient::getIfaces(uint32_t destnode) {
  return decodeReply<protocol::IfaceList>(Opcode::GetIfaces, typedControl(destnode, Opcode::GetIfaces));
}

Result<std::vector<std::string>> SyncClient::listTunables(uint32_t destnode) {
  auto v = decodeReply<protocol::VarList>(Opcode::ListTunables,
                                          typedControl(destnode, Opcode::ListTunables));
  if (!v) return v.error();
  return std::move(v->names);
}

Result<uint32_t> SyncClient::getTunable(uint32_t destnode, const std::string& name) {
  auto r = typedControl(destnode, Opcode::GetTunable, protocol::encode(protocol::StringN{name}));
  if (!r) return r.error();
  if (r->status != 0) return controlStatusError(Opcode::GetTunable, r->status);
  auto v = protocol::decodeU32(r->data);
  if (!v) return controlStatusError(Opcode::GetTunable, EPROTO);
  return *v;
}

Result<int> SyncClient::setTunable(uint32_t destnode, const std::string& name, uint32_t value) {
  auto r = typedControl(destnode, Opcode::SetTunable,
                        protocol::encode(protocol::TunableValue{value, name}));
  if (!r) return r.error();
  return static_cast<int>(r->status);
}

Result<protocol::Uptime> SyncClient::uptime(uint32_t destnode) {
  return decodeReply<protocol::Uptime>(Opcode::Uptime, typedControl(destnode, Opcode::Uptime));
}

Result<protocol::PublicIpList> SyncClient::getPublicIps(uint32_t destnode, bool only_available) {
  return decodeReply<protocol::PublicIpList>(
      Opcode::GetPublicIps,
      typedControl(destnode, Opcode::GetPublicIps, {},
                   only_available ? protocol::kPublicIpFlagsOnlyAvailable : 0));
}

Result<protocol::PublicIpInfo> SyncClient::getPublicIpInfo(uint32_t destnode, const IpAddress& ip) {
  return decodeReply<protocol::PublicIpInfo>(
      Opcode::GetPublicIpInfo,
      typedControl(destnode, Opcode::GetPublicIpInfo, protocol::encode(protocol::SockAddr{ip, 0})));
}

/* ---- takeover runs ---- */

Result<int32_t> SyncClient::takeoverRun(std::chrono::milliseconds give_up) {
  protocol::SrvidMessage msg;
  msg.pnn = pnn_;
  msg.srvid = nextPrivateSrvid();
  if (auto st = listen(msg.srvid); !st) return st.error();
  auto deadline = loop_->now() + give_up;
  Result<int32_t> result = errnoError(ETIMEDOUT, "ctdb client: no answer to the takeover run request");
  while (loop_->now() < deadline) {
    if (auto st = sendMessage(protocol::kBroadcastConnected, protocol::kSrvidTakeoverRun,
                              protocol::encode(msg));
        !st) {
      result = st.error();
      break;
    }
    auto wait_end = std::min(deadline, loop_->now() + timeout_);
    bool answered = false;
    while (loop_->now() < wait_end) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wait_end - loop_->now());
      auto m = waitMessage(msg.srvid, std::max(left, std::chrono::milliseconds(1)));
      if (!m) {
        if (m.error().errnoValue() != ETIMEDOUT) return m.error();
        break;
      }
      if (m->size() != 4) continue;  // 4.17 ignores answers of another size
      auto v = protocol::decodeI32(*m);
      if (!v) continue;
      if (*v >= 0) result = *v;
      else result = Error{std::error_code(*v, std::system_category()), "takeover run failed"};
      answered = true;
      break;
    }
    if (answered) break;
  }
  if (auto st = unlisten(msg.srvid); !st && result) return st.error();
  return result;
}

Status SyncClient::disableTakeoverRuns(const std::vector<uint32_t>& pnns, uint32_t timeout_s) {
  protocol::DisableMessage msg;
  msg.pnn = pnn_;
  msg.srvid = nextPrivateSrvid();
  msg.timeout = timeout_s;
  if (auto st = listen(msg.srvid); !st) return st;
  Status result;
  for (uint32_t pnn : pnns) {
    if (auto st = sendMessage(pnn, protocol::kSrvidDisableTakeoverRuns, protocol::encode(msg)); !st) {
      result = st;
      break;
    }
  }
  if (result) {
    std::map<uint32_t, bool> replied;
    for (uint32_t p : pnns) replied[p] = false;
    bool failed = false;
    size_t got = 0;
    auto deadline = loop_->now() + timeout_;
    while (got < pnns.size() && loop_->now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - loop_->now());
      auto m = waitMessage(msg.srvid, std::max(left, std::chrono::milliseconds(1)));
      if (!m) break;
      auto v = protocol::decodeI32(*m);
      if (!v) continue;
      if (*v < 0) {  // 4.17 stops waiting at the first negative answer
        failed = true;
        break;
      }
      auto it = replied.find(static_cast<uint32_t>(*v));
      if (it != replied.end() && !it->second) {
        it->second = true;
        ++got;
      }
    }
    if (failed) result = errnoError(1, "Failed to disable takeover runs");
    else if (got < pnns.size()) result = errnoError(ETIME, "Timed out waiting to disable takeover runs");
  }
  if (auto st = unlisten(msg.srvid); !st && result) return st;
  return result;
}

}  // namespace ctdb::client
