/*
 * ctdb_event_helper batch groups (helper_proto.h "batch K"): batch-capable
 * and classic scripts mixed in one ip_events.d tree, the fallback to
 * per-IP runs when a batch run fails, timeouts, the marker rules and the
 * per-request results, changes lines and last status the runner keeps.
 */
#include <dirent.h>

#include <algorithm>
#include <sstream>

#include "../event/event_fixture.h"
#include "event/helper_process.h"
#include "event/helper_proto.h"
#include "event/script_rules.h"

namespace ctdb::event::test {
namespace {

using namespace std::chrono_literals;

size_t count(const std::vector<std::string>& v, const std::string& x) {
  return size_t(std::count(v.begin(), v.end(), x));
}

class HelperBatchTest : public EventFixture {
 protected:
  std::string log() const { return base_ + "/log"; }

  /* A batch-capable script: logs "NAME ARGS", and in batch mode every stdin
   * line as "  LINE"; exits 1 (batch) or 3 (classic) when an IP listed in
   * base_/fail.NAME is among its IPs. `extra` runs first. */
  void batchScript(const std::string& name, const std::string& extra = "") {
    script(ipEvents(), name,
           "# ctdb-ip-events: batch\n" + extra +
               "\nF=" + base_ + "/fail." + name + "\n"
               "echo \"" + name + " $*\" >> " + log() + "\n"
               "case \"$1\" in\n"
               "*batch) rc=0; while read -r i a b; do echo \"  $i $a $b\" >> " + log() + "\n"
               "          grep -qx \"$a\" $F 2>/dev/null && rc=1; done; exit $rc ;;\n"
               "*) grep -qx \"$3\" $F 2>/dev/null && { echo \"cannot do $3\"; exit 3; }; exit 0 ;;\n"
               "esac");
  }
  void classicScript(const std::string& name) {
    script(ipEvents(), name,
           "echo \"" + name + " $*\" >> " + log() + "\n"
           "grep -qx \"$3\" " + base_ + "/fail." + name + " 2>/dev/null && exit 5; exit 0");
  }
  void failFor(const std::string& name, const std::string& ip) {
    std::string cur = pathExists(base_ + "/fail." + name) ? readFile(base_ + "/fail." + name) : "";
    writeFile(base_ + "/fail." + name, cur + ip + "\n");
  }

