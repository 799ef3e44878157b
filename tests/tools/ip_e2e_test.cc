/* End-to-end: the IP and node-state commands of our `ctdb` against the fake
 * ctdbd's public-IP model. Every command that the stock 4.17 tool also has
 * is run twice, each time against a fresh, identically configured fake
 * daemon: once with /usr/bin/ctdb and once with ours. Exit status, stdout,
 * stderr AND the sequence of packets the daemon received (operation,
 * destnode, srcnode, opcode, flags, srvid, payload; reqids ignored, the
 * tool's pid inside private srvids masked) must be identical. --json output
 * is parsed for each command. */
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "fake_daemon.h"
#include "json_check.h"
#include "run_tool.h"
#include "protocol/packet.h"

#ifndef CTDB_TOOL_PATH
#error CTDB_TOOL_PATH must name the built ctdb binary
#endif

namespace {

using ctdb::testing::FakeDaemon;
using ctdb::testing::Json;
using ctdb::testing::JsonReader;
namespace P = ctdb::protocol;

struct RunResult {
  int status = -1;
  std::string out, err;
  std::vector<std::string> packets;  // normalised, see normalise()
};

uint64_t maskPid(uint64_t srvid) {
  if ((srvid >> 48) == 0xCE01) srvid &= ~0xFFFF0000ULL;  // (pid & 0xFFFF) << 16
  return srvid;
}

std::string hex(const std::vector<uint8_t>& d) {
  std::string s;
  char b[4];
  for (uint8_t c : d) {
    std::snprintf(b, sizeof(b), "%02x", c);
    s += b;
  }
  return s;
}

std::string normalise(const std::vector<uint8_t>& pkt) {
  auto hdr = P::decodeHeader(pkt);
  if (!hdr) return "undecodable";
  char buf[256];
  if (hdr->operation == static_cast<uint32_t>(P::Operation::ReqControl)) {
    auto c = P::decodeReqControl(pkt);
    if (!c) return "bad control";
    std::vector<uint8_t> data = c->data;
    /* 4.17's gratarp leaves addr_info.mask uninitialised. */
    if (c->opcode == static_cast<uint32_t>(P::Opcode::SendGratuitousArp) && data.size() >= 32)
      for (int i = 28; i < 32; ++i) data[i] = 0;
    const char* name = P::opcodeName(static_cast<P::Opcode>(c->opcode));
    std::snprintf(buf, sizeof(buf), "CONTROL %s dst=%x src=%x flags=%x srvid=%llx data=", name ? name : "?",
                  c->hdr.destnode, c->hdr.srcnode, c->flags,
                  static_cast<unsigned long long>(maskPid(c->srvid)));
    return buf + hex(data);
  }
  if (hdr->operation == static_cast<uint32_t>(P::Operation::ReqMessage)) {
    auto m = P::decodeReqMessage(pkt);
    if (!m) return "bad message";
    std::vector<uint8_t> data = m->data;
    if ((m->srvid == P::kSrvidTakeoverRun || m->srvid == P::kSrvidDisableTakeoverRuns) && data.size() >= 16) {
      data[10] = 0;  // pid bits of the private srvid at offset 8
      data[11] = 0;
    }
    std::snprintf(buf, sizeof(buf), "MESSAGE dst=%x src=%x srvid=%llx data=", m->hdr.destnode,
                  m->hdr.srcnode, static_cast<unsigned long long>(m->srvid));
    return buf + hex(data);
  }
  return "operation " + std::to_string(hdr->operation);
}

using DaemonSetup = std::function<void(FakeDaemon&)>;

/* Runs `tool args` against a fresh fake daemon configured by setup; check
 * (optional) inspects the daemon afterwards. */
RunResult runAgainstFake(const std::string& tool, const std::vector<std::string>& args, const DaemonSetup& setup,
                         const std::function<void(FakeDaemon&)>& check = {}) {
  FakeDaemon d;
  if (setup) setup(d);
  d.start();
  std::ofstream(d.dir() + "/nodes") << "198.18.0.1\n198.18.0.2\n198.18.0.3\n";
  auto o = ctdb::test::runTool(tool, args, d.socketPath(), d.dir());
  RunResult r;
  r.status = o.status;
  r.out = std::move(o.out);
  r.err = std::move(o.err);
  /* The tool may exit right after a fire-and-forget message: let the
   * daemon read its connection to EOF before looking at what it got. */
  EXPECT_TRUE(d.waitAllClosed(std::chrono::seconds(5))) << tool;
  d.stop();
  for (const auto& p : d.packets()) r.packets.push_back(normalise(p));
  if (check) check(d);
  return r;
}

bool haveStock() { return access("/usr/bin/ctdb", X_OK) == 0; }

std::string label(const std::vector<std::string>& args) {
  std::string s = "ctdb";
  for (const auto& a : args) s += " " + a;
  return s;
}

/* Ours, compared in every respect with the stock tool when installed. */
RunResult ours(const std::vector<std::string>& args, const DaemonSetup& setup = {},
               const std::function<void(FakeDaemon&)>& check = {}, bool same_stdout = true) {
  RunResult o = runAgainstFake(CTDB_TOOL_PATH, args, setup, check);
  if (haveStock()) {
    RunResult s = runAgainstFake("/usr/bin/ctdb", args, setup);
    EXPECT_EQ(o.status, s.status) << label(args);
    /* Usage texts differ only in our two extra options (--socket, --json):
     * compare from the command list on. */
    auto commands = [](const std::string& t) {
      if (t.rfind("Usage:", 0) != 0) return t;
      size_t i = t.find("\nCommands:\n");
      return i == std::string::npos ? t : t.substr(i);
    };
    if (same_stdout) {
      EXPECT_EQ(commands(o.out), commands(s.out)) << label(args);
    }
    EXPECT_EQ(o.err, s.err) << label(args);
    EXPECT_EQ(o.packets, s.packets) << label(args);
  }
  return o;
}

Json json(const std::vector<std::string>& args, const DaemonSetup& setup = {}) {
  std::vector<std::string> a = {"--json"};
  a.insert(a.end(), args.begin(), args.end());
  RunResult r = runAgainstFake(CTDB_TOOL_PATH, a, setup);
  EXPECT_EQ(r.status, 0) << label(a) << r.err;
  auto j = JsonReader::parse(r.out);
  EXPECT_TRUE(j.has_value()) << label(a) << ": " << r.out;
  EXPECT_EQ(r.out.back(), '\n');
  return j.value_or(Json{});
}

P::PublicIp pip(const std::string& a, uint32_t pnn) {
  P::PublicIp ip;
  ip.pnn = pnn;
  ip.addr.ip = *ctdb::IpAddress::parse(a);
  return ip;
}

const char kCaptureIp[] =
    "Public IPs on node 0\n198.19.0.1 2\n198.19.0.2 0\n198.19.0.3 1\n198.19.0.4 2\n198.19.0.5 0\n198.19.0.6 1\n";

TEST(IpE2E, StockToolAvailableOrSkipsVisibly) {
  if (!haveStock()) GTEST_SKIP() << "/usr/bin/ctdb (Debian ctdb 4.17) not installed: only our tool is checked";
  RunResult s = runAgainstFake("/usr/bin/ctdb", {"ip"}, {});
  EXPECT_EQ(s.out, kCaptureIp);  // the stock tool really talks to the fake
}

TEST(IpE2E, IpForms) {
  EXPECT_EQ(ours({"ip"}).out, kCaptureIp);
  EXPECT_EQ(ours({"ip", "all"}).out,
            "Public IPs on ALL nodes\n198.19.0.1 2\n198.19.0.2 0\n198.19.0.3 1\n198.19.0.4 2\n"
            "198.19.0.5 0\n198.19.0.6 1\n");
  EXPECT_EQ(ours({"ip", "-v"}).out,
            "Public IPs on node 0\n"
            "198.19.0.1 node[2] active[] available[eth0] configured[eth0]\n"
            "198.19.0.2 node[0] active[eth0] available[eth0] configured[eth0]\n"
            "198.19.0.3 node[1] active[] available[eth0] configured[eth0]\n"
            "198.19.0.4 node[2] active[] available[eth0] configured[eth0]\n"
            "198.19.0.5 node[0] active[eth0] available[eth0] configured[eth0]\n"
            "198.19.0.6 node[1] active[] available[eth0] configured[eth0]\n");
  EXPECT_EQ(ours({"-X", "ip", "all"}).out,
            "|Public IP|Node|\n|198.19.0.1|2|\n|198.19.0.2|0|\n|198.19.0.3|1|\n|198.19.0.4|2|\n"
            "|198.19.0.5|0|\n|198.19.0.6|1|\n");
  auto xv = ours({"-X", "-v", "ip", "all"});
  EXPECT_EQ(xv.out.substr(0, 80),
            "|Public IP|Node|ActiveInterfaces|AvailableInterfaces|ConfiguredInterfaces|\n|198.");
  EXPECT_NE(xv.out.find("|198.19.0.3|1|eth0|eth0|eth0|\n"), std::string::npos);
  EXPECT_EQ(ours({"-x", ",", "-Y", "ip"}).out.substr(0, 16), ",Public IP,Node,");
  auto n1 = ours({"-n", "1", "ip", "-v"});
  EXPECT_NE(n1.out.find("198.19.0.3 node[1] active[eth0]"), std::string::npos);
  EXPECT_EQ(ours({"ip", "bogus"}).status, 1);
  EXPECT_EQ(ours({"ip", "all", "x"}).status, 1);
  EXPECT_EQ(ours({"-n", "5", "ip"}).err, "Node 5 does not exist\n");
  EXPECT_EQ(ours({"-n", "all", "ip"}).err, "Invalid option all: invalid numeric value\n");
}

TEST(IpE2E, IpAllMergesClaimsAndSortsIpv4BeforeIpv6) {
  DaemonSetup s = [](FakeDaemon& d) {
    /* node 0 thinks .2 is on 1 and knows an IPv6 address nobody hosts; node
     * 1 hosts .2; node 2 is stopped (not asked). */
    d.setPublicIps(0, {{pip("fd00::5", 0xFFFFFFFF), pip("198.19.0.10", 1), pip("198.19.0.2", 1),
                        pip("198.19.0.9", 0)}});
    d.setPublicIps(1, {{pip("198.19.0.2", 1), pip("198.19.0.10", 2), pip("198.19.0.7", 0)}});
    d.setPublicIps(2, {{pip("198.19.0.10", 2)}});
    d.setNodeFlags(2, P::NodeFlags::kStopped);
  };
  auto r = ours({"ip", "all"}, s);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "Public IPs on ALL nodes\n198.19.0.2 1\n198.19.0.7 -1\n198.19.0.9 0\n198.19.0.10 -1\n"
            "fd00::5 -1\n");
  auto j = json({"ip", "all"}, s);
  EXPECT_TRUE(j["all_nodes"].b);
  ASSERT_EQ(j["ips"].a.size(), 5u);
  EXPECT_EQ(j["ips"].a[0]["pnn"].n, 1);
  EXPECT_TRUE(j["ips"].a[1]["pnn"].isNull());
  EXPECT_TRUE(j["ips"].a[1]["interfaces"].isNull());
  EXPECT_EQ(j["ips"].a[4]["address"].s, "fd00::5");
}

