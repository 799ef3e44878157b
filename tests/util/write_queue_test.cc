#include "util/write_queue.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "ctdb/c_handles.h"

namespace ctdb {
namespace {

struct Pair {
  UniqueFd a, b;
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    a.reset(fds[0]);
    b.reset(fds[1]);
    int small = 4096;
    setsockopt(a.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(b.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  }
};

std::vector<uint8_t> pattern(size_t n, uint8_t start) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

std::vector<uint8_t> drain(int fd) {
  std::vector<uint8_t> got;
  uint8_t buf[65536];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) break;
    got.insert(got.end(), buf, buf + n);
  }
  return got;
}

TEST(WriteQueue, SmallPacketsGoOutWholeAndInOrder) {
  Pair p;
  WriteQueue q;
  q.push(pattern(10, 0));
  q.push(pattern(20, 100));
  EXPECT_EQ(q.packetCount(), 2u);
  EXPECT_EQ(q.queuedBytes(), 30u);
  EXPECT_EQ(q.flushTo(p.a.get()), 0);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.queuedBytes(), 0u);
  auto got = drain(p.b.get());
  auto want = pattern(10, 0);
  auto second = pattern(20, 100);
  want.insert(want.end(), second.begin(), second.end());
  EXPECT_EQ(got, want);
}

TEST(WriteQueue, PartialWritesResumeWhereTheyStopped) {
  Pair p;
  WriteQueue q;
  std::vector<uint8_t> want;
  for (int i = 0; i < 8; ++i) {
    auto v = pattern(100000, static_cast<uint8_t>(i * 7));
    want.insert(want.end(), v.begin(), v.end());
    q.push(std::move(v));
  }
  std::vector<uint8_t> got;
  int rounds = 0;
  while (!q.empty() && rounds < 100000) {
    ASSERT_EQ(q.flushTo(p.a.get()), 0);
    auto chunk = drain(p.b.get());
    got.insert(got.end(), chunk.begin(), chunk.end());
    // What is still queued was never received (some may sit in the socket).
    EXPECT_LE(q.queuedBytes(), want.size() - got.size());
    ++rounds;
  }
  auto rest = drain(p.b.get());
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_TRUE(q.empty());
  EXPECT_GT(rounds, 1) << "the socket buffer should have forced partial writes";
  EXPECT_EQ(got, want);
}

TEST(WriteQueue, HardErrorIsReturnedAndNothingIsLost) {
  Pair p;
  WriteQueue q;
  q.push(pattern(64, 1));
  p.b.reset();  // peer gone: EPIPE (no SIGPIPE thanks to MSG_NOSIGNAL)
  int err = q.flushTo(p.a.get());
  EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << err;
  EXPECT_EQ(q.queuedBytes(), 64u);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.queuedBytes(), 0u);
}

TEST(WriteQueue, EmptyPacketsAreIgnored) {
  WriteQueue q;
  q.push({});
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.flushTo(-1), 0);  // nothing to write: the fd is not touched
}

}  // namespace
}  // namespace ctdb
