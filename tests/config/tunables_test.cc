#include "config/tunables.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace ctdb::config {
namespace {

/* "Name = Value" lines of stock 4.17.12 `ctdb listvars` (copied capture). */
std::vector<std::pair<std::string, uint32_t>> referenceListvars() {
  std::ifstream in(std::string(CONFIG_TEST_DATA_DIR) + "/listvars_4.17.txt");
  std::vector<std::pair<std::string, uint32_t>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string name, eq;
    uint32_t value = 0;
    ss >> name >> eq >> value;
    out.emplace_back(name, value);
  }
  return out;
}

std::string parseError(Tunables& t, std::string_view text) {
  auto s = t.parse(text, "ctdb.tunables");
  if (s.ok()) return "<ok>";
  return s.error().context;
}

TEST(Tunables, ListNamesAndDefaultsMatchStock417Listvars) {
  auto ref = referenceListvars();
  ASSERT_EQ(ref.size(), kListedTunables);
  Tunables t;
  auto names = t.listNames();
  ASSERT_EQ(names.size(), kListedTunables);
  for (size_t i = 0; i < ref.size(); ++i) {
    EXPECT_EQ(names[i], ref[i].first) << "position " << i;
    auto v = t.get(ref[i].first);
    ASSERT_TRUE(v.has_value()) << ref[i].first;
    EXPECT_EQ(*v, ref[i].second) << ref[i].first;
  }
}

TEST(Tunables, KnownDefaults) {
  Tunables t;
  EXPECT_EQ(t.takeoverTimeout(), 9u);
  EXPECT_EQ(t.monitorInterval(), 15u);
  EXPECT_EQ(t.eventScriptTimeout(), 30u);
  EXPECT_EQ(t.keepaliveInterval(), 5u);
  EXPECT_EQ(t.keepaliveLimit(), 5u);
  EXPECT_EQ(t.enableBans(), 1u);
  EXPECT_EQ(t.recoveryBanPeriod(), 300u);
  EXPECT_EQ(t.electionTimeout(), 3u);
  EXPECT_EQ(t.recoverInterval(), 1u);
  EXPECT_EQ(t.noIpFailback(), 0u);
  EXPECT_EQ(t.noIpTakeover(), 0u);
  EXPECT_EQ(t.noIpHostOnAllDisabled(), 1u);
  EXPECT_EQ(t.disableIpFailover(), 0u);
  EXPECT_EQ(t.ipAllocAlgorithm(), 2u);
  EXPECT_EQ(t.lcp2PublicIps(), 1u);
  EXPECT_EQ(t.deterministicIps(), 0u);
}

TEST(Tunables, DefinitionsCoverEverySlotOnce) {
  std::set<int> slots;
  size_t listed = 0, obsolete = 0;
  for (const auto& d : Tunables::definitions()) {
    EXPECT_GE(d.slot, 0) << d.name;
    EXPECT_TRUE(slots.insert(d.slot).second) << "slot twice: " << d.slot;
    if (d.slot >= 62) {  // ours: never listed, never obsolete
      EXPECT_FALSE(d.is_listed) << d.name;
      EXPECT_FALSE(d.is_obsolete) << d.name;
      continue;
    }
    listed += d.is_listed;
    obsolete += d.is_obsolete;
  }
  EXPECT_EQ(slots.size(), kTunableListSlots + kOwnTunables);
  EXPECT_EQ(listed, 49u);
  EXPECT_EQ(obsolete, 9u);  // 13 unlisted minus the 4 kept 4.5 IP tunables
}

TEST(Tunables, OwnFenceTunables) {
  Tunables t;
  EXPECT_EQ(t.fenceTimeout(), 15u);
  EXPECT_EQ(t.fenceMargin(), 5u);
  EXPECT_EQ(t.set("fencetimeout", 4), Tunables::SetResult::Ok);
  EXPECT_EQ(t.fenceTimeout(), 4u);
  EXPECT_EQ(t.get("FenceMargin"), std::optional<uint32_t>(5u));
  ASSERT_TRUE(t.parse("FenceMargin=2\n", "ctdb.tunables"));
  EXPECT_EQ(t.fenceMargin(), 2u);
  // Not on the wire and not listed: listvars stays 4.17's.
  EXPECT_EQ(t.toTunableList().size(), kTunableListSlots);
  for (const auto& n : t.listNames()) EXPECT_NE(n, "FenceTimeout");
}

