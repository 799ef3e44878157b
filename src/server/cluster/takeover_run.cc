#include "server/cluster/takeover_run.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "config/tunables.h"
#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::takeover {

namespace {

using client::ControlRequest;
using protocol::Opcode;

struct Sent {
  ControlRequest req;
  std::string what;  // for error messages: "RELEASE_IP 198.18.1.1 to node 0"
  bool counts_against_node = true;  // a failure is the destination node's fault
};

class Run : public std::enable_shared_from_this<Run> {
  using Replies = std::vector<Result<protocol::ReplyControl>>;

 public:
  Run(EventLoop& loop, client::Connection& conn, TakeoverRunOptions opts,
      Completer<TakeoverRunReport> c)
      : loop_(loop), conn_(conn), opts_(std::move(opts)), completer_(std::move(c)) {}

  void start() {
    if (!opts_.fetch_tunables) return nodemap();
    ControlRequest req;
    req.opcode = Opcode::GetAllTunables;
    req.timeout = opts_.timeout;
    batch({Sent{req, "GET_ALL_TUNABLES", false}}, [self = shared_from_this()](auto replies) {
      self->onTunables(std::move(replies));
    });
  }

  void onTunables(Replies r) {
    std::vector<Sent> sent{Sent{{}, "GET_ALL_TUNABLES", false}};
    if (auto e = firstFailure(sent, r)) return fail(*e);
    auto t = protocol::decode<protocol::TunableList>(r[0]->data);
    if (!t) return fail(makeError("GET_ALL_TUNABLES reply: " + t.error().message()));
    const auto v = config::Tunables::fromTunableList(t->values);
    opts_.timeout = std::chrono::seconds(std::max<uint32_t>(v.takeoverTimeout(), 1));
    opts_.enable_bans = v.enableBans() != 0;
    opts_.no_ip_failback = v.noIpFailback() != 0;
    opts_.disable_ip_failover = v.disableIpFailover() != 0;
    opts_.no_ip_takeover = v.noIpTakeover() != 0;
    opts_.algorithm = algorithmFromTunable(v.ipAllocAlgorithm());
    nodemap();
  }

  void nodemap() {
    ControlRequest req;
    req.opcode = Opcode::GetNodemap;
    req.timeout = opts_.timeout;
    batch({Sent{req, "GET_NODEMAP", false}}, [self = shared_from_this()](auto replies) {
      self->onNodemap(std::move(replies));
    });
  }

  void cancel() {
    cancelled_ = true;
    ops_.clear();
  }

 private:

  /* Sends every request, calls next(replies) once all answered. */
  void batch(std::vector<Sent> reqs, std::function<void(Replies)> next) {
    if (cancelled_) return;
    /* One shared state per batch: each control's callback holds only a
     * pointer to it. (Capturing `next` by value copied it - and the
     * vector<Sent> of the whole phase it holds - once per control: O(N^2)
     * memory and copies, 3 GB in ctdbd at 2048 IPs.) */
    struct State {
      Replies replies;
      size_t left = 0;
      std::function<void(Replies)> next;
    };
    auto st = std::make_shared<State>();
    st->left = reqs.size();
    st->next = std::move(next);
    st->replies.reserve(reqs.size());
    for (size_t i = 0; i < reqs.size(); i++) st->replies.emplace_back(makeError("no reply"));
    if (reqs.empty()) {
      loop_.post([self = shared_from_this(), st]() {
        if (!self->cancelled_) st->next(std::move(st->replies));
      });
      return;
    }
    ops_.reserve(ops_.size() + reqs.size());
    for (size_t i = 0; i < reqs.size(); i++) {
      ops_.push_back(conn_.control(
          std::move(reqs[i].req),
          [self = shared_from_this(), i, st](Result<protocol::ReplyControl> r) {
            st->replies[i] = std::move(r);
            if (--st->left == 0 && !self->cancelled_) {
              self->ops_.clear();
              auto next = std::move(st->next);
              next(std::move(st->replies));
            }
          }));
    }
  }

