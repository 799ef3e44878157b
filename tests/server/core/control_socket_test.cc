#include "server/core/control_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>

#include "raw_client.h"

namespace ctdb::server {
namespace {

using testing::ScratchDir;

TEST(ControlSocket, CreatesDirectoryAndSocketMode0700) {
  ScratchDir dir;
  std::string path = dir.file("run/ctdbd.socket");
  auto fd = openControlSocket(path);
  ASSERT_TRUE(fd.ok()) << fd.error().message();
  struct stat st;
  ASSERT_EQ(stat(dir.file("run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(ControlSocket, LiveSocketIsRefused) {
  ScratchDir dir;
  std::string path = dir.file("s");
  auto first = openControlSocket(path);
  ASSERT_TRUE(first.ok());
  auto second = openControlSocket(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().errnoValue(), EADDRINUSE);
  EXPECT_EQ(second.error().context, "another ctdbd is running on " + path);
}

TEST(ControlSocket, StaleSocketIsReplaced) {
  ScratchDir dir;
  std::string path = dir.file("s");
  {
    auto first = openControlSocket(path);
    ASSERT_TRUE(first.ok());
  }  // closed, the path stays: stale
  ASSERT_EQ(access(path.c_str(), F_OK), 0);
  auto again = openControlSocket(path);
  ASSERT_TRUE(again.ok()) << again.error().message();
  testing::RawClient c(path);
  EXPECT_TRUE(c.valid());
}

TEST(ControlSocket, RegularFileInTheWayIsAnError) {
  ScratchDir dir;
  std::string path = dir.file("s");
  std::ofstream(path) << "x";
  auto fd = openControlSocket(path);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().errnoValue(), EEXIST);
}

TEST(ControlSocket, TooLongPath) {
  auto fd = openControlSocket("/tmp/" + std::string(200, 'a'));
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.error().errnoValue(), ENAMETOOLONG);
}

TEST(PidFile, WrittenLockedAndRemoved) {
  ScratchDir dir;
  std::string path = dir.file("ctdbd.pid");
  {
    auto pf = PidFile::create(path);
    ASSERT_TRUE(pf.ok()) << pf.error().message();
    ASSERT_TRUE((*pf)->writePid().ok());
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    EXPECT_EQ(pid, getpid());
    auto second = PidFile::create(path);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().errnoValue(), EAGAIN);
    EXPECT_EQ(second.error().context,
              "pidfile " + path + " is held by pid " + std::to_string(getpid()));
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

TEST(PidFile, UnwritableDirectory) {
  auto pf = PidFile::create("/nonexistent-dir-for-test/ctdbd.pid");
  ASSERT_FALSE(pf.ok());
  EXPECT_EQ(pf.error().errnoValue(), ENOENT);
}

std::vector<config::NodeEntry> threeNodes() {
  std::vector<config::NodeEntry> n(3);
  for (uint32_t i = 0; i < 3; ++i) {
    n[i].pnn = i;
    n[i].line = static_cast<int>(i) + 1;
  }
  n[0].address = *IpAddress::parse("198.18.0.1");
  n[1].is_deleted = true;
  n[2].address = *IpAddress::parse("198.18.0.3");
  return n;
}

TEST(ChoosePnn, ListenSelectsMatchingLine) {
  auto p = choosePnn(threeNodes(), *IpAddress::parse("198.18.0.3"), {}, "nodes");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 2u);
}

TEST(ChoosePnn, ListenNotInNodesFile) {
  auto p = choosePnn(threeNodes(), *IpAddress::parse("198.18.0.9"), {}, "nodes");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().context, "--listen address 198.18.0.9 is not a node in nodes");
}

TEST(ChoosePnn, FirstLocalAddressWins) {
  std::vector<IpAddress> local{*IpAddress::parse("127.0.0.1"), *IpAddress::parse("198.18.0.3"),
                               *IpAddress::parse("198.18.0.1")};
  auto p = choosePnn(threeNodes(), std::nullopt, local, "nodes");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 0u);
}

TEST(ChoosePnn, NoLocalAddress) {
  auto p = choosePnn(threeNodes(), std::nullopt, {*IpAddress::parse("127.0.0.1")}, "nodes");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().errnoValue(), EADDRNOTAVAIL);
}

TEST(LocalAddresses, IncludesLoopback) {
  auto l = localAddresses();
  ASSERT_TRUE(l.ok());
  bool found = false;
  for (const auto& a : *l) found |= a == *IpAddress::parse("127.0.0.1");
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace ctdb::server
