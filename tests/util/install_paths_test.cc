// The default CTDB_BASE: GNUInstallDirs' sysconfdir of the prefix the
// program runs from (util/install_paths.h).
#include "util/install_paths.h"

#include <gtest/gtest.h>

namespace ctdb {
namespace {

TEST(InstallPaths, SysconfdirFollowsGnuInstallDirs) {
  EXPECT_EQ(sysconfdirFor("/usr", "etc"), "/etc");
  EXPECT_EQ(sysconfdirFor("/", "etc"), "/etc");
  EXPECT_EQ(sysconfdirFor("/usr/local", "etc"), "/usr/local/etc");
  EXPECT_EQ(sysconfdirFor("/opt/ctdb", "etc"), "/etc/opt/ctdb");
  EXPECT_EQ(sysconfdirFor("/tmp/P/", "etc"), "/tmp/P/etc");
  EXPECT_EQ(sysconfdirFor("/usr", "/etc"), "/etc");          // debhelper's -D...=/etc
  EXPECT_EQ(sysconfdirFor("/tmp/P", "/srv/conf"), "/srv/conf");
}

TEST(InstallPaths, InstalledProgramUsesItsOwnPrefix) {
  InstallLayout l{"/usr/local", "etc", "/work/build/bin"};
  EXPECT_EQ(defaultCtdbBase("/tmp/P/sbin/ctdbd", l), "/tmp/P/etc/ctdb");  // cmake --install --prefix P
  EXPECT_EQ(defaultCtdbBase("/usr/sbin/ctdbd", l), "/etc/ctdb");           // a package
  EXPECT_EQ(defaultCtdbBase("/usr/bin/ctdb", l), "/etc/ctdb");
  EXPECT_EQ(defaultCtdbBase("/work/build/bin/ctdbd", l), "/usr/local/etc/ctdb");  // build tree
  EXPECT_EQ(defaultCtdbBase("", l), "/usr/local/etc/ctdb");
  EXPECT_EQ(defaultCtdbBase("/somewhere/odd/ctdbd", l), "/usr/local/etc/ctdb");
}

}  // namespace
}  // namespace ctdb