TEST(IpE2E, IpFailsWhenTheDaemonRefuses) {
  auto r = ours({"ip"}, [](FakeDaemon& d) { d.setControlStatus(P::Opcode::GetPublicIps, -1); });
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "Control GET_PUBLIC_IPS failed, ret=-1\n");
  EXPECT_EQ(r.out, "");
}

TEST(IpE2E, Ipinfo) {
  EXPECT_EQ(ours({"ipinfo", "198.19.0.2"}).out,
            "Public IP[198.19.0.2] info on node 0\nIP:198.19.0.2\nCurrentNode:0\nNumInterfaces:1\n"
            "Interface[1]: Name:eth0 Link:up References:2 (active)\n");
  auto unknown = ours({"ipinfo", "198.19.99.99"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_EQ(unknown.out, "Node 0 does not know about IP 198.19.99.99\n");
  EXPECT_EQ(unknown.err, "Control GET_PUBLIC_IP_INFO failed, ret=-1\n");
  auto bad = ours({"ipinfo", "198.19.300.1"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "Invalid IP address 198.19.300.1\n");
  EXPECT_EQ(ours({"-n", "2", "ipinfo", "198.19.0.1"}).out.substr(0, 37), "Public IP[198.19.0.1] info on node 2\n");
  EXPECT_EQ(ours({"ipinfo"}).status, 1);
  auto j = json({"ipinfo", "198.19.0.2"});
  EXPECT_EQ(j["address"].s, "198.19.0.2");
  EXPECT_EQ(j["current_node"].n, 0);
  EXPECT_TRUE(j["interfaces"].a.at(0)["active"].b);
}

TEST(IpE2E, Ifaces) {
  EXPECT_EQ(ours({"ifaces"}).out, "Interfaces on node 0\nname:eth0 link:up references:2\n");
  EXPECT_EQ(ours({"-X", "ifaces"}).out, "|Name|LinkStatus|References|\n|eth0|1|2|\n");
  EXPECT_EQ(ours({"-n", "1", "ifaces"}, [](FakeDaemon& d) { d.setIfaceLinkDown(true); }).out,
            "Interfaces on node 1\nname:eth0 link:down references:2\n");
  auto empty = ours({"ifaces"}, [](FakeDaemon& d) { d.setIfaces(0, {}); });
  EXPECT_EQ(empty.status, 0);
  EXPECT_EQ(empty.out, "No interfaces configured on node 0\n");
  EXPECT_EQ(ours({"ifaces", "x"}).status, 1);
  auto j = json({"ifaces"});
  EXPECT_EQ(j["pnn"].n, 0);
  EXPECT_EQ(j["interfaces"].a.at(0)["name"].s, "eth0");
  EXPECT_TRUE(json({"ifaces"}, [](FakeDaemon& d) { d.setIfaces(0, {}); })["interfaces"].a.empty());
}

TEST(IpE2E, Setifacelink) {
  auto down = ours({"setifacelink", "eth0", "down"}, {},
                   [](FakeDaemon& d) { EXPECT_EQ(d.ifaces(0).at(0).link_state, 0); });
  EXPECT_EQ(down.status, 0);
  EXPECT_EQ(down.out + down.err, "");
  ours({"-n", "2", "setifacelink", "eth0", "up"}, [](FakeDaemon& d) { d.setIfaces(2, {{"eth0", 0, 0}}); },
       [](FakeDaemon& d) { EXPECT_EQ(d.ifaces(2).at(0).link_state, 1); });
  auto missing = ours({"setifacelink", "eth9", "down"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.out, "Interface eth9 not configured on node 0\n");
  auto longname = ours({"setifacelink", "abcdefghijklmnopq", "down"});
  EXPECT_EQ(longname.status, 1);
  EXPECT_EQ(longname.err, "Interface name 'abcdefghijklmnopq' too long\n");
  EXPECT_EQ(ours({"setifacelink", "eth0", "sideways"}).status, 1);
  auto j = json({"setifacelink", "eth0", "down"});
  EXPECT_FALSE(j["link_up"].b);
  EXPECT_EQ(j["interface"].s, "eth0");
}

TEST(IpE2E, Addip) {
  auto r = ours({"addip", "198.19.1.1/16", "eth0"}, {}, [](FakeDaemon& d) {
    EXPECT_EQ(d.publicIps(0).ips.front().addr.ip.toString(), "198.19.1.1");
  });
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out + r.err, "");
  ASSERT_FALSE(r.packets.empty());
  EXPECT_EQ(r.packets.back(), "MESSAGE dst=f0000004 src=0 srvid=fb01000000000000 data=00000000");
  auto known = ours({"-n", "1", "addip", "198.19.0.2/16", "eth0"});
  EXPECT_EQ(known.status, 0);
  EXPECT_EQ(known.err, "Node already knows about IP 198.19.0.2\n");
  auto bad = ours({"addip", "198.19.1.1", "eth0"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "Invalid IP/Mask 198.19.1.1\n");
  EXPECT_EQ(ours({"addip", "198.19.1.1/x", "eth0"}).err, "Invalid IP/Mask 198.19.1.1/x\n");
  EXPECT_EQ(ours({"addip", "198.19.1.1/40", "eth0"}).status, 0);  // 4.17 does not check the mask
  auto j = json({"addip", "198.19.1.1/16", "eth0"});
  EXPECT_TRUE(j["added"].b);
  EXPECT_EQ(j["mask"].n, 16);
}

TEST(IpE2E, Delip) {
  /* .3 is hosted by node 1: stock behaviour, deleted at once. */
  auto r = ours({"delip", "198.19.0.3"}, {}, [](FakeDaemon& d) { EXPECT_EQ(d.publicIps(0).ips.size(), 5u); });
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out + r.err, "");
  auto unknown = ours({"delip", "198.19.9.9"});
  EXPECT_EQ(unknown.status, 0);
  EXPECT_EQ(unknown.err, "Node does not know about IP address 198.19.9.9\n");
  EXPECT_EQ(ours({"delip", "nonsense"}).err, "Invalid IP address nonsense\n");
  /* .2 is hosted by node 0: same traffic/exit/stderr as 4.17, plus our hint. */
  auto hosted = ours({"delip", "198.19.0.2"}, {}, {}, /*same_stdout=*/false);
  EXPECT_EQ(hosted.status, 0);
  EXPECT_EQ(hosted.out, "IP 198.19.0.2 will be released at the next takeover run (ctdb ipreallocate)\n");
  auto j = json({"delip", "198.19.0.2"});
  EXPECT_TRUE(j["deleted"].b);
  EXPECT_TRUE(j["release_pending"].b);
  EXPECT_FALSE(json({"delip", "198.19.0.3"})["release_pending"].b);
}

TEST(IpE2E, Reloadips) {
  auto r = ours({"reloadips"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out + r.err, "");
  int reloads = 0;
  for (const auto& p : r.packets)
    if (p.rfind("CONTROL RELOAD_PUBLIC_IPS", 0) == 0) ++reloads;
  EXPECT_EQ(reloads, 1);
  auto all = ours({"reloadips", "all"}, [](FakeDaemon& d) { d.setNodeFlags(1, P::NodeFlags::kBanned); });
  EXPECT_EQ(all.status, 0);
  ours({"reloadips", "0,2"});
  EXPECT_EQ(ours({"reloadips", "7"}).err, "Node 7 does not exist\n");
  EXPECT_EQ(ours({"reloadips", "x"}).err, "Invalid node x\n");
  EXPECT_EQ(ours({"-n", "1", "reloadips"}).err, "Node cannot be specified for command reloadips\n");
  auto failed = ours({"reloadips", "all"}, [](FakeDaemon& d) { d.setReloadStatus(1); });
  EXPECT_EQ(failed.status, 0);
  EXPECT_EQ(failed.err, "Failed to reload IPs on some nodes.\n");
  auto refused = ours({"reloadips"}, [](FakeDaemon& d) { d.setDisableReply(-1); });
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.err, "Failed to disable takeover runs\n");
  /* 4.17 checks its wait's ETIMEDOUT against ETIME: unanswered requests
   * count as success (verified against the stock tool). */
  auto start = std::chrono::steady_clock::now();
  auto silent = ours({"-t", "1", "reloadips"}, [](FakeDaemon& d) { d.setDisableSilent(true); });
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(silent.status, 0);
  EXPECT_EQ(silent.err, "");
  auto j = json({"reloadips", "all"});
  EXPECT_EQ(j["nodes"].a.size(), 3u);
  EXPECT_FALSE(j["reload_failed"].b);
  EXPECT_TRUE(j["failed_nodes"].a.empty());
  EXPECT_EQ(j["leader"].n, 0);
  /* Ours: --json names the nodes whose RELOAD_PUBLIC_IPS failed. */
  auto jf = json({"reloadips", "0,2"}, [](FakeDaemon& d) { d.setReloadStatus(1); });
  EXPECT_TRUE(jf["reload_failed"].b);
  ASSERT_EQ(jf["failed_nodes"].a.size(), 2u);
  EXPECT_EQ(jf["failed_nodes"].a[0].n, 0);
  EXPECT_EQ(jf["failed_nodes"].a[1].n, 2);
}

TEST(IpE2E, GratarpAndMoveip) {
  auto g = ours({"gratarp", "198.19.0.2", "eth0"});
  EXPECT_EQ(g.status, 0);
  EXPECT_EQ(g.out + g.err, "");
  EXPECT_EQ(ours({"gratarp", "x", "eth0"}).err, "Invalid IP address x\n");
  EXPECT_EQ(json({"gratarp", "198.19.0.2", "eth0"})["interface"].s, "eth0");

  auto m = ours({"moveip", "198.19.0.2", "1"}, {},
                [](FakeDaemon& d) { EXPECT_EQ(d.publicIps(0).ips.at(4).pnn, 1u); });
  EXPECT_EQ(m.status, 0);
  EXPECT_EQ(m.out + m.err, "");
  EXPECT_EQ(ours({"-n", "1", "moveip", "198.19.0.2", "1"}).err, "Node cannot be specified for command moveip\n");
  EXPECT_EQ(ours({"moveip", "198.19.0.2", "x"}).err, "Invalid PNN x\n");
  EXPECT_EQ(ours({"moveip", "198.19.0.2", "4294967295"}).err, "Invalid PNN 4294967295\n");
  EXPECT_EQ(ours({"moveip", "bad", "1"}).err, "Invalid IP address bad\n");
  EXPECT_EQ(json({"moveip", "198.19.0.2", "2"})["pnn"].n, 2);
}

TEST(IpE2E, DisableEnableStopContinue) {
  auto d = ours({"disable"}, [](FakeDaemon& fd) { fd.setFlagDelay(1); },
                [](FakeDaemon& fd) { EXPECT_EQ(fd.nodeFlags(0), P::NodeFlags::kPermanentlyDisabled); });
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.out + d.err, "");
  int polls = 0;
  for (const auto& p : d.packets)
    if (p.rfind("CONTROL GET_NODEMAP", 0) == 0) ++polls;
  EXPECT_EQ(polls, 3);  // check, one poll still old, one poll new
  auto dis = [](FakeDaemon& fd) { fd.setNodeFlags(0, P::NodeFlags::kPermanentlyDisabled); };
  EXPECT_EQ(ours({"disable"}, dis).err, "Node 0 is already disabled\n");
  EXPECT_EQ(ours({"enable"}).err, "Node 0 is not disabled\n");
  EXPECT_EQ(ours({"enable"}, dis).status, 0);
  EXPECT_EQ(ours({"-n", "2", "stop"}, {}, [](FakeDaemon& fd) { EXPECT_EQ(fd.nodeFlags(2), 0x20u); }).status, 0);
  EXPECT_EQ(ours({"continue"}).err, "Node 0 is not stopped\n");
  EXPECT_EQ(ours({"continue"}, [](FakeDaemon& fd) { fd.setNodeFlags(0, 0x20); }).status, 0);
  auto failed = ours({"disable"}, [](FakeDaemon& fd) { fd.setControlStatus(P::Opcode::DisableNode, -1); });
  EXPECT_EQ(failed.status, 1);
  EXPECT_EQ(failed.err, "Control DISABLE_NODE failed, ret=-1\nFailed to disable node 0\n");
  EXPECT_EQ(ours({"disable", "x"}).status, 1);
  auto j = json({"disable"});
  EXPECT_TRUE(j["changed"].b);
  EXPECT_EQ(j["leader"].n, 0);
  EXPECT_FALSE(json({"enable"})["changed"].b);
}

TEST(IpE2E, BanUnban) {
  auto b = ours({"ban", "30"}, {}, [](FakeDaemon& fd) { EXPECT_EQ(fd.nodeFlags(0), P::NodeFlags::kBanned); });
  EXPECT_EQ(b.status, 0);
  EXPECT_EQ(b.out + b.err, "");
  EXPECT_EQ(ours({"-n", "1", "ban", "0"}).err, "Ban time cannot be zero\n");
  EXPECT_EQ(ours({"ban", "0"}).status, 22);
  EXPECT_EQ(ours({"ban", "-5"}).err, "Invalid option -5: unknown option\n");  // popt sees an option
  EXPECT_EQ(ours({"unban"}).err, "Node 0 is not banned\n");
  auto banned = [](FakeDaemon& fd) { fd.setNodeFlags(0, P::NodeFlags::kBanned); };
  EXPECT_EQ(ours({"ban", "30"}, banned).err, "Node 0 is already banned\n");
  EXPECT_EQ(ours({"unban"}, banned, [](FakeDaemon& fd) { EXPECT_EQ(fd.nodeFlags(0), 0u); }).status, 0);
  EXPECT_EQ(ours({"ban"}).status, 1);
  EXPECT_EQ(json({"ban", "30"})["ban_time"].n, 30);
}

/* admin (#7): --json of stop, continue and unban parses, and its fields agree
 * with the fake daemon's node flags afterwards. A node already in the wanted
 * state: changed false, leader null, 4.17's message on stderr, exit 0, and
 * the flags untouched. */
TEST(IpE2E, JsonOfStopContinueUnbanAgreesWithTheDaemon) {
  struct Case {
    std::vector<std::string> args;
    uint32_t pnn;
    uint32_t before, after;  // the node's flags
    bool changed;
    std::string err;
  };
  const uint32_t kStopped = P::NodeFlags::kStopped, kBanned = P::NodeFlags::kBanned;
  const std::vector<Case> cases = {
      {{"-n", "2", "stop"}, 2, 0, kStopped, true, ""},
      {{"stop"}, 0, kStopped, kStopped, false, "Node 0 is already stopped\n"},
      {{"continue"}, 0, kStopped, 0, true, ""},
      {{"-n", "1", "continue"}, 1, 0, 0, false, "Node 1 is not stopped\n"},
      {{"-n", "1", "unban"}, 1, kBanned, 0, true, ""},
      {{"unban"}, 0, 0, 0, false, "Node 0 is not banned\n"},
      {{"-n", "2", "unban"}, 2, kBanned | kStopped, kStopped, true, ""},
  };
  for (const auto& c : cases) {
    std::vector<std::string> a{"--json"};
    a.insert(a.end(), c.args.begin(), c.args.end());
    uint32_t seen = 0xDEADBEEF;
    RunResult r = runAgainstFake(
        CTDB_TOOL_PATH, a, [&c](FakeDaemon& d) { d.setNodeFlags(c.pnn, c.before); },
        [&c, &seen](FakeDaemon& d) { seen = d.nodeFlags(c.pnn); });
    EXPECT_EQ(r.status, 0) << label(a) << ": " << r.err;
    EXPECT_EQ(r.err, c.err) << label(a);
    EXPECT_EQ(seen, c.after) << label(a) << ": the daemon's flags";
    auto j = JsonReader::parse(r.out);
    ASSERT_TRUE(j.has_value()) << label(a) << " printed no valid JSON: " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << label(a);
    EXPECT_EQ(j->o.size(), 3u) << label(a) << ": " << r.out;  // pnn, changed, leader; no ban_time
    EXPECT_EQ((*j)["pnn"].t, Json::T::Num);
    EXPECT_EQ((*j)["pnn"].n, c.pnn) << label(a);
    EXPECT_EQ((*j)["changed"].t, Json::T::Bool) << label(a);
    EXPECT_EQ((*j)["changed"].b, c.changed) << label(a);
    if (c.changed) {
      EXPECT_EQ((*j)["leader"].n, 0) << label(a) << ": the fake's leader answered the takeover run";
    } else {
      EXPECT_TRUE(j->has("leader") && (*j)["leader"].isNull()) << label(a) << ": " << r.out;
    }
  }
}

/* admin (#7): bad input to the CLI gives one clear line on stderr (or 4.17's
 * usage text) and the exit status 4.17 gives, never a crash or a hang: bad
 * interface names for addip/setifacelink, malformed and out-of-range PNNs,
 * ban times, unknown options and commands. Every case is also run with the
 * stock tool (same status, stdout, stderr and packets) when installed. */
TEST(IpE2E, BadInputGivesOneLineErrors) {
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string err;      // exact stderr
    bool usage = false;   // stdout is the command's usage text
  };
  const std::string long17 = "abcdefghijklmnopq";
  const std::vector<Case> cases = {
      /* setifacelink: the name is looked up in GET_IFACES first */
      {{"setifacelink", long17, "down"}, 1, "Interface name '" + long17 + "' too long\n"},
      {{"setifacelink", "", "down"}, 1, ""},
      {{"setifacelink", "eth/0", "down"}, 1, ""},
      {{"setifacelink", "eth 0", "down"}, 1, ""},
      {{"setifacelink", "eth0", ""}, 1, "", true},
      /* PNNs */
      {{"-n", "99", "ip"}, 1, "Node 99 does not exist\n"},
      {{"-n", "3", "ifaces"}, 1, "Node 3 does not exist\n"},
      {{"-n", "-2", "ip"}, 1, "Node 4294967294 does not exist\n"},
      {{"-n", "abc", "ip"}, 1, "Invalid option abc: invalid numeric value\n"},
      {{"-n", "1x", "ip"}, 1, "Invalid option 1x: invalid numeric value\n"},
      {{"-n", "99999999999", "ip"}, 1, "Invalid option 99999999999: number too large or too small\n"},
      {{"ip", "-n"}, 1, "Invalid option -n: missing argument\n"},
      {{"moveip", "198.19.0.2", "-1"}, 1, "Invalid option -1: unknown option\n"},
      {{"reloadips", "0,abc"}, 1, "Invalid node abc\n"},
      {{"reloadips", "0,99"}, 1, "Node 99 does not exist\n"},
      /* ban times */
      {{"ban", "0"}, 22, "Ban time cannot be zero\n"},
      {{"ban", "30", "x"}, 1, "", true},
      {{"unban", "x"}, 1, "", true},
      {{"stop", "x"}, 1, "", true},
      /* options and commands */
      {{"--bogus", "ip"}, 1, "Invalid option --bogus: unknown option\n"},
      {{"-Z", "ip"}, 1, "Invalid option -Z: unknown option\n"},
      {{"-t", "abc", "ip"}, 1, "Invalid option abc: invalid numeric value\n"},
      {{"bogus"}, 1, "Unknown command 'bogus'\n"},
      {{"ip", "bogus"}, 1, "", true},
      {{""}, 1, "Unknown command ''\n"},
  };
  for (const auto& c : cases) {
    RunResult r = ours(c.args);
    EXPECT_EQ(r.status, c.status) << label(c.args);
    EXPECT_EQ(r.err, c.err) << label(c.args);
    EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << label(c.args);
    if (c.usage) {
      EXPECT_EQ(r.out.rfind("Usage:", 0), 0u) << label(c.args) << ": " << r.out;
    } else if (c.args[0] == "setifacelink" && c.err.empty()) {
      EXPECT_EQ(r.out, "Interface " + c.args[1] + " not configured on node 0\n") << label(c.args);
    } else {
      EXPECT_EQ(r.out, "") << label(c.args);
    }
  }
  /* 4.17 reads an empty or "-1" -n as "this node" (popt gives 0 for "",
   * -1 is its "not given"); ours does the same. */
  for (const std::string pnn : {"", "-1"}) {
    RunResult r = ours({"-n", pnn, "ip"});
    EXPECT_EQ(r.status, 0) << "-n '" << pnn << "'";
    EXPECT_EQ(r.out, kCaptureIp) << "-n '" << pnn << "'";
  }
}

/* Ours, not 4.17: an unparsable ban time is named on stderr; 4.17 exits
 * with smb_strtoul's EINVAL (22) or ERANGE (34) silently. Status and
 * packets are still 4.17's. */
TEST(IpE2E, BanWithAnUnparsableTimeSaysSo) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"abc", 22}, {"", 22}, {"-", 22}, {"99999999999999999999", 34}};
  for (const auto& [t, status] : cases) {
    RunResult o = runAgainstFake(CTDB_TOOL_PATH, {"ban", t}, {},
                                 [](FakeDaemon& d) { EXPECT_EQ(d.nodeFlags(0), 0u); });
    EXPECT_EQ(o.status, status) << "ban '" << t << "'";
    EXPECT_EQ(o.err, "Invalid ban time " + t + "\n");
    EXPECT_EQ(o.out, "");
    if (haveStock()) {
      RunResult s = runAgainstFake("/usr/bin/ctdb", {"ban", t}, {});
      EXPECT_EQ(s.status, status) << "stock ban '" << t << "'";
      EXPECT_EQ(s.err, "") << "stock ban '" << t << "'";
      EXPECT_EQ(o.packets, s.packets) << "ban '" << t << "'";
    }
  }
}