  /* First failure among replies, naming the control. */
  std::optional<Error> firstFailure(const std::vector<Sent>& sent, const Replies& r) {
    size_t failures = 0;
    std::optional<Error> first;
    for (size_t i = 0; i < r.size(); i++) {
      std::optional<Error> e;
      if (!r[i]) {
        e = errnoError(r[i].error().errnoValue(), sent[i].what + ": " + r[i].error().message());
      } else if (r[i]->status != 0) {
        std::string msg = sent[i].what + " failed, status " + std::to_string(r[i]->status);
        if (r[i]->errmsg) msg += " (" + *r[i]->errmsg + ")";
        e = makeError(msg);
      }
      if (e) {
        D_ERR("takeover run: %s\n", e->message().c_str());
        failures++;
        if (sent[i].counts_against_node) node_failures_[sent[i].req.destnode]++;
        if (!first) first = e;
      }
    }
    return first;
  }

  /* The node with the most failed controls (lowest PNN on ties), if any. */
  std::optional<std::pair<uint32_t, uint32_t>> culprit() const {
    std::optional<std::pair<uint32_t, uint32_t>> best;
    for (const auto& [pnn, n] : node_failures_)
      if (!best || n > best->second) best = std::make_pair(pnn, n);
    return best;
  }

  void fail(Error e) {
    auto c = culprit();
    if (c) {
      e = makeError(e.message() + " (culprit node " + std::to_string(c->first) + ", " +
                    std::to_string(c->second) + " failed controls)");
      if (opts_.enable_bans) {
        D_WARNING("takeover run: assigning banning credits to node %u\n", c->first);
        if (auto st = conn_.sendMessage(protocol::kCurrentNode, protocol::kSrvidBanning,
                                        protocol::encodeU32(c->first));
            !st)
          D_ERR("takeover run: BANNING message for node %u: %s\n", c->first,
                st.error().message().c_str());
      }
    }
    completer_.complete(std::move(e));
  }

