#include "config/nodes_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config_scale_cases.h"

namespace ctdb::config {
namespace {

std::string errorOf(std::string_view text) {
  auto r = parseNodes(text, "nodes");
  if (r.ok()) return "<ok>";
  return r.error().context;
}

TEST(NodesFile, ParsesIpv4AndIpv6WithPnnInOrder) {
  auto r = parseNodes("198.18.0.1\n198.18.0.2\nfd00::3\n", "nodes");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].pnn, 0u);
  EXPECT_EQ((*r)[0].address->toString(), "198.18.0.1");
  EXPECT_EQ((*r)[1].pnn, 1u);
  EXPECT_EQ((*r)[2].pnn, 2u);
  EXPECT_EQ((*r)[2].address->toString(), "fd00::3");
  EXPECT_FALSE((*r)[2].address->isV4());
  EXPECT_EQ((*r)[2].line, 3);
}

TEST(NodesFile, BracketedIpv6AndIpv4MappedLike417) {
  auto r = parseNodes("[fd00::1]\n::ffff:198.18.0.2\n", "nodes");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].address->toString(), "fd00::1");
  EXPECT_TRUE((*r)[1].address->isV4());
  EXPECT_EQ((*r)[1].address->toString(), "198.18.0.2");
  EXPECT_EQ(errorOf("[198.18.0.1]\n"), "nodes:1: invalid node address '[198.18.0.1]'");
}

TEST(NodesFile, CommentedLineIsDeletedNodeKeepingItsPnn) {
  auto r = parseNodes("198.18.0.1\n#198.18.0.2\n  # gone too\n198.18.0.4\n", "nodes");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_TRUE((*r)[1].is_deleted);
  EXPECT_FALSE((*r)[1].address.has_value());
  EXPECT_EQ((*r)[1].pnn, 1u);
  EXPECT_TRUE((*r)[2].is_deleted);
  EXPECT_EQ((*r)[2].line, 3);
  EXPECT_FALSE((*r)[3].is_deleted);
  EXPECT_EQ((*r)[3].pnn, 3u);
  EXPECT_EQ((*r)[3].address->toString(), "198.18.0.4");
}

TEST(NodesFile, BlankLinesTakeNoPnnAndSpacesAreTrimmed) {
  auto r = parseNodes("\n  198.18.0.1\t \n\n\t\n198.18.0.2\r\n\n", "nodes");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].line, 2);
  EXPECT_EQ((*r)[1].pnn, 1u);
  EXPECT_EQ((*r)[1].line, 5);
  EXPECT_EQ((*r)[1].address->toString(), "198.18.0.2");
}

TEST(NodesFile, BadAddressNamesFileAndLine) {
  EXPECT_EQ(errorOf("198.18.0.1\n198.18.0.300\n"), "nodes:2: invalid node address '198.18.0.300'");
}

TEST(NodesFile, TrailingTextIsAnError) {
  EXPECT_EQ(errorOf("198.18.0.1 extra\n"),
            "nodes:1: unexpected text 'extra' after node address '198.18.0.1'");
}

TEST(NodesFile, DuplicateAddressNamesBothLines) {
  EXPECT_EQ(errorOf("198.18.0.1\n198.18.0.2\n\n198.18.0.1\n"),
            "nodes:4: duplicate node address 198.18.0.1 (already at line 1)");
}

TEST(NodesFile, DuplicateIpv6InDifferentSpellings) {
  EXPECT_EQ(errorOf("fd00::1\nfd00:0:0::1\n"), "nodes:2: duplicate node address fd00::1 (already at line 1)");
}

TEST(NodesFile, EmptyFileHasNoNodes) {
  EXPECT_EQ(errorOf(""), "nodes: no nodes defined");
  EXPECT_EQ(errorOf("\n  \n"), "nodes: no nodes defined");
}

TEST(NodesFile, AllDeletedHasNoNodes) {
  EXPECT_EQ(errorOf("#198.18.0.1\n#198.18.0.2\n"), "nodes: no nodes defined (all 2 are deleted)");
}

TEST(NodesFile, LoadMissingFileNamesPathAndErrno) {
  auto r = loadNodesFile("/nonexistent/ctdb-config-test/nodes");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnoValue(), ENOENT);
  EXPECT_NE(r.error().message().find("/nonexistent/ctdb-config-test/nodes"), std::string::npos);
}

TEST(NodesFile, LoadFileUsesPathInErrors) {
  std::string path = ::testing::TempDir() + "ctdb_config_nodes_test";
  {
    std::ofstream out(path);
    out << "198.18.0.1\nbogus\n";
  }
  auto r = loadNodesFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().context, path + ":2: invalid node address 'bogus'");
}

/* How long this takes: bench/scale_bench (doc/performance.md). */
TEST(NodesFile, Parses4096Nodes) {
  auto r = parseNodes(cases::manyNodes(4096), "nodes");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->size(), 4096u);
  EXPECT_EQ(r->back().pnn, 4095u);
}

}  // namespace
}  // namespace ctdb::config
