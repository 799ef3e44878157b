// haveLocalAddress (src/util/local_address): the have-ip test of the tool
// and of the address tests. The kernel-side cases (an address just added
// or deleted, IPv6 before and after DAD) are in tests/net/address_ops_test.
#include "util/local_address.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace ctdb {
namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(LocalAddress, LoopbackIsLocal) {
  auto r = haveLocalAddress(ip("127.0.0.1"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(*r);
}

/* Brings lo up in the calling process's network namespace. */
bool loopbackUp() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags |= IFF_UP;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

/* In a network namespace of its own (made by the test: unshare as root, or
 * a user namespace otherwise) with lo up, no 198.18/15 address is
 * configured: "not local" is false, not an error. (With lo still down the
 * kernel has no local routes at all and lets any address be bound, so that
 * state says nothing.) */
TEST(LocalAddress, AddressNotOnAnyInterfaceIsNotLocal) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) _exit(77);
    if (!loopbackUp()) _exit(3);
    auto lo = haveLocalAddress(ip("127.0.0.1"));
    if (!lo.ok() || !*lo) _exit(4);
    auto r = haveLocalAddress(ip("198.18.0.1"));
    if (!r.ok()) _exit(2);
    _exit(*r ? 1 : 0);
  }
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  if (WEXITSTATUS(st) == 77) GTEST_SKIP() << "cannot make a network namespace (not root, no user namespaces)";
  EXPECT_EQ(WEXITSTATUS(st), 0) << "1: reported local, 2: reported an error, 3: lo not up, "
                                    "4: 127.0.0.1 not local with lo up";
}

}  // namespace
}  // namespace ctdb