  /* Runs one batch group (same id) of `e` for 198.18.0.<n> of each n. */
  std::vector<Result<EventResult>> group(Event e, std::vector<int> hosts,
                                         std::optional<std::chrono::milliseconds> timeout = {}) {
    std::vector<std::optional<Result<EventResult>>> out(hosts.size());
    std::vector<PendingOp> ops;
    for (size_t i = 0; i < hosts.size(); ++i) {
      ops.push_back(runner().run(
          EventRequest{e, {"eth0", ip(hosts[i]), "24"}, timeout, 42},
          [&out, i](Result<EventResult> r) { out[i].emplace(std::move(r)); }));
    }
    bool done = loop_->runUntil(
        [&] { return std::all_of(out.begin(), out.end(), [](auto& o) { return o.has_value(); }); },
        20s);
    std::vector<Result<EventResult>> res;
    for (auto& o : out) {
      res.push_back(o ? std::move(*o) : Result<EventResult>(errnoError(ETIMEDOUT, "test: no result")));
    }
    EXPECT_TRUE(done);
    return res;
  }
  static std::string ip(int n) { return "198.18.0." + std::to_string(n); }
  std::vector<std::string> changes() { return lines(readFile(state() + "/ip_changes")); }
};

std::vector<std::string> names(const EventResult& r) {
  std::vector<std::string> v;
  for (auto& s : r.scripts) v.push_back(s.name);
  return v;
}

TEST_F(HelperBatchTest, BatchScriptRunsOnceClassicScriptPerIpInLexicalOrder) {
  batchScript("10.batch");
  classicScript("20.classic");
  batchScript("30.batch");
  auto res = group(Event::TakeIp, {1, 2, 3});
  for (auto& r : res) {
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_TRUE(r->isSuccess());
    EXPECT_EQ(names(*r), (std::vector<std::string>{"10.batch", "20.classic", "30.batch"}));
  }
  EXPECT_EQ(lines(readFile(log())),
            (std::vector<std::string>{"10.batch takeipbatch", "  eth0 198.18.0.1 24",
                                      "  eth0 198.18.0.2 24", "  eth0 198.18.0.3 24",
                                      "20.classic takeip eth0 198.18.0.1 24",
                                      "20.classic takeip eth0 198.18.0.2 24",
                                      "20.classic takeip eth0 198.18.0.3 24",
                                      "30.batch takeipbatch", "  eth0 198.18.0.1 24",
                                      "  eth0 198.18.0.2 24", "  eth0 198.18.0.3 24"}));
  EXPECT_EQ(runner().batchRuns(), 2u);
  EXPECT_EQ(runner().batchFallbacks(), 0u);
  EXPECT_EQ(runner().helpersSpawned(), 1u) << "one helper for the whole group";
  EXPECT_EQ(changes(), (std::vector<std::string>{"takeip eth0 198.18.0.1 24",
                                                 "takeip eth0 198.18.0.2 24",
                                                 "takeip eth0 198.18.0.3 24"}));
  ASSERT_NE(runner().lastStatus(Event::TakeIp), nullptr);
  EXPECT_EQ(names(*runner().lastStatus(Event::TakeIp)),
            (std::vector<std::string>{"10.batch", "20.classic", "30.batch"}));
}

TEST_F(HelperBatchTest, ReleaseGroupRunsReleaseipbatch) {
  batchScript("10.batch");
  auto res = group(Event::ReleaseIp, {7, 8});
  for (auto& r : res) ASSERT_TRUE(r.ok() && r->isSuccess());
  EXPECT_EQ(lines(readFile(log())),
            (std::vector<std::string>{"10.batch releaseipbatch", "  eth0 198.18.0.7 24",
                                      "  eth0 198.18.0.8 24"}));
  EXPECT_EQ(count(changes(), "releaseip eth0 198.18.0.8 24"), 1u);
}

TEST_F(HelperBatchTest, FailureInTheMiddleFallsBackPerIpAndStopsOnlyThatIp) {
  batchScript("10.batch");
  classicScript("20.classic");
  failFor("10.batch", ip(2));
  auto res = group(Event::TakeIp, {1, 2, 3});
  ASSERT_TRUE(res[0].ok() && res[1].ok() && res[2].ok());
  EXPECT_TRUE(res[0]->isSuccess());
  EXPECT_TRUE(res[2]->isSuccess());
  ASSERT_FALSE(res[1]->isSuccess());
  const ScriptResult* f = res[1]->firstFailure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "10.batch");
  EXPECT_EQ(f->status(), 3) << "the verdict is the classic run's";
  EXPECT_NE(f->output.find("cannot do 198.18.0.2"), std::string::npos);
  EXPECT_EQ(names(*res[1]), std::vector<std::string>{"10.batch"}) << "later scripts not run";
  auto l = lines(readFile(log()));
  EXPECT_EQ(count(l, "10.batch takeipbatch"), 1u);
  for (int n : {1, 2, 3}) EXPECT_EQ(count(l, "10.batch takeip eth0 " + ip(n) + " 24"), 1u) << n;
  EXPECT_EQ(count(l, "20.classic takeip eth0 198.18.0.2 24"), 0u);
  EXPECT_EQ(count(l, "20.classic takeip eth0 198.18.0.1 24"), 1u);
  EXPECT_EQ(runner().batchFallbacks(), 1u);
  EXPECT_EQ(changes(), (std::vector<std::string>{"takeip eth0 198.18.0.1 24",
                                                 "takeip eth0 198.18.0.3 24"}));
}

TEST_F(HelperBatchTest, ClassicFailureDropsTheIpFromLaterBatchRuns) {
  classicScript("10.classic");
  batchScript("20.batch");
  failFor("10.classic", ip(5));
  auto res = group(Event::TakeIp, {4, 5, 6});
  EXPECT_TRUE(res[0]->isSuccess());
  EXPECT_FALSE(res[1]->isSuccess());
  EXPECT_EQ(res[1]->status(), 5);
  EXPECT_TRUE(res[2]->isSuccess());
  auto l = lines(readFile(log()));
  EXPECT_EQ(count(l, "  eth0 198.18.0.5 24"), 0u) << "a failed IP is not in later batch runs";
  EXPECT_EQ(count(l, "  eth0 198.18.0.4 24"), 1u);
}

TEST_F(HelperBatchTest, BatchTimeoutFailsEveryIpWithoutPerIpReruns) {
  batchScript("10.batch", "case \"$1\" in *batch) sleep 100 ;; esac");
  classicScript("20.classic");
  auto t0 = std::chrono::steady_clock::now();
  auto res = group(Event::TakeIp, {1, 2, 3}, 500ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  for (auto& r : res) {
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status(), -ETIMEDOUT);
    EXPECT_EQ(names(*r), std::vector<std::string>{"10.batch"});
  }
  // The batch run was killed in its sleep, before it logged; nothing else
  // ran: no per-IP re-runs of 10.batch, no 20.classic.
  EXPECT_EQ(readFile(log()), "");
  EXPECT_EQ(runner().batchRuns(), 1u);
  EXPECT_EQ(runner().batchFallbacks(), 0u);
  EXPECT_TRUE(changes().empty());
}

TEST_F(HelperBatchTest, BatchRunIsChargedToEveryIpsBudget) {
  // 1 s in the batch run + 1 s per classic run > 1.5 s per IP.
  batchScript("10.batch", "case \"$1\" in *batch) sleep 1 ;; esac");
  script(ipEvents(), "20.slow", "sleep 1");
  auto res = group(Event::TakeIp, {1, 2}, 1500ms);
  for (auto& r : res) {
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status(), -ETIMEDOUT) << r->commandLine();
    ASSERT_EQ(r->scripts.size(), 2u);
    EXPECT_EQ(r->scripts[1].state, ScriptState::TimedOut);
  }
}

