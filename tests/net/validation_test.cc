// Argument validation that rejects bad input before any kernel call.
#include <gtest/gtest.h>

#include <cerrno>

#include "net/address_ops.h"
#include "net/garp.h"
#include "net/sysctl.h"
#include "net/types.h"

namespace ctdb::net {
namespace {

TEST(IfaceName, AcceptsOrdinaryNames) {
  EXPECT_TRUE(validateIfaceName("eth0").ok());
  EXPECT_TRUE(validateIfaceName("bond0.100").ok());
  EXPECT_TRUE(validateIfaceName("abcdefghijklmno").ok());  // 15 bytes
}

TEST(IfaceName, RejectsEmpty) { EXPECT_FALSE(validateIfaceName("").ok()); }
TEST(IfaceName, RejectsTooLong) {
  auto st = validateIfaceName("abcdefghijklmnop");  // 16 bytes
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("abcdefghijklmnop"), std::string::npos);
}
TEST(IfaceName, RejectsSlashDotsColonSpace) {
  EXPECT_FALSE(validateIfaceName("a/b").ok());
  EXPECT_FALSE(validateIfaceName("..").ok());
  EXPECT_FALSE(validateIfaceName(".").ok());
  EXPECT_FALSE(validateIfaceName("eth0:1").ok());
  EXPECT_FALSE(validateIfaceName("eth 0").ok());
}

TEST(AddressChangeText, RoundTrips) {
  for (auto c : {AddressChange::Added, AddressChange::Updated, AddressChange::Removed}) {
    auto back = addressChangeFromString(toString(c));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, c);
  }
  EXPECT_FALSE(addressChangeFromString("bogus").ok());
}

TEST(SysctlPath, BuildsPerInterfacePath) {
  auto p = detail::ipv4ConfPath("eth0", "promote_secondaries");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "/proc/sys/net/ipv4/conf/eth0/promote_secondaries");
}

TEST(SysctlPath, RejectsTraversal) {
  EXPECT_FALSE(detail::ipv4ConfPath("../../kernel", "x").ok());
  EXPECT_FALSE(setPromoteSecondaries("..", Setting::On).ok());
}

TEST(LinkInfo, UsableNeedsAdminUpAndCarrier) {
  LinkInfo l{.name = "x", .index = 1, .is_admin_up = true, .is_running = true, .has_carrier = false};
  EXPECT_FALSE(l.isUsable());
  l.has_carrier = true;
  EXPECT_TRUE(l.isUsable());
  l.is_admin_up = false;
  EXPECT_FALSE(l.isUsable());
}

// AddressOps only opens a netlink socket here; every request below is
// rejected before anything is sent to the kernel.
class AddressOpsValidation : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ops = AddressOps::create();
    ASSERT_TRUE(ops.ok()) << ops.error().message();
    ops_ = std::move(*ops);
  }
  std::unique_ptr<AddressOps> ops_;
};

TEST_F(AddressOpsValidation, PrefixTooLongIsEinval) {
  IpPrefix p{*IpAddress::parse("198.18.0.1"), 33};
  auto st = ops_->addAddress("lo", p);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnoValue(), EINVAL);
  EXPECT_NE(st.error().message().find("198.18.0.1"), std::string::npos);
}

TEST_F(AddressOpsValidation, BadFamilyIsEinval) {
  IpPrefix p;
  p.addr.family = AF_UNIX;
  p.prefix = 8;
  auto st = ops_->deleteAddress("lo", p);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnoValue(), EINVAL);
}

TEST_F(AddressOpsValidation, InvalidIfaceNameIsEnodevNamingIt) {
  auto st = ops_->addAddress("bad/name", *IpPrefix::parse("198.18.0.1/24"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnoValue(), ENODEV);
  EXPECT_NE(st.error().message().find("bad/name"), std::string::npos);
}

TEST_F(AddressOpsValidation, GetLinkInvalidNameIsError) {
  auto r = ops_->getLink("");
  EXPECT_FALSE(r.ok());
}

TEST(GarpValidation, InvalidIfaceNameIsEnodev) {
  auto st = sendGratuitousArp("way-too-long-interface-name", *IpAddress::parse("198.18.0.1"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnoValue(), ENODEV);
}

}  // namespace
}  // namespace ctdb::net
