/*
 * NodeLink on its own, over a socketpair: packets both ways, the one-line
 * reasons it gives for a peer that closes or sends garbage, close() ending
 * every callback, and send() refusing on a closed or connecting link.
 */
#include "server/transport/node_link.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "protocol/packet.h"
#include "util/event_loop.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;

std::pair<UniqueFd, UniqueFd> streamPair() {
  int sv[2];
  EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

std::vector<uint8_t> keepalive(uint32_t src, uint32_t dst) {
  protocol::ReqKeepalive k;
  k.hdr.srcnode = src;
  k.hdr.destnode = dst;
  k.version = protocol::kKeepaliveVersion417;
  return protocol::encodePacket(k);
}

class NodeLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(*l);
  }
  std::unique_ptr<NodeLink> make(UniqueFd fd, const char* name) {
    NodeLink::Callbacks cb;
    cb.on_packet = [this](std::vector<uint8_t> p) { packets_.push_back(std::move(p)); };
    cb.on_error = [this](const std::string& why) {
      ++errors_;
      reason_ = why;
    };
    return std::make_unique<NodeLink>(*loop_, std::move(fd), name, false, std::move(cb));
  }
  bool pump(const std::function<bool()>& pred, std::chrono::milliseconds t = 2000ms) {
    return loop_->runUntil(pred, t);
  }
  /* Anchors "nothing more arrived": a second link whose peer closed now is
   * ready in the same loop iterations as anything still pending; once its
   * error came, whatever the link under test would report has come too. */
  void drainWithWitness() {
    auto [w, w_peer] = streamPair();
    bool is_witnessed = false;
    NodeLink::Callbacks cb;
    cb.on_error = [&](const std::string&) { is_witnessed = true; };
    NodeLink witness(*loop_, std::move(w), "witness", false, std::move(cb));
    w_peer.reset();
    ASSERT_TRUE(pump([&] { return is_witnessed; }));
  }

  std::unique_ptr<EventLoop> loop_;
  std::vector<std::vector<uint8_t>> packets_;
  int errors_ = 0;
  std::string reason_;
};

TEST_F(NodeLinkTest, PacketsArriveWholeAndInOrder) {
  auto [a, b] = streamPair();
  auto link = make(std::move(a), "to 198.18.0.2");
  EXPECT_TRUE(link->isUp());
  EXPECT_EQ(link->name(), "to 198.18.0.2");
  const auto p1 = keepalive(2, 1), p2 = keepalive(2, 1);
  std::vector<uint8_t> both = p1;
  both.insert(both.end(), p2.begin(), p2.end());
  ASSERT_EQ(static_cast<ssize_t>(both.size()), ::write(b.get(), both.data(), both.size()));
  ASSERT_TRUE(pump([&] { return packets_.size() == 2; }));
  EXPECT_EQ(packets_[0], p1);
  EXPECT_EQ(errors_, 0);
}

TEST_F(NodeLinkTest, SentPacketsReachThePeer) {
  auto [a, b] = streamPair();
  auto link = make(std::move(a), "to 198.18.0.2");
  const auto p = keepalive(1, 2);
  ASSERT_TRUE(link->send(p));
  ASSERT_TRUE(pump([&] { return link->queuedBytes() == 0; }));
  std::vector<uint8_t> got(p.size());
  ASSERT_EQ(static_cast<ssize_t>(p.size()), ::read(b.get(), got.data(), got.size()));
  EXPECT_EQ(got, p);
  EXPECT_EQ(link->packetsSent(), 1u);
}

TEST_F(NodeLinkTest, PeerClosingGivesOneReasonAndClosesTheLink) {
  auto [a, b] = streamPair();
  auto link = make(std::move(a), "from 198.18.0.3");
  b.reset();
  ASSERT_TRUE(pump([&] { return errors_ > 0; }));
  EXPECT_EQ(reason_, "peer closed the connection");
  EXPECT_TRUE(link->isClosed());
  EXPECT_FALSE(link->send(keepalive(1, 3)));
  drainWithWitness();
  EXPECT_EQ(errors_, 1);
}

TEST_F(NodeLinkTest, GarbageIsAMalformedPacket) {
  auto [a, b] = streamPair();
  auto link = make(std::move(a), "from 198.18.0.3");
  std::vector<uint8_t> junk(64, 0x5a);
  ASSERT_EQ(64, ::write(b.get(), junk.data(), junk.size()));
  ASSERT_TRUE(pump([&] { return errors_ > 0; }));
  EXPECT_EQ(reason_.rfind("malformed packet: ", 0), 0u) << reason_;
  EXPECT_TRUE(packets_.empty());
}

TEST_F(NodeLinkTest, CloseStopsEveryCallback) {
  auto [a, b] = streamPair();
  auto link = make(std::move(a), "to 198.18.0.2");
  link->close();
  link->close();  // idempotent
  EXPECT_TRUE(link->isClosed());
  const auto p = keepalive(2, 1);
  (void)::send(b.get(), p.data(), p.size(), MSG_NOSIGNAL);  // the link may have closed its end
  b.reset();
  drainWithWitness();
  EXPECT_TRUE(packets_.empty());
  EXPECT_EQ(errors_, 0);
}

TEST_F(NodeLinkTest, ConnectingLinkRefusesToSend) {
  auto [a, b] = streamPair();
  NodeLink::Callbacks cb;
  std::optional<bool> connected;
  cb.on_connected = [&] { connected = true; };
  NodeLink link(*loop_, std::move(a), "to 198.18.0.2", /*is_connecting=*/true, std::move(cb));
  EXPECT_TRUE(link.isConnecting());
  EXPECT_FALSE(link.send(keepalive(1, 2)));
  ASSERT_TRUE(pump([&] { return connected.has_value(); }));  // writable: the connect is done
  EXPECT_TRUE(link.isUp());
  EXPECT_TRUE(link.send(keepalive(1, 2)));
}

TEST_F(NodeLinkTest, WriteErrorIsReportedOnceAndNeverSynchronously) {
  auto [a, b] = streamPair();
  b.reset();
  auto link = make(std::move(a), "test");
  EXPECT_FALSE(link->send(std::vector<uint8_t>(40, 0)));  // EPIPE: closed, error posted
  EXPECT_EQ(0, errors_);                                   // never synchronous
  ASSERT_TRUE(pump([&] { return errors_ > 0; }));
  drainWithWitness();
  EXPECT_EQ(1, errors_);
  EXPECT_TRUE(link->isClosed());
}

}  // namespace
}  // namespace ctdb::server
