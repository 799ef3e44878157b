#include "net/netlink_error.h"

#include <gtest/gtest.h>
#include <netlink/errno.h>

#include <cerrno>
#include <system_error>

namespace ctdb::net::detail {
namespace {

TEST(NetlinkError, ExistMapsToEexist) { EXPECT_EQ(nlErrorToErrno(-NLE_EXIST), EEXIST); }
TEST(NetlinkError, NoAddrMapsToEaddrnotavail) { EXPECT_EQ(nlErrorToErrno(-NLE_NOADDR), EADDRNOTAVAIL); }
TEST(NetlinkError, NoDevMapsToEnodev) { EXPECT_EQ(nlErrorToErrno(-NLE_NODEV), ENODEV); }
TEST(NetlinkError, PermAndAccess) {
  EXPECT_EQ(nlErrorToErrno(-NLE_PERM), EPERM);
  EXPECT_EQ(nlErrorToErrno(-NLE_NOACCESS), EACCES);
}
TEST(NetlinkError, OverflowNomemMapsToEnobufs) { EXPECT_EQ(nlErrorToErrno(-NLE_NOMEM), ENOBUFS); }
TEST(NetlinkError, SignIgnored) { EXPECT_EQ(nlErrorToErrno(NLE_NODEV), nlErrorToErrno(-NLE_NODEV)); }
TEST(NetlinkError, UnknownCodeIsEio) { EXPECT_EQ(nlErrorToErrno(-9999), EIO); }

TEST(NetlinkError, EveryKnownCodeMapsToSomeErrno) {
  for (int code = 1; code <= NLE_MAX; ++code) {
    EXPECT_NE(nlErrorToErrno(-code), 0) << "NLE code " << code;
  }
}

TEST(NetlinkError, ErrorIsSystemCategoryWithContextAndLibnlText) {
  Error e = nlError(-NLE_NODEV, "add 198.18.0.1/24 on 'eth9'");
  EXPECT_EQ(e.code.category(), std::system_category());
  EXPECT_EQ(e.code.value(), ENODEV);
  EXPECT_NE(e.message().find("eth9"), std::string::npos);
  EXPECT_NE(e.context.find("libnl:"), std::string::npos);
}

TEST(NetlinkError, SuccessCodeStillYieldsAnError) {
  Error e = nlError(0, "odd");
  EXPECT_EQ(e.code.value(), EIO);
}

}  // namespace
}  // namespace ctdb::net::detail
