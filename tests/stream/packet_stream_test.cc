/*
 * PacketStream over real sockets (socketpair and loopback TCP): packets cut
 * from arbitrary chunks, close causes reported once and never from inside
 * send()/close(), a full write queue, an owner destroying the stream from
 * its packet handler, and a non-blocking connect that succeeds or fails.
 */
#include "stream/packet_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/packet.h"

namespace ctdb::stream {
namespace {

using namespace std::chrono_literals;
using Cause = PacketStream::Cause;

std::vector<uint8_t> message(uint64_t srvid, size_t data_len) {
  protocol::ReqMessage m;
  m.hdr.reqid = static_cast<uint32_t>(srvid);
  m.srvid = srvid;
  m.data.assign(data_len, 0x5a);
  return protocol::encodePacket(m);
}

void nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

class PacketStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l);
    loop_ = std::move(*l);
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    nonblocking(sv[0]);
    ours_ = UniqueFd(sv[0]);
    peer_ = UniqueFd(sv[1]);
  }
  std::unique_ptr<PacketStream> make(PacketStream::Options o = {}) {
    PacketStream::Callbacks cb;
    cb.on_packet = [this](std::vector<uint8_t> p) { packets_.push_back(std::move(p)); };
    cb.on_closed = [this](const PacketStream::Closed& c) {
      ++closed_calls_;
      closed_ = c;
    };
    return std::make_unique<PacketStream>(*loop_, std::move(ours_), std::move(o), std::move(cb));
  }
  void peerWrite(const std::vector<uint8_t>& b) {
    ASSERT_EQ(::write(peer_.get(), b.data(), b.size()), static_cast<ssize_t>(b.size()));
  }

  std::unique_ptr<EventLoop> loop_;
  UniqueFd ours_, peer_;
  std::vector<std::vector<uint8_t>> packets_;
  int closed_calls_ = 0;
  std::optional<PacketStream::Closed> closed_;
};

TEST_F(PacketStreamTest, CutsPacketsFromAnyChunks) {
  auto s = make();
  auto a = message(1, 10), b = message(2, 3000);
  std::vector<uint8_t> all = a;
  all.insert(all.end(), b.begin(), b.end());
  peerWrite(std::vector<uint8_t>(all.begin(), all.begin() + 7));  // less than a header
  ASSERT_TRUE(loop_->runUntil([] { return false; }, 50ms) || true);
  EXPECT_TRUE(packets_.empty());
  peerWrite(std::vector<uint8_t>(all.begin() + 7, all.end()));
  ASSERT_TRUE(loop_->runUntil([&] { return packets_.size() == 2; }, 5s));
  EXPECT_EQ(packets_[0], a);
  EXPECT_EQ(packets_[1], b);
  EXPECT_EQ(closed_calls_, 0);
  EXPECT_TRUE(s->isOpen());
}

TEST_F(PacketStreamTest, SendsAndThePeerReadsThemWhole) {
  auto s = make();
  auto a = message(3, 100);
  EXPECT_TRUE(s->send(a));
  EXPECT_EQ(s->packetsSent(), 1u);
  std::vector<uint8_t> got(a.size());
  ASSERT_EQ(::read(peer_.get(), got.data(), got.size()), static_cast<ssize_t>(a.size()));
  EXPECT_EQ(got, a);
}

TEST_F(PacketStreamTest, PeerCloseIsReportedOnceAndLater) {
  auto s = make();
  peer_.reset();
  ASSERT_TRUE(loop_->runUntil([&] { return closed_calls_ > 0; }, 5s));
  EXPECT_EQ(closed_->cause, Cause::PeerClosed);
  EXPECT_EQ(s->state(), PacketStream::State::Closed);
  EXPECT_FALSE(s->send(message(4, 1)));
  loop_->runUntil([] { return false; }, 50ms);
  EXPECT_EQ(closed_calls_, 1);
  EXPECT_EQ(describe(*closed_, "client", 10), "client closed the connection");
}

