/*
 * MessageRouter on its own: local delivery (internal handlers in order, then
 * registered clients, kSrvidAll), forwarding to the Transport seam for every
 * destination kind, and handlers that change the registry while running.
 */
#include "server/core/message_router.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "protocol/constants.h"
#include "protocol/packet.h"
#include "test_nodes.h"

namespace ctdb::server {
namespace {

using test::nodeList;
using test::RecordingTransport;

namespace NF = protocol::NodeFlags;



class MessageRouterTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kSrvid = 0xAB00000000000001ULL;
  MessageRouterTest()
      : nodes_(nodeList(4), 1, 0),
        router_(nodes_, srvids_,
                [this](ClientId c, std::vector<uint8_t> pkt) {
                  if (c == gone_) return false;
                  to_client_[c].push_back(std::move(pkt));
                  return true;
                },
                transport_) {}

  NodeState nodes_;
  SrvidRegistry srvids_;
  RecordingTransport transport_;
  std::map<ClientId, std::vector<std::vector<uint8_t>>> to_client_;
  ClientId gone_ = 0;
  MessageRouter router_;
};

TEST_F(MessageRouterTest, LocalMessageReachesHandlersInOrderThenClients) {
  std::vector<std::string> order;
  router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t> d) {
    order.push_back("h1:" + std::string(d.begin(), d.end()));
  });
  router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t>) {
    order.push_back("h2");
  });
  srvids_.registerSrvid(7, kSrvid);
  srvids_.registerSrvid(8, protocol::kSrvidAll);
  srvids_.registerSrvid(9, kSrvid + 1);  // another srvid: not told
  router_.send(protocol::kCurrentNode, kSrvid, {'h', 'i'});
  EXPECT_EQ(order, (std::vector<std::string>{"h1:hi", "h2"}));
  ASSERT_EQ(to_client_[7].size(), 1u);
  ASSERT_EQ(to_client_[8].size(), 1u);
  EXPECT_EQ(to_client_.count(9), 0u);
  auto m = protocol::decodeReqMessage(to_client_[7][0]);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->srvid, kSrvid);
  EXPECT_EQ(m->hdr.reqid, 0u);
  EXPECT_EQ(m->hdr.srcnode, 1u);
  EXPECT_EQ(m->hdr.destnode, 1u);
  EXPECT_EQ(m->data, (std::vector<uint8_t>{'h', 'i'}));
  EXPECT_TRUE(transport_.sent.empty());  // nothing leaves the node
}

TEST_F(MessageRouterTest, OwnPnnIsLocalAndAnotherPnnGoesToTheTransportOnly) {
  int handled = 0;
  router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t>) { ++handled; });
  router_.send(1, kSrvid, {});
  EXPECT_EQ(handled, 1);
  EXPECT_TRUE(transport_.sent.empty());
  router_.send(3, kSrvid, {5});
  EXPECT_EQ(handled, 1);
  ASSERT_EQ(transport_.pnns(), (std::vector<uint32_t>{3}));
  EXPECT_EQ(transport_.sent[0].second.hdr.destnode, 3u);
  EXPECT_EQ(transport_.sent[0].second.hdr.srcnode, 1u);
  EXPECT_EQ(transport_.sent[0].second.data, (std::vector<uint8_t>{5}));
}

TEST_F(MessageRouterTest, UnknownPnnIsDroppedEverywhere) {
  int handled = 0;
  router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t>) { ++handled; });
  router_.send(17, kSrvid, {});
  EXPECT_EQ(handled, 0);
  EXPECT_TRUE(transport_.sent.empty());
}

TEST_F(MessageRouterTest, BroadcastsSkipSelfDeletedAndTheFlagsOfTheirKind) {
  // Peers start DISCONNECTED|UNHEALTHY: node 0 stays so, node 2 is
  // connected but banned (inactive), node 3 is deleted.
  nodes_.modifyFlags(2, NF::kBanned, NF::kDisconnected);
  nodes_.modifyFlags(3, NF::kDeleted, NF::kDisconnected);
  int handled = 0;
  router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t>) { ++handled; });

  router_.send(protocol::kBroadcastAll, kSrvid, {});
  EXPECT_EQ(transport_.pnns(), (std::vector<uint32_t>{0, 2}));
  transport_.sent.clear();
  router_.send(protocol::kBroadcastConnected, kSrvid, {});
  EXPECT_EQ(transport_.pnns(), (std::vector<uint32_t>{2}));
  transport_.sent.clear();
  router_.send(protocol::kBroadcastActive, kSrvid, {});
  EXPECT_TRUE(transport_.sent.empty());  // 0 disconnected, 2 banned
  EXPECT_EQ(handled, 3);  // every broadcast is also delivered here
}

TEST_F(MessageRouterTest, HandlerMayUnregisterItselfAndRegisterAnother) {
  int first = 0, second = 0;
  MessageRouter::HandlerToken t = 0;
  t = router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t>) {
    ++first;
    router_.unregisterInternalHandler(t);
    router_.registerInternalHandler(kSrvid, [&](uint64_t, std::span<const uint8_t>) { ++second; });
  });
  router_.deliverLocal(kSrvid, {});
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);  // the list was snapshotted
  router_.deliverLocal(kSrvid, {});
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  router_.unregisterInternalHandler(12345);  // unknown token: no-op
}

TEST_F(MessageRouterTest, PushToClientReportsAClientThatIsGone) {
  gone_ = 4;
  EXPECT_TRUE(router_.pushToClient(3, kSrvid, {}));
  EXPECT_FALSE(router_.pushToClient(4, kSrvid, {}));
  ASSERT_EQ(to_client_[3].size(), 1u);
}

TEST(LocalOnlyTransport, CountsWhatItDrops) {
  LocalOnlyTransport t;
  t.sendToNode(2, protocol::ReqMessage{});
  t.sendToNode(3, protocol::ReqMessage{});
  EXPECT_EQ(t.droppedCount(), 2u);
}

}  // namespace
}  // namespace ctdb::server
