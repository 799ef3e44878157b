#include "server/core/control_dispatcher.h"

#include <gtest/gtest.h>

#include <optional>

namespace ctdb::server {
namespace {

using protocol::Opcode;

struct Captured {
  int count = 0;
  std::optional<ControlReply> last;
};

ReplySink capturingSink(Captured& c, uint32_t opcode = 0) {
  return ReplySink(opcode, [&c](ControlReply r) {
    ++c.count;
    c.last = std::move(r);
  });
}

ControlRequest request(Opcode op) {
  ControlRequest r;
  r.client_id = 1;
  r.opcode = static_cast<uint32_t>(op);
  return r;
}

TEST(ControlDispatcher, UnknownOpcodeAnswersMinusOneWithoutData) {
  ControlDispatcher d;
  Captured c;
  ControlRequest req;
  req.opcode = 9999;
  d.dispatch(req, capturingSink(c));
  ASSERT_EQ(c.count, 1);
  EXPECT_EQ(c.last->status, -1);
  EXPECT_TRUE(c.last->data.empty());
  EXPECT_FALSE(c.last->errmsg.has_value());
}

TEST(ControlDispatcher, RegisteredButOtherOpcodeStillUnknown) {
  ControlDispatcher d;
  ASSERT_TRUE(d.registerHandler(Opcode::GetPnn, [](const ControlRequest&, ReplySink s) {
                 s.status(7);
               }).ok());
  Captured c;
  d.dispatch(request(Opcode::Statistics), capturingSink(c));
  EXPECT_EQ(c.last->status, -1);
  Captured c2;
  d.dispatch(request(Opcode::GetPnn), capturingSink(c2));
  EXPECT_EQ(c2.last->status, 7);
}

TEST(ControlDispatcher, DuplicateRegistrationIsEexist) {
  ControlDispatcher d;
  auto h = [](const ControlRequest&, ReplySink s) { s.ok(); };
  ASSERT_TRUE(d.registerHandler(Opcode::Ping, h).ok());
  auto st = d.registerHandler(Opcode::Ping, h);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnoValue(), EEXIST);
}

TEST(ControlDispatcher, ReplaceHandlerTakesOver) {
  ControlDispatcher d;
  ASSERT_TRUE(d.registerHandler(Opcode::Ping, [](const ControlRequest&, ReplySink s) {
                 s.status(1);
               }).ok());
  d.replaceHandler(Opcode::Ping, [](const ControlRequest&, ReplySink s) { s.status(2); });
  Captured c;
  d.dispatch(request(Opcode::Ping), capturingSink(c));
  EXPECT_EQ(c.last->status, 2);
}

TEST(ControlDispatcher, HandlerMayReplaceItselfWhileRunning) {
  ControlDispatcher d;
  ASSERT_TRUE(d.registerHandler(Opcode::Ping, [&d](const ControlRequest&, ReplySink s) {
                 d.replaceHandler(Opcode::Ping,
                                  [](const ControlRequest&, ReplySink s2) { s2.status(5); });
                 s.status(4);
               }).ok());
  Captured a, b;
  d.dispatch(request(Opcode::Ping), capturingSink(a));
  d.dispatch(request(Opcode::Ping), capturingSink(b));
  EXPECT_EQ(a.last->status, 4);
  EXPECT_EQ(b.last->status, 5);
}

TEST(ControlDispatcher, AsyncReplyDeliveredLater) {
  ControlDispatcher d;
  std::optional<ReplySink> kept;
  ASSERT_TRUE(d.registerHandler(Opcode::Ping, [&kept](const ControlRequest&, ReplySink s) {
                 kept.emplace(std::move(s));
               }).ok());
  Captured c;
  d.dispatch(request(Opcode::Ping), capturingSink(c));
  EXPECT_EQ(c.count, 0);
  kept->ok({1, 2, 3});
  ASSERT_EQ(c.count, 1);
  EXPECT_EQ(c.last->data, (std::vector<uint8_t>{1, 2, 3}));
}

TEST(ControlDispatcher, DroppedSinkAnswersMinusOne) {
  Captured c;
  { ReplySink s = capturingSink(c, 35); }
  ASSERT_EQ(c.count, 1);
  EXPECT_EQ(c.last->status, -1);
}

TEST(ControlDispatcher, SecondReplyIgnored) {
  Captured c;
  ReplySink s = capturingSink(c);
  s.status(0);
  s.status(9);
  EXPECT_EQ(c.count, 1);
  EXPECT_EQ(c.last->status, 0);
  EXPECT_TRUE(s.isDone());
}

TEST(ControlDispatcher, MovedFromSinkDoesNotReply) {
  Captured c;
  ReplySink a = capturingSink(c);
  ReplySink b = std::move(a);
  a.status(3);  // moved-from: no effect
  EXPECT_EQ(c.count, 0);
  b.fail(-22, "bad");
  ASSERT_EQ(c.count, 1);
  EXPECT_EQ(c.last->status, -22);
  EXPECT_EQ(*c.last->errmsg, "bad");
}

TEST(ControlDispatcher, NoReplySinkDiscards) {
  ReplySink s;
  s.status(1);  // must not crash
  EXPECT_TRUE(s.isDone());
}

}  // namespace
}  // namespace ctdb::server