TEST_F(PacketStreamTest, BadHeaderClosesWithTheFramersError) {
  auto s = make();
  std::vector<uint8_t> junk(40, 0xff);  // length 0xffffffff: over the bound
  peerWrite(junk);
  ASSERT_TRUE(loop_->runUntil([&] { return closed_calls_ > 0; }, 5s));
  EXPECT_EQ(closed_->cause, Cause::BadPacket);
  ASSERT_TRUE(closed_->bad_packet.has_value());
  EXPECT_TRUE(packets_.empty());
  EXPECT_EQ(describe(*closed_, "peer", 10).rfind("malformed packet: ", 0), 0u);
}

TEST_F(PacketStreamTest, FullQueueFailsTheStreamNotTheCaller) {
  PacketStream::Options o;
  o.max_queued = 64 * 1024;
  auto s = make(o);
  // The peer never reads: the socket buffer fills, then the queue.
  bool refused = false;
  for (int i = 0; i < 10000 && !refused; ++i) refused = !s->send(message(5, 4000));
  ASSERT_TRUE(refused);
  EXPECT_EQ(closed_calls_, 0);  // not from inside send()
  ASSERT_TRUE(loop_->runUntil([&] { return closed_calls_ > 0; }, 5s));
  EXPECT_EQ(closed_->cause, Cause::QueueFull);
  EXPECT_EQ(s->queuedBytes(), 0u);
}

TEST_F(PacketStreamTest, CloseByTheOwnerReportsNothing) {
  auto s = make();
  s->close();
  peer_.reset();
  loop_->runUntil([] { return false; }, 100ms);
  EXPECT_EQ(closed_calls_, 0);
  EXPECT_EQ(s->state(), PacketStream::State::Closed);
}

TEST_F(PacketStreamTest, OwnerMayDestroyTheStreamInItsPacketHandler) {
  std::unique_ptr<PacketStream> s;
  int seen = 0;
  PacketStream::Callbacks cb;
  cb.on_packet = [&](std::vector<uint8_t>) {
    ++seen;
    s.reset();
  };
  s = std::make_unique<PacketStream>(*loop_, std::move(ours_), PacketStream::Options{},
                                     std::move(cb));
  auto a = message(6, 1), b = message(7, 1);
  a.insert(a.end(), b.begin(), b.end());
  peerWrite(a);  // two packets in one read: the second must not be delivered
  ASSERT_TRUE(loop_->runUntil([&] { return !s; }, 5s));
  loop_->runUntil([] { return false; }, 50ms);
  EXPECT_EQ(seen, 1);
}

TEST_F(PacketStreamTest, NonBlockingConnectSucceedsOrFails) {
  UniqueFd lst(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(lst.valid());
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lst.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  socklen_t len = sizeof sin;
  ASSERT_EQ(::getsockname(lst.get(), reinterpret_cast<sockaddr*>(&sin), &len), 0);
  ASSERT_EQ(::listen(lst.get(), 4), 0);

  auto connecting = [&](bool& connected, std::optional<PacketStream::Closed>& closed) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    int rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    EXPECT_TRUE(rc == 0 || errno == EINPROGRESS);
    PacketStream::Options o;
    o.connecting = true;
    PacketStream::Callbacks cb;
    cb.on_connected = [&connected] { connected = true; };
    cb.on_closed = [&closed](const PacketStream::Closed& c) { closed = c; };
    return std::make_unique<PacketStream>(*loop_, std::move(fd), o, std::move(cb));
  };
  bool ok = false;
  std::optional<PacketStream::Closed> ok_closed;
  auto s = connecting(ok, ok_closed);
  EXPECT_EQ(s->state(), PacketStream::State::Connecting);
  EXPECT_FALSE(s->send(message(8, 1)));  // not yet
  ASSERT_TRUE(loop_->runUntil([&] { return ok; }, 5s));
  EXPECT_TRUE(s->isOpen());
  EXPECT_FALSE(ok_closed);

  lst.reset();  // nothing listens on that port any more
  bool never = false;
  std::optional<PacketStream::Closed> refused;
  auto f = connecting(never, refused);
  ASSERT_TRUE(loop_->runUntil([&] { return refused.has_value(); }, 5s));
  EXPECT_EQ(refused->cause, Cause::ConnectFailed);
  EXPECT_EQ(refused->err, ECONNREFUSED);
  EXPECT_FALSE(never);
}

}  // namespace
}  // namespace ctdb::stream