/* Ours, not 4.17: moveip to a PNN that is not in the node map says so in one
 * line at once; 4.17 retries 5 times 3 s apart and prints 11 lines. A PNN
 * that exists but fails is still retried. */
TEST(IpE2E, MoveipToAMissingNodeFailsAtOnce) {
  auto start = std::chrono::steady_clock::now();
  RunResult r = runAgainstFake(CTDB_TOOL_PATH, {"moveip", "198.19.0.2", "99"}, {});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "Node 99 does not exist\n");
  EXPECT_EQ(r.out, "");
  int takes = 0, releases = 0;
  for (const auto& p : r.packets) {
    takes += p.rfind("CONTROL TAKEOVER_IP", 0) == 0;
    releases += p.rfind("CONTROL RELEASE_IP", 0) == 0;
  }
  EXPECT_EQ(takes + releases, 0);
  /* Node 2 exists and refuses: the 4.17 retries (5 x GET_PUBLIC_IPS). */
  start = std::chrono::steady_clock::now();
  RunResult e = runAgainstFake(CTDB_TOOL_PATH, {"moveip", "198.19.0.2", "2"},
                               [](FakeDaemon& d) { d.setControlStatus(P::Opcode::GetPublicIps, -1); });
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("Failed to move IP 198.19.0.2 to node 2\n"), std::string::npos) << e.err;
}