TEST(Tunables, TunableListSlotPositions) {
  Tunables t;
  auto list = t.toTunableList();
  EXPECT_EQ(list[0], 3u);          // max_redirect_count (obsolete)
  EXPECT_EQ(list[1], 1000u);       // seqnum_interval
  EXPECT_EQ(list[9], 9u);          // takeover_timeout
  EXPECT_EQ(list[17], 100001u);    // database_hash_size
  EXPECT_EQ(list[40], 60u);        // vacuum_fast_path_count
  EXPECT_EQ(list[41], 1u);         // lcp2_public_ip_assignment
  EXPECT_EQ(list[44], 300u);       // deferred_rebalance_on_node_add
  EXPECT_EQ(list[53], 10485760u);  // pulldb_preallocation_size
  EXPECT_EQ(list[54], 1u);         // no_ip_host_on_all_disabled
  EXPECT_EQ(list[60], 2u);         // ip_alloc_algorithm
  EXPECT_EQ(list[61], 0u);         // allow_mixed_versions
  ASSERT_EQ(t.set("NoIPTakeover", 1), Tunables::SetResult::Ok);
  EXPECT_EQ(t.toTunableList()[49], 1u);
}

TEST(Tunables, GetAndSetAreCaseInsensitive) {
  Tunables t;
  EXPECT_EQ(t.get("takeovertimeout"), 9u);
  EXPECT_EQ(t.get("TAKEOVERTIMEOUT"), 9u);
  EXPECT_EQ(t.set("noipfailback", 1), Tunables::SetResult::Ok);
  EXPECT_EQ(t.noIpFailback(), 1u);
  EXPECT_EQ(t.get("NoIPFailback"), 1u);
  EXPECT_EQ(t.toTunableList()[23], 1u);
}

TEST(Tunables, UnknownName) {
  Tunables t;
  EXPECT_EQ(t.set("NoSuchTunable", 1), Tunables::SetResult::Unknown);
  EXPECT_FALSE(t.get("NoSuchTunable").has_value());
  EXPECT_FALSE(t.get("TakeoverTimeou").has_value());
  EXPECT_EQ(Tunables::find("TakeoverTimeoutX"), nullptr);
}

TEST(Tunables, ObsoleteSetAnswersObsoleteAndStoresLike417) {
  Tunables t;
  EXPECT_EQ(t.set("VacuumLimit", 7), Tunables::SetResult::Obsolete);
  EXPECT_EQ(t.set("tdbmutexenabled", 0), Tunables::SetResult::Obsolete);
  EXPECT_EQ(t.get("VacuumLimit"), 7u);
  EXPECT_EQ(t.toTunableList()[35], 7u);
  auto names = t.listNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), "VacuumLimit"), 0);
}

TEST(Tunables, Ip45TunablesAreInternalSettableNotListed) {
  Tunables t;
  EXPECT_EQ(t.set("DisableIPFailover", 1), Tunables::SetResult::Ok);
  EXPECT_EQ(t.disableIpFailover(), 1u);
  EXPECT_EQ(t.set("NoIPHostOnAllDisabled", 0), Tunables::SetResult::Ok);
  EXPECT_EQ(t.noIpHostOnAllDisabled(), 0u);
  EXPECT_EQ(t.toTunableList()[24], 1u);
  auto names = t.listNames();
  for (const char* n : {"DisableIPFailover", "NoIPHostOnAllDisabled", "DeterministicIPs", "LCP2PublicIPs"})
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 0) << n;
}

TEST(Tunables, Ip45AlgorithmTunablesMapOntoIpAllocAlgorithm) {
  Tunables t;
  // 4.5: LCP2PublicIPs=1 wins over DeterministicIPs.
  EXPECT_EQ(t.set("DeterministicIPs", 1), Tunables::SetResult::Ok);
  EXPECT_EQ(t.ipAllocAlgorithm(), 2u);
  EXPECT_EQ(t.set("LCP2PublicIPs", 0), Tunables::SetResult::Ok);
  EXPECT_EQ(t.ipAllocAlgorithm(), 0u);  // deterministic
  EXPECT_EQ(t.set("DeterministicIPs", 0), Tunables::SetResult::Ok);
  EXPECT_EQ(t.ipAllocAlgorithm(), 1u);  // non-deterministic
  EXPECT_EQ(t.set("IPAllocAlgorithm", 2), Tunables::SetResult::Ok);
  EXPECT_EQ(t.ipAllocAlgorithm(), 2u);
  EXPECT_EQ(t.lcp2PublicIps(), 0u);  // untouched by a direct set
}

TEST(Tunables, NoRangeValidationLikeCtdb) {
  Tunables t;
  EXPECT_EQ(t.set("IPAllocAlgorithm", 7), Tunables::SetResult::Ok);
  EXPECT_EQ(t.ipAllocAlgorithm(), 7u);
}