TEST_F(HelperBatchTest, MarkerMustBeAWholeLineInTheFirstKiB) {
  script(ipEvents(), "10.almost", "# ctdb-ip-events: batchy\necho \"10.almost $1\" >> " + log());
  script(ipEvents(), "20.late",
         std::string(1100, '#') + "\n# ctdb-ip-events: batch\necho \"20.late $1\" >> " + log());
  EXPECT_EQ(scanIpBatchSupport(ipEvents()), IpBatchSupport::None);
  auto res = group(Event::TakeIp, {1, 2});
  for (auto& r : res) ASSERT_TRUE(r.ok() && r->isSuccess());
  EXPECT_EQ(lines(readFile(log())),
            (std::vector<std::string>{"10.almost takeip", "10.almost takeip", "20.late takeip",
                                      "20.late takeip"}));
  EXPECT_EQ(runner().batchRuns(), 0u);
}

TEST_F(HelperBatchTest, ScanTellsNoneAllMixed) {
  EXPECT_EQ(scanIpBatchSupport(ipEvents()), IpBatchSupport::None);
  EXPECT_EQ(scanIpBatchSupport(base_ + "/no_such_dir"), IpBatchSupport::None);
  batchScript("10.batch");
  script(ipEvents(), "20.off", "exit 0", 0644);  // not executable: does not count
  script(ipEvents(), "README", "exit 0");        // not a script name
  EXPECT_EQ(scanIpBatchSupport(ipEvents()), IpBatchSupport::All);
  classicScript("30.classic");
  EXPECT_EQ(scanIpBatchSupport(ipEvents()), IpBatchSupport::Mixed);
}

/* The helper (which runs the scripts) and the daemon (which scans for batch
 * support) on one directory with names and markers at the rules' edges:
 * both use event/script_rules.h, so the scripts the helper ran are exactly
 * those the daemon's filter accepts, and the ones it ran as batches exactly
 * those whose marker the daemon's scan finds. */
