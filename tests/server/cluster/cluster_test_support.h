/*
 * Shared by the tests of src/server/cluster: an event loop maker and an
 * in-process cluster of Daemons (one per node) whose messages go through a
 * loopback transport, for the election and banning tests.
 */
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>

#include "protocol/types.h"
#include "raw_client.h"
#include "server/cluster/banning.h"
#include "server/cluster/cluster_lock.h"
#include "server/core/control_socket.h"
#include "server/daemon/daemon.h"
#include "server/cluster/leader_election.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
namespace NF = protocol::NodeFlags;
using testing::ScratchDir;

struct TakeResult {
  std::optional<LockStatus> status;
  std::optional<std::string> lost;
};

/* take() and pump the loop until the result arrives (bounded). */
[[maybe_unused]] void takeAndWait(EventLoop& loop, ClusterLock& lock, TakeResult& r,
                 std::chrono::milliseconds limit = 5000ms) {
  r = TakeResult{};
  lock.take([&r](LockStatus s, std::chrono::milliseconds) { r.status = s; },
            [&r](const std::string& why) { r.lost = why; });
  loop.runUntil([&] { return r.status.has_value(); }, limit);
}

[[maybe_unused]] std::unique_ptr<EventLoop> makeLoop() {
  auto l = EventLoop::create();
  EXPECT_TRUE(l.ok());
  return std::move(*l);
}

/* ---------------- In-process cluster over a loopback transport ---------------- */

class Cluster;

class LoopbackTransport final : public Transport {
 public:
  LoopbackTransport(Cluster& c, uint32_t from) : cluster_(c), from_(from) {}
  void sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) override;

 private:
  Cluster& cluster_;
  uint32_t from_;
};

class Cluster {
 public:
  /* connected = false: the daemons start unable to reach each other
   * (messages to a DISCONNECTED node are dropped, as by the real
   * transport) until connectAll(). */
  Cluster(size_t n, std::optional<std::string> reclock, config::Tunables tun = {},
          bool connected = true)
      : is_connected_(connected) {
    loop_ = makeLoop();
    for (uint32_t i = 0; i < n; ++i) {
      config::NodeEntry e;
      e.pnn = i;
      e.address = *IpAddress::parse("198.18.0." + std::to_string(i + 1));
      entries_.push_back(e);
    }
    (void)tun.set("ElectionTimeout", 1);
    tunables_ = tun;
    for (uint32_t i = 0; i < n; ++i) start(i, reclock);
  }
  ~Cluster() {
    daemons_.clear();
    transports_.clear();
    loop_.reset();
  }
  void start(uint32_t i, std::optional<std::string> reclock) {
    std::string sock = dir_.file("ctdbd" + std::to_string(i) + ".socket");
    unlink(sock.c_str());
    auto fd = openControlSocket(sock);
    ASSERT_TRUE(fd.ok());
    DaemonSetup setup;
    setup.options.socket_path = sock;
    setup.options.reclock = reclock;
    setup.nodes = entries_;
    setup.pnn = i;
    setup.tunables = tunables_;
    auto d = Daemon::create(*loop_, std::move(setup), std::move(*fd));
    ASSERT_TRUE(d.ok()) << d.error().message();
    transports_[i] = std::make_unique<LoopbackTransport>(*this, i);
    (*d)->setTransport(*transports_[i]);
    daemons_[i] = std::move(*d);
    // Connect with every running daemon (both directions).
    if (is_connected_) connectTo(i);
    daemons_[i]->start();
  }
  void connectTo(uint32_t i) {
    for (auto& [j, other] : daemons_) {
      if (j == i) continue;
      daemons_[i]->nodes().modifyFlags(j, 0, NF::kDisconnected | NF::kUnhealthy);
      other->nodes().modifyFlags(i, 0, NF::kDisconnected | NF::kUnhealthy);
    }
  }
  void connectAll() {
    is_connected_ = true;
    for (auto& [i, d] : daemons_) connectTo(i);
  }
  /* Like SIGKILL + the transport noticing. */
  void kill(uint32_t i) {
    loop_->deleteLater(std::move(daemons_[i]));
    daemons_.erase(i);
    for (auto& [j, other] : daemons_) other->nodes().modifyFlags(i, NF::kDisconnected, 0);
  }
  Daemon* daemon(uint32_t i) { return daemons_.count(i) ? daemons_[i].get() : nullptr; }
  /* The leader every running daemon agrees on and that claims it, or unknown. */
  uint32_t agreedLeader() {
    std::optional<uint32_t> l;
    for (auto& [i, d] : daemons_) {
      uint32_t x = d->nodes().leader();
      if (x == protocol::kUnknownPnn) return x;
      if (l && *l != x) return protocol::kUnknownPnn;
      l = x;
    }
    if (!l || !daemons_.count(*l) || !daemons_[*l]->election().isLeader())
      return protocol::kUnknownPnn;
    return *l;
  }
  size_t leaderCount() {
    size_t n = 0;
    for (auto& [i, d] : daemons_) n += d->election().isLeader() ? 1 : 0;
    return n;
  }
  bool waitAgreed(std::chrono::milliseconds limit) {
    return loop_->runUntil([&] { return agreedLeader() != protocol::kUnknownPnn; }, limit);
  }
  EventLoop& loop() { return *loop_; }
  std::string file(const std::string& n) { return dir_.file(n); }

 private:
  friend class LoopbackTransport;
  ScratchDir dir_;
  bool is_connected_;
  std::unique_ptr<EventLoop> loop_;
  std::vector<config::NodeEntry> entries_;
  config::Tunables tunables_;
  std::map<uint32_t, std::unique_ptr<LoopbackTransport>> transports_;
  std::map<uint32_t, std::unique_ptr<Daemon>> daemons_;
};

void LoopbackTransport::sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) {
  if (!cluster_.daemons_.count(from_)) return;
  // The real transport has no link to a node it sees as disconnected.
  if (cluster_.daemons_[from_]->nodes().flags(pnn) & NF::kDisconnected) return;
  cluster_.loop_->post([c = &cluster_, pnn, msg]() {
    if (auto* d = c->daemon(pnn)) d->messages().deliverLocal(msg.srvid, msg.data);
  });
}


}  // namespace
}  // namespace ctdb::server