/* Ours, not 4.17: addip refuses interface names no kernel can have (Linux's
 * dev_valid_name) before sending ADD_PUBLIC_IP; 4.17 sends them and, when
 * the daemon refuses, retries 5 times 3 s apart. Valid lists still work. */
TEST(IpE2E, AddipRefusesImpossibleInterfaceNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "Empty interface name in ''\n"},
      {"eth0,", "Empty interface name in 'eth0,'\n"},
      {",eth0", "Empty interface name in ',eth0'\n"},
      {"abcdefghijklmnop", "Interface name 'abcdefghijklmnop' too long\n"},
      {"eth0,abcdefghijklmnopq", "Interface name 'abcdefghijklmnopq' too long\n"},
      {"eth/0", "Invalid interface name 'eth/0'\n"},
      {"eth 0", "Invalid interface name 'eth 0'\n"},
      {"eth0:1", "Invalid interface name 'eth0:1'\n"},
      {"eth\t0", "Invalid interface name 'eth\t0'\n"},
      {"..", "Invalid interface name '..'\n"},
  };
  for (const auto& [iface, msg] : cases) {
    std::vector<std::string> a{"addip", "198.19.1.1/16", iface};
    auto start = std::chrono::steady_clock::now();
    RunResult r = runAgainstFake(CTDB_TOOL_PATH, a, {}, [](FakeDaemon& d) {
      EXPECT_EQ(d.publicIps(0).ips.size(), 6u);  // nothing added
    });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << label(a);
    EXPECT_EQ(r.status, 1) << label(a);
    EXPECT_EQ(r.err, msg) << label(a);
    EXPECT_EQ(r.out, "") << label(a);
    for (const auto& p : r.packets) EXPECT_EQ(p.find("ADD_PUBLIC_IP"), std::string::npos) << label(a);
  }
  /* The longest valid name and a list are sent. */
  for (const std::string iface : {"abcdefghijklmno", "eth0,eth1"}) {
    RunResult r = runAgainstFake(CTDB_TOOL_PATH, {"addip", "198.19.1.1/16", iface}, {});
    EXPECT_EQ(r.status, 0) << iface << ": " << r.err;
    bool sent = false;
    for (const auto& p : r.packets) sent |= p.rfind("CONTROL ADD_PUBLIC_IP", 0) == 0;
    EXPECT_TRUE(sent) << iface;
  }
}
}  // namespace