TEST_F(HelperBatchTest, HelperAndDaemonAgreeOnNamesAndMarkers) {
  const std::string long31 = "04." + std::string(28, 'b');  // 31 bytes: a script
  const std::string long32 = "05." + std::string(29, 'c');  // 32 bytes: not one
  batchScript("03.batch");
  batchScript(long31);
  batchScript(long32);
  classicScript("01.classic");
  classicScript("02.backup~");
  classicScript("1.short");
  classicScript("ab.letters");
  classicScript("06x");
  script(ipEvents(), "07.nul", std::string("# ctdb-ip-events: batch") + '\0' + "\necho \"07.nul $1\" >> " + log());
  script(ipEvents(), "08.crlf", "# ctdb-ip-events: batch\r\necho \"08.crlf $1\" >> " + log());

  std::vector<std::string> want_scripts, want_batch;
  DIR* d = opendir(ipEvents().c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* de = readdir(d)) {
    if (!eh_is_script_name(de->d_name)) continue;
    want_scripts.push_back(de->d_name);
    if (eh_file_has_batch_marker((ipEvents() + "/" + de->d_name).c_str()))
      want_batch.push_back(de->d_name);
  }
  closedir(d);
  std::sort(want_scripts.begin(), want_scripts.end());
  std::sort(want_batch.begin(), want_batch.end());
  EXPECT_EQ(want_scripts, (std::vector<std::string>{"01.classic", "03.batch", long31, "07.nul",
                                                    "08.crlf"}));
  EXPECT_EQ(want_batch, (std::vector<std::string>{"03.batch", long31, "08.crlf"}));
  EXPECT_EQ(scanIpBatchSupport(ipEvents()), IpBatchSupport::Mixed);

  auto res = group(Event::TakeIp, {1, 2});
  for (auto& r : res) {
    ASSERT_TRUE(r.ok() && r->isSuccess());
    EXPECT_EQ(names(*r), want_scripts);
  }
  std::vector<std::string> ran_batch;
  for (const auto& l : lines(readFile(log())))
    if (l.size() > 11 && l.compare(l.size() - 11, 11, "takeipbatch") == 0)
      ran_batch.push_back(l.substr(0, l.find(' ')));
  std::sort(ran_batch.begin(), ran_batch.end());
  EXPECT_EQ(ran_batch, want_batch);
}

TEST_F(HelperBatchTest, DisabledBatchScriptIsSkippedForEveryIp) {
  batchScript("10.batch");
  chmod((ipEvents() + "/10.batch").c_str(), 0644);
  classicScript("20.classic");
  auto res = group(Event::TakeIp, {1, 2});
  for (auto& r : res) {
    ASSERT_TRUE(r.ok() && r->isSuccess());
    ASSERT_EQ(r->scripts.size(), 2u);
    EXPECT_EQ(r->scripts[0].state, ScriptState::Disabled);
  }
}

TEST_F(HelperBatchTest, CancellingOneMemberKeepsTheGroupRunning) {
  batchScript("10.batch", "case \"$1\" in *batch) sleep 0.3 ;; esac");
  std::optional<Result<EventResult>> a, b;
  auto op_a = runner().run(EventRequest{Event::TakeIp, {"eth0", ip(1), "24"}, std::nullopt, 9},
                           [&](Result<EventResult> r) { a.emplace(std::move(r)); });
  auto op_b = runner().run(EventRequest{Event::TakeIp, {"eth0", ip(2), "24"}, std::nullopt, 9},
                           [&](Result<EventResult> r) { b.emplace(std::move(r)); });
  loop_->runUntil([&] { return runner().runningHelpers() == 1; }, 5s);
  op_a.cancel();
  ASSERT_TRUE(loop_->runUntil([&] { return b.has_value(); }, 10s));
  EXPECT_TRUE(b->ok() && (*b)->isSuccess());
  EXPECT_FALSE(a.has_value());
  // The cancelled member's change happened, so its line is kept.
  EXPECT_EQ(count(changes(), "takeip eth0 198.18.0.1 24"), 1u);
}

TEST_F(HelperBatchTest, SpawnRefusesMixedOrNonIpGroups) {
  ChildReaper reaper(*loop_);
  HelperSpec spec;
  spec.helper_path = CTDB_EVENT_HELPER_PATH;
  spec.script_dir = ipEvents();
  spec.is_batch_group = true;
  spec.jobs = {HelperJob{Event::TakeIp, {"eth0", ip(1), "24"}},
               HelperJob{Event::ReleaseIp, {"eth0", ip(2), "24"}}};
  auto r = HelperProcess::spawn(*loop_, reaper, spec, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnoValue(), EINVAL);
  spec.jobs = {HelperJob{Event::UpdateIp, {"eth0", "eth1", ip(1), "24"}}};
  EXPECT_FALSE(HelperProcess::spawn(*loop_, reaper, spec, {}).ok());
}

}  // namespace
}  // namespace ctdb::event::test
