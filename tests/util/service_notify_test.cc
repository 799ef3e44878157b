// service_notify: the messages a Type=notify unit's systemd receives, read
// from a datagram socket standing in for $NOTIFY_SOCKET.
#include "util/service_notify.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace {

class FakeNotifySocket {
 public:
  FakeNotifySocket() {
    char tmpl[] = "/tmp/notify_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/notify";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path_.c_str(), sizeof(sa.sun_path) - 1);
    ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
    timeval tv{5, 0};
    if (ok_) setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~FakeNotifySocket() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  std::string receive() {
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("<nothing>");
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
  bool ok_ = false;
};

class ServiceNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ctdb::service::notifySupported()) GTEST_SKIP() << "built without libsystemd (CTDB_SYSTEMD)";
  }
  void TearDown() override { unsetenv("NOTIFY_SOCKET"); }
};

TEST_F(ServiceNotifyTest, ReadySendsReadyAndStatus) {
  FakeNotifySocket s;
  ASSERT_TRUE(s.ok());
  setenv("NOTIFY_SOCKET", s.path().c_str(), 1);
  ASSERT_TRUE(ctdb::service::notifyReady("node 2 RUNNING"));
  EXPECT_EQ(s.receive(), "READY=1\nSTATUS=node 2 RUNNING");
  // The environment stays for the event scripts' children.
  EXPECT_NE(getenv("NOTIFY_SOCKET"), nullptr);
}

TEST_F(ServiceNotifyTest, StoppingSendsStoppingAndStatus) {
  FakeNotifySocket s;
  ASSERT_TRUE(s.ok());
  setenv("NOTIFY_SOCKET", s.path().c_str(), 1);
  ASSERT_TRUE(ctdb::service::notifyStopping("bye"));
  EXPECT_EQ(s.receive(), "STOPPING=1\nSTATUS=bye");
}

TEST_F(ServiceNotifyTest, WithoutServiceManagerNothingIsSentAndNoError) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(ctdb::service::notifyReady("x"));
  EXPECT_TRUE(ctdb::service::notifyStopping("x"));
}

TEST_F(ServiceNotifyTest, UnreachableSocketIsAnError) {
  setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
  auto st = ctdb::service::notifyReady("x");
  EXPECT_FALSE(st);
}

}  // namespace
