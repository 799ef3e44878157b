/*
 * ChangesFile: append, delivery hand-off, merge-back order and recovery of
 * every crash state listed in changes_file.h.
 */
#include "event/changes_file.h"

#include "event_fixture.h"

namespace ctdb::event::test {
namespace {

class ChangesFileTest : public EventFixture {
 protected:
  std::unique_ptr<ChangesFile> open() {
    auto r = ChangesFile::open(state());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? std::move(*r) : nullptr;
  }
  std::string live() { return state() + "/ip_changes"; }
  std::string snap() { return state() + "/ip_changes.delivering"; }
  std::string tail() { return state() + "/ip_changes.tail"; }
};

TEST_F(ChangesFileTest, AppendWritesOneLinePerEvent) {
  auto cf = open();
  ASSERT_TRUE(cf->append("takeip eth0 198.18.0.1 24").ok());
  ASSERT_TRUE(cf->append("releaseip eth0 198.18.0.2 24").ok());
  ASSERT_TRUE(cf->sync().ok());
  EXPECT_EQ(readFile(live()), "takeip eth0 198.18.0.1 24\nreleaseip eth0 198.18.0.2 24\n");
}

TEST_F(ChangesFileTest, DeliveryHandsOverSnapshotAndNewLinesStartNewFile) {
  auto cf = open();
  ASSERT_TRUE(cf->append("A").ok());
  ASSERT_TRUE(cf->append("B").ok());
  auto path = cf->beginDelivery();
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, snap());
  EXPECT_EQ(readFile(*path), "A\nB\n");
  ASSERT_TRUE(cf->append("C").ok());  // must not land in the snapshot
  EXPECT_EQ(readFile(*path), "A\nB\n");
  ASSERT_TRUE(cf->commitDelivery().ok());
  EXPECT_FALSE(pathExists(snap()));
  EXPECT_EQ(readFile(live()), "C\n");
}

TEST_F(ChangesFileTest, DeliveryWithoutChangesGivesEmptyFile) {
  auto cf = open();
  auto path = cf->beginDelivery();
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(pathExists(*path));
  EXPECT_EQ(readFile(*path), "");
  ASSERT_TRUE(cf->commitDelivery().ok());
}

TEST_F(ChangesFileTest, SecondDeliveryWhileOneIsOpenIsRefused) {
  auto cf = open();
  ASSERT_TRUE(cf->beginDelivery().ok());
  auto again = cf->beginDelivery();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().errnoValue(), EBUSY);
}

TEST_F(ChangesFileTest, FailureMergesSnapshotBackInFrontOfNewLines) {
  auto cf = open();
  ASSERT_TRUE(cf->append("A").ok());
  ASSERT_TRUE(cf->append("B").ok());
  ASSERT_TRUE(cf->beginDelivery().ok());
  ASSERT_TRUE(cf->append("C").ok());
  ASSERT_TRUE(cf->append("D").ok());
  ASSERT_TRUE(cf->abortDelivery().ok());
  EXPECT_FALSE(pathExists(snap()));
  EXPECT_FALSE(pathExists(tail()));
  EXPECT_EQ(readFile(live()), "A\nB\nC\nD\n");
  ASSERT_TRUE(cf->append("E").ok());  // the fd follows the new live file
  auto path = cf->beginDelivery();
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(readFile(*path), "A\nB\nC\nD\nE\n");
}

TEST_F(ChangesFileTest, FailureWithNoNewLinesRestoresSnapshot) {
  auto cf = open();
  ASSERT_TRUE(cf->append("A").ok());
  ASSERT_TRUE(cf->beginDelivery().ok());
  ASSERT_TRUE(cf->abortDelivery().ok());
  EXPECT_EQ(readFile(live()), "A\n");
}

TEST_F(ChangesFileTest, CrashDuringDeliveryLeftoverSnapshotMergedFirst) {
  mkdir(state().c_str(), 0755);
  writeFile(snap(), "takeip eth0 198.18.0.1 24\n");        // handed out, never confirmed
  writeFile(live(), "releaseip eth0 198.18.0.9 24\n");     // appended meanwhile
  auto cf = open();
  EXPECT_FALSE(pathExists(snap()));
  EXPECT_EQ(readFile(live()), "takeip eth0 198.18.0.1 24\nreleaseip eth0 198.18.0.9 24\n");
  ASSERT_TRUE(cf->append("takeip eth0 198.18.0.3 24").ok());
  auto path = cf->beginDelivery();
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(readFile(*path),
            "takeip eth0 198.18.0.1 24\nreleaseip eth0 198.18.0.9 24\ntakeip eth0 198.18.0.3 24\n");
}

TEST_F(ChangesFileTest, CrashDuringDeliveryWithoutNewLines) {
  mkdir(state().c_str(), 0755);
  writeFile(snap(), "A\n");
  auto cf = open();
  EXPECT_EQ(readFile(live()), "A\n");
  EXPECT_FALSE(pathExists(snap()));
}

TEST_F(ChangesFileTest, CrashInMergeStep2IsRedone) {
  mkdir(state().c_str(), 0755);
  writeFile(snap(), "A\n");
  writeFile(tail(), "B\n");
  writeFile(state() + "/ip_changes.merge.tmp", "A\n");  // half-written
  auto cf = open();
  EXPECT_EQ(readFile(live()), "A\nB\n");
  EXPECT_FALSE(pathExists(snap()));
  EXPECT_FALSE(pathExists(tail()));
  EXPECT_FALSE(pathExists(state() + "/ip_changes.merge.tmp"));
}

TEST_F(ChangesFileTest, CrashAfterMergeStep2DoesNotDuplicate) {
  mkdir(state().c_str(), 0755);
  writeFile(snap(), "A\n");
  writeFile(tail(), "B\n");
  writeFile(live(), "A\nB\n");  // the merged file was already renamed in
  auto cf = open();
  EXPECT_EQ(readFile(live()), "A\nB\n");
  EXPECT_FALSE(pathExists(snap()));
  EXPECT_FALSE(pathExists(tail()));
}

TEST_F(ChangesFileTest, CrashInMergeStep3DoesNotDuplicate) {
  mkdir(state().c_str(), 0755);
  writeFile(tail(), "B\n");
  writeFile(live(), "A\nB\n");
  auto cf = open();
  EXPECT_EQ(readFile(live()), "A\nB\n");
  EXPECT_FALSE(pathExists(tail()));
}

TEST_F(ChangesFileTest, CrashAfterCommitDeliversNothingTwice) {
  {
    auto cf = open();
    ASSERT_TRUE(cf->append("A").ok());
    ASSERT_TRUE(cf->beginDelivery().ok());
    ASSERT_TRUE(cf->commitDelivery().ok());
  }  // "crash": no orderly shutdown needed
  auto cf = open();
  auto path = cf->beginDelivery();
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(readFile(*path), "");
}

}  // namespace
}  // namespace ctdb::event::test
