#include "netns_fixture.h"

#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "ctdb/c_handles.h"
#include "net/address_ops.h"

namespace ctdb::net::test {

namespace {
constexpr unsigned kChildTimeoutSeconds = 60;
constexpr int kExitNoNamespace = 77;
}  // namespace

void createVethPair(const std::string& name, const std::string& peer) {
  NlSockPtr sock(nl_socket_alloc());
  ASSERT_TRUE(sock);
  ASSERT_EQ(nl_connect(sock.get(), NETLINK_ROUTE), 0);
  int rc = rtnl_link_veth_add(sock.get(), name.c_str(), peer.c_str(), getpid());
  ASSERT_EQ(rc, 0) << "veth " << name << ": " << nl_geterror(rc);
  auto ops = AddressOps::create();
  ASSERT_TRUE(ops.ok());
  for (const auto& n : {name, peer}) {
    auto st = (*ops)->setLinkAdminState(n, LinkAdminState::Up);
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
}

void deleteLink(const std::string& name) {
  NlSockPtr sock(nl_socket_alloc());
  ASSERT_TRUE(sock);
  ASSERT_EQ(nl_connect(sock.get(), NETLINK_ROUTE), 0);
  RtnlLinkPtr link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  int rc = rtnl_link_delete(sock.get(), link.get());
  ASSERT_EQ(rc, 0) << "delete " << name << ": " << nl_geterror(rc);
}

void runInNetns(const std::function<void()>& body) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace";
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  ASSERT_GE(pid, 0) << strerror(errno);
  if (pid == 0) {
    alarm(kChildTimeoutSeconds);
    if (unshare(CLONE_NEWNET) != 0) {
      fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
      _exit(kExitNoNamespace);
    }
    auto ops = AddressOps::create();
    if (ops.ok()) EXPECT_TRUE((*ops)->setLinkAdminState("lo", LinkAdminState::Up).ok());
    else ADD_FAILURE() << ops.error().message();
    createVethPair(kIface, kPeer);
    if (!::testing::Test::HasFailure()) body();
    fflush(stdout);
    fflush(stderr);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  ASSERT_EQ(r, pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoNamespace) {
    GTEST_SKIP() << "network namespaces unavailable (unshare failed)";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status)
                                 << (WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
  EXPECT_EQ(WEXITSTATUS(status), 0) << "assertions failed inside the namespace (see above)";
}

bool waitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  int rc;
  do {
    rc = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & POLLIN);
}

bool processUntil(LinkWatcher& w, const std::function<bool()>& pred,
                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return pred();
    if (waitReadable(w.fd(), left)) {
      auto st = w.process();
      if (!st.ok()) {
        ADD_FAILURE() << st.error().message();
        return false;
      }
    }
  }
  return true;
}

}  // namespace ctdb::net::test