  /* Timeout for a control of steps 4-6: what is left of the shared
   * deadline (at least 1 ms, so an expired deadline fails at once). */
  std::chrono::milliseconds phaseTimeout() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - loop_.now());
    return std::max(left, std::chrono::milliseconds(1));
  }
  void startDeadline() { deadline_ = loop_.now() + 3 * opts_.timeout; }

  void onNodemap(Replies r) {
    std::vector<Sent> sent{Sent{{}, "GET_NODEMAP", false}};
    if (auto e = firstFailure(sent, r)) return fail(*e);
    auto map = protocol::decode<protocol::NodeMap>(r[0]->data);
    if (!map) return fail(makeError("GET_NODEMAP reply: " + map.error().message()));
    map_ = std::move(*map);
    input_.algorithm = opts_.algorithm;
    input_.noIpFailback = opts_.no_ip_failback;
    input_.forceRebalance = opts_.force_rebalance;
    input_.exactCtdbArithmetic = opts_.exact_ctdb_arithmetic;
    input_.nodes.resize(map_.nodes.size());
    std::vector<Sent> reqs;
    for (const auto& n : map_.nodes) {
      input_.nodes[n.pnn].flags = n.flags;
      input_.nodes[n.pnn].noIpTakeover = opts_.no_ip_takeover;
      if (n.flags & protocol::NodeFlags::kDisconnected) continue;
      connected_.push_back(n.pnn);
      if (opts_.disable_ip_failover) continue;
      ControlRequest req;
      req.destnode = n.pnn;
      req.opcode = Opcode::GetPublicIps;
      req.timeout = opts_.timeout;
      reqs.push_back(Sent{req, "GET_PUBLIC_IPS to node " + std::to_string(n.pnn)});
    }
    if (opts_.disable_ip_failover) {
      D_NOTICE("takeover run: IP failover is disabled, only running ipreallocated\n");
      startDeadline();
      return ipreallocated();
    }
    auto sent_copy = reqs;
    batch(std::move(reqs), [self = shared_from_this(), sent_copy](Replies r) {
      self->onKnown(sent_copy, std::move(r));
    });
  }

  void onKnown(const std::vector<Sent>& sent, Replies r) {
    if (auto e = firstFailure(sent, r)) return fail(*e);
    std::vector<Sent> reqs;
    for (size_t i = 0; i < r.size(); i++) {
      const uint32_t pnn = sent[i].req.destnode;
      auto list = protocol::decode<protocol::PublicIpList>(r[i]->data);
      if (!list) return fail(makeError(sent[i].what + " reply: " + list.error().message()));
      for (const auto& ip : list->ips) {
        input_.nodes[pnn].known.push_back(
            KnownIp{ip.addr.ip, ip.pnn == protocol::kUnknownPnn ? kNoPnn
                                                                : static_cast<int32_t>(ip.pnn)});
      }
      report_.known_ips += list->ips.size();
      if (list->ips.empty() || (map_.nodes[pnn].flags & protocol::NodeFlags::kInactive)) continue;
      ControlRequest req;
      req.destnode = pnn;
      req.opcode = Opcode::GetPublicIps;
      req.flags = protocol::kPublicIpFlagsOnlyAvailable;
      req.timeout = opts_.timeout;
      reqs.push_back(Sent{req, "GET_PUBLIC_IPS(available) to node " + std::to_string(pnn)});
    }
    auto sent_copy = reqs;
    batch(std::move(reqs), [self = shared_from_this(), sent_copy](Replies r) {
      self->onAvailable(sent_copy, std::move(r));
    });
  }

  void onAvailable(const std::vector<Sent>& sent, Replies r) {
    if (auto e = firstFailure(sent, r)) return fail(*e);
    for (size_t i = 0; i < r.size(); i++) {
      auto list = protocol::decode<protocol::PublicIpList>(r[i]->data);
      if (!list) return fail(makeError(sent[i].what + " reply: " + list.error().message()));
      for (const auto& ip : list->ips) input_.nodes[sent[i].req.destnode].available.push_back(ip.addr.ip);
    }
    leaveOutHeldIps();
    if (!canHostIps(input_)) {
      D_NOTICE("takeover run: No nodes available to host public IPs yet\n");
      startDeadline();
      return ipreallocated();
    }
    auto alloc = allocate(input_);
    if (!alloc) return fail(alloc.error());
    for (const auto& d : alloc->diagnostics) D_INFO("takeover run: %s\n", d.text.c_str());
    alloc_ = std::move(alloc->ips);
    startDeadline();
    releases();
  }

  /* IPs owned (in any view) by a node still inside its fence time. */
  void leaveOutHeldIps() {
    if (opts_.held_nodes.empty()) return;
    std::unordered_set<IpAddress, IpAddressHash> held;
    auto isHeldNode = [this](int32_t pnn) {
      return pnn != kNoPnn && std::find(opts_.held_nodes.begin(), opts_.held_nodes.end(),
                                        static_cast<uint32_t>(pnn)) != opts_.held_nodes.end();
    };
    for (const auto& n : input_.nodes)
      for (const auto& k : n.known)
        if (isHeldNode(k.pnn)) held.insert(k.addr);
    if (held.empty()) return;
    for (auto& n : input_.nodes) {
      std::erase_if(n.known, [&](const KnownIp& k) { return held.count(k.addr) != 0; });
      std::erase_if(n.available, [&](const IpAddress& a) { return held.count(a) != 0; });
    }
    report_.held_ips = held.size();
    D_NOTICE("takeover run: %zu IPs of lost nodes inside their fence time left where they are\n",
             held.size());
  }

  static protocol::PublicIp publicIp(const IpAssignment& a) {
    protocol::PublicIp p;
    p.pnn = a.pnn == kNoPnn ? protocol::kUnknownPnn : static_cast<uint32_t>(a.pnn);
    p.addr.ip = a.addr;
    return p;
  }

  void releases() {
    std::vector<Sent> reqs;
    for (const auto& a : alloc_) {
      for (uint32_t pnn : connected_) {
        if (pnn >= a.knownOn.size() || !a.knownOn[pnn]) continue;
        if (a.pnn != kNoPnn && static_cast<uint32_t>(a.pnn) == pnn) continue;
        ControlRequest req;
        req.destnode = pnn;
        req.opcode = Opcode::ReleaseIp;
        req.data = protocol::encode(publicIp(a));
        req.timeout = phaseTimeout();
        reqs.push_back(Sent{req, "RELEASE_IP " + a.addr.toString() + " to node " + std::to_string(pnn)});
      }
    }
    report_.releases_sent = reqs.size();
    auto sent_copy = reqs;
    batch(std::move(reqs), [self = shared_from_this(), sent_copy](Replies r) {
      if (auto e = self->firstFailure(sent_copy, r)) return self->fail(*e);
      self->takeovers();
    });
  }

  void takeovers() {
    std::vector<Sent> reqs;
    for (const auto& a : alloc_) {
      if (a.pnn == kNoPnn) continue;
      ControlRequest req;
      req.destnode = static_cast<uint32_t>(a.pnn);
      req.opcode = Opcode::TakeoverIp;
      req.data = protocol::encode(publicIp(a));
      req.timeout = phaseTimeout();
      reqs.push_back(Sent{req, "TAKEOVER_IP " + a.addr.toString() + " to node " + std::to_string(a.pnn)});
    }
    report_.takeovers_sent = reqs.size();
    auto sent_copy = reqs;
    batch(std::move(reqs), [self = shared_from_this(), sent_copy](Replies r) {
      if (auto e = self->firstFailure(sent_copy, r)) return self->fail(*e);
      self->ipreallocated();
    });
  }

  void ipreallocated() {
    std::vector<Sent> reqs;
    for (uint32_t pnn : connected_) {
      ControlRequest req;
      req.destnode = pnn;
      req.opcode = Opcode::Ipreallocated;
      req.timeout = phaseTimeout();
      reqs.push_back(Sent{req, "IPREALLOCATED to node " + std::to_string(pnn)});
    }
    report_.ipreallocated_sent = reqs.size();
    auto sent_copy = reqs;
    batch(std::move(reqs), [self = shared_from_this(), sent_copy](Replies r) {
      if (auto e = self->firstFailure(sent_copy, r)) return self->fail(*e);
      self->completer_.complete(self->report_);
    });
  }

  EventLoop& loop_;
  client::Connection& conn_;
  TakeoverRunOptions opts_;
  Completer<TakeoverRunReport> completer_;
  protocol::NodeMap map_;
  AllocInput input_;
  std::vector<uint32_t> connected_;
  std::vector<IpAssignment> alloc_;
  TakeoverRunReport report_;
  std::vector<PendingOp> ops_;
  std::map<uint32_t, uint32_t> node_failures_;
  std::chrono::steady_clock::time_point deadline_{};
  bool cancelled_ = false;
};

}  // namespace

PendingOp startTakeoverRun(EventLoop& loop, client::Connection& conn, TakeoverRunOptions options,
                           std::function<void(Result<TakeoverRunReport>)> done) {
  auto [op, c] = makeAsync<TakeoverRunReport>(loop, std::move(done));
  auto run = std::make_shared<Run>(loop, conn, std::move(options), c);
  // The run keeps itself alive through its outstanding controls; cancelling
  // the op drops them, which releases it.
  c.onCancel([weak = std::weak_ptr<Run>(run)]() {
    if (auto r = weak.lock()) r->cancel();
  });
  run->start();
  return std::move(op);
}

}  // namespace ctdb::takeover