TEST(Tunables, ParseFileSetsValues) {
  Tunables t;
  ASSERT_EQ(parseError(t,
                       "# comment\n"
                       "; another comment\n"
                       "\n"
                       "TakeoverTimeout=12\n"
                       "  monitorinterval   =   20  \n"
                       "KeepaliveLimit = 0x10\n"
                       "RecoverInterval=010\n"
                       "DisableIPFailover=1\r\n"),
            "<ok>");
  EXPECT_EQ(t.takeoverTimeout(), 12u);
  EXPECT_EQ(t.monitorInterval(), 20u);
  EXPECT_EQ(t.keepaliveLimit(), 16u);
  EXPECT_EQ(t.recoverInterval(), 8u);
  EXPECT_EQ(t.disableIpFailover(), 1u);
}

TEST(Tunables, ParseUnknownName) {
  Tunables t;
  EXPECT_EQ(parseError(t, "TakeoverTimeout=5\nBogusTunable=1\n"),
            "ctdb.tunables:2: unknown tunable 'BogusTunable'");
  EXPECT_EQ(t.takeoverTimeout(), 9u) << "nothing applied on error";
}

TEST(Tunables, ParseObsoleteNameIsErrorLike417) {
  Tunables t;
  EXPECT_EQ(parseError(t, "VacuumLimit=3\n"), "ctdb.tunables:1: obsolete tunable 'VacuumLimit'");
}

TEST(Tunables, ParseBadNumber) {
  Tunables t;
  EXPECT_EQ(parseError(t, "\nMonitorInterval=abc\n"),
            "ctdb.tunables:2: invalid value 'abc' for tunable 'MonitorInterval'");
  EXPECT_EQ(parseError(t, "MonitorInterval=-1\n"),
            "ctdb.tunables:1: invalid value '-1' for tunable 'MonitorInterval'");
  EXPECT_EQ(parseError(t, "MonitorInterval=4294967296\n"),
            "ctdb.tunables:1: invalid value '4294967296' for tunable 'MonitorInterval'");
  EXPECT_EQ(parseError(t, "MonitorInterval=12 # note\n"),
            "ctdb.tunables:1: invalid value '12 # note' for tunable 'MonitorInterval'");
  EXPECT_EQ(parseError(t, "MonitorInterval=09\n"),
            "ctdb.tunables:1: invalid value '09' for tunable 'MonitorInterval'");
  EXPECT_EQ(parseError(t, "MonitorInterval=4294967295\n"), "<ok>");
  EXPECT_EQ(t.monitorInterval(), 4294967295u);
}

TEST(Tunables, ParseMissingValue) {
  Tunables t;
  EXPECT_EQ(parseError(t, "MonitorInterval=\n"),
            "ctdb.tunables:1: missing value for tunable 'MonitorInterval'");
}

TEST(Tunables, ParseMissingEquals) {
  Tunables t;
  EXPECT_EQ(parseError(t, "MonitorInterval 20\n"),
            "ctdb.tunables:1: missing '=' in 'MonitorInterval 20' (expected Name=Value)");
}

TEST(Tunables, ParseMissingName) {
  Tunables t;
  EXPECT_EQ(parseError(t, " = 20\n"), "ctdb.tunables:1: missing tunable name in '= 20'");
}

TEST(Tunables, ParseSectionRejected) {
  Tunables t;
  EXPECT_EQ(parseError(t, "[legacy]\n"), "ctdb.tunables:1: sections are not supported: '[legacy]'");
}

TEST(Tunables, LoadFileAcceptsDisableIpFailover) {
  std::string path = ::testing::TempDir() + "ctdb_config_tunables_test";
  {
    std::ofstream out(path);
    out << "DisableIPFailover=1\nNoIPHostOnAllDisabled = 0\n";
  }
  Tunables t;
  auto s = t.loadFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(t.disableIpFailover(), 1u);
  EXPECT_EQ(t.noIpHostOnAllDisabled(), 0u);
}

TEST(Tunables, LoadFileErrorsNamePath) {
  std::string path = ::testing::TempDir() + "ctdb_config_tunables_bad";
  {
    std::ofstream out(path);
    out << "TakeoverTimeout=5\nNope=1\n";
  }
  Tunables t;
  auto s = t.loadFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().context, path + ":2: unknown tunable 'Nope'");
}

TEST(Tunables, LoadMissingFileIsError) {
  Tunables t;
  auto s = t.loadFile("/nonexistent/ctdb-config-test/ctdb.tunables");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().errnoValue(), ENOENT);
}

TEST(Tunables, SetResultToString) {
  EXPECT_STREQ(toString(Tunables::SetResult::Obsolete), "Obsolete");
  EXPECT_STREQ(toString(Tunables::SetResult::Unknown), "Unknown");
}

}  // namespace
}  // namespace ctdb::config
