/* Formatting of ip / ip all / ip -v / -X / ipinfo / ifaces against the golden
 * captures (reference/captures/ip*.txt, ifaces.txt), and the 4.17 argument
 * parsers of tools/ip_args.h. */
#include <gtest/gtest.h>

#include "tools/format.h"
#include "tools/ip_args.h"

namespace ctdb::tools {
namespace {

/* The capture cluster seen from node 0: 198.19.0.1-6 hosted by 2,0,1,2,0,1. */
IpView captureIps(bool all) {
  IpView v;
  v.all_nodes = all;
  v.cmd_pnn = 0;
  const int32_t owners[6] = {2, 0, 1, 2, 0, 1};
  for (int i = 0; i < 6; ++i) {
    IpRow r;
    r.address = "198.19.0." + std::to_string(i + 1);
    r.pnn = owners[i];
    r.has_info = true;
    r.active_idx = owners[i] == 0 ? 0 : 0xFFFFFFFF;
    r.ifaces = {{"eth0", 1, 2}};
    v.rows.push_back(r);
  }
  return v;
}

OutputMode human() { return {}; }
OutputMode machine(const std::string& sep = "|") {
  OutputMode m;
  m.machine = true;
  m.sep = sep;
  return m;
}

TEST(FormatIp, IpMatchesCapture) {
  EXPECT_EQ(formatIp(captureIps(false), human(), false),
            "Public IPs on node 0\n198.19.0.1 2\n198.19.0.2 0\n198.19.0.3 1\n"
            "198.19.0.4 2\n198.19.0.5 0\n198.19.0.6 1\n");
}

TEST(FormatIp, IpAllMatchesCapture) {
  EXPECT_EQ(formatIp(captureIps(true), human(), false),
            "Public IPs on ALL nodes\n198.19.0.1 2\n198.19.0.2 0\n198.19.0.3 1\n"
            "198.19.0.4 2\n198.19.0.5 0\n198.19.0.6 1\n");
}

TEST(FormatIp, IpVerboseMatchesCapture) {
  EXPECT_EQ(formatIp(captureIps(false), human(), true),
            "Public IPs on node 0\n"
            "198.19.0.1 node[2] active[] available[eth0] configured[eth0]\n"
            "198.19.0.2 node[0] active[eth0] available[eth0] configured[eth0]\n"
            "198.19.0.3 node[1] active[] available[eth0] configured[eth0]\n"
            "198.19.0.4 node[2] active[] available[eth0] configured[eth0]\n"
            "198.19.0.5 node[0] active[eth0] available[eth0] configured[eth0]\n"
            "198.19.0.6 node[1] active[] available[eth0] configured[eth0]\n");
}

TEST(FormatIp, IpAllMachineMatchesCapture) {
  EXPECT_EQ(formatIp(captureIps(true), machine(), false),
            "|Public IP|Node|\n|198.19.0.1|2|\n|198.19.0.2|0|\n|198.19.0.3|1|\n"
            "|198.19.0.4|2|\n|198.19.0.5|0|\n|198.19.0.6|1|\n");
}

TEST(FormatIp, MachineVerboseSeparatorAndUnknownNode) {
  IpView v = captureIps(true);
  v.rows.resize(2);
  v.rows[0].pnn = -1;
  v.rows[0].has_info = false;  // `ip all` skips ipinfo for unassigned IPs
  v.rows[1].ifaces = {{"eth0", 1, 2}, {"eth1", 0, 0}};
  EXPECT_EQ(formatIp(v, machine(","), true),
            ",Public IP,Node,ActiveInterfaces,AvailableInterfaces,ConfiguredInterfaces,\n"
            ",198.19.0.1,-1,,,,\n"
            ",198.19.0.2,0,eth0,eth0,eth0,eth1,\n");
  EXPECT_EQ(formatIp(v, human(), true),
            "Public IPs on ALL nodes\n"
            "198.19.0.1 node[-1] active[] available[] configured[]\n"
            "198.19.0.2 node[0] active[eth0] available[eth0] configured[eth0,eth1]\n");
}

TEST(FormatIp, IpJson) {
  IpView v = captureIps(false);
  v.rows.resize(2);
  v.rows[0].has_info = false;
  v.rows[0].pnn = -1;
  EXPECT_EQ(formatIpJson(v),
            "{\"all_nodes\":false,\"pnn\":0,\"ips\":["
            "{\"address\":\"198.19.0.1\",\"pnn\":null,\"active_interface\":null,\"interfaces\":null},"
            "{\"address\":\"198.19.0.2\",\"pnn\":0,\"active_interface\":\"eth0\",\"interfaces\":"
            "[{\"name\":\"eth0\",\"link_up\":true,\"references\":2,\"active\":true}]}]}\n");
}

TEST(FormatIp, IpinfoMatchesCapture) {
  IpinfoView v{0, "198.19.0.2", 0, 0, {{"eth0", 1, 2}}};
  EXPECT_EQ(formatIpinfo(v, human()),
            "Public IP[198.19.0.2] info on node 0\n"
            "IP:198.19.0.2\n"
            "CurrentNode:0\n"
            "NumInterfaces:1\n"
            "Interface[1]: Name:eth0 Link:up References:2 (active)\n");
  v.active_idx = 0xFFFFFFFF;
  v.current_node = 0xFFFFFFFF;
  v.ifaces[0].link_state = 0;
  EXPECT_EQ(formatIpinfo(v, human()),
            "Public IP[198.19.0.2] info on node 0\nIP:198.19.0.2\nCurrentNode:4294967295\n"
            "NumInterfaces:1\nInterface[1]: Name:eth0 Link:down References:2\n");
  OutputMode j;
  j.json = true;
  EXPECT_EQ(formatIpinfo(v, j),
            "{\"pnn\":0,\"address\":\"198.19.0.2\",\"current_node\":null,\"interfaces\":"
            "[{\"name\":\"eth0\",\"link_up\":false,\"references\":2,\"active\":false}]}\n");
}

TEST(FormatIp, IfacesMatchesCapture) {
  std::vector<IfaceView> l = {{"eth0", 1, 2}};
  EXPECT_EQ(formatIfaces(0, l, human()), "Interfaces on node 0\nname:eth0 link:up references:2\n");
  EXPECT_EQ(formatIfaces(0, l, machine()), "|Name|LinkStatus|References|\n|eth0|1|2|\n");
  l.push_back({"eth1", 0, 0});
  EXPECT_EQ(formatIfaces(2, l, human()),
            "Interfaces on node 2\nname:eth0 link:up references:2\nname:eth1 link:down references:0\n");
  EXPECT_EQ(formatIfaces(1, {}, human()), "No interfaces configured on node 1\n");
  EXPECT_EQ(formatIfaces(1, {}, machine()), "No interfaces configured on node 1\n");
  OutputMode j;
  j.json = true;
  EXPECT_EQ(formatIfaces(1, {}, j), "{\"pnn\":1,\"interfaces\":[]}\n");
  EXPECT_EQ(formatIfaces(0, {{"eth0", 1, 2}}, j),
            "{\"pnn\":0,\"interfaces\":[{\"name\":\"eth0\",\"link_up\":true,\"references\":2}]}\n");
}

TEST(IpArgs, ParsesAddressesAs417) {
  EXPECT_EQ(parseCtdbIp("198.19.0.1")->toString(), "198.19.0.1");
  EXPECT_EQ(parseCtdbIp("[fd00::1]")->toString(), "fd00::1");
  EXPECT_EQ(parseCtdbIp("::ffff:198.19.0.1")->toString(), "198.19.0.1");
  EXPECT_FALSE(parseCtdbIp("198.19.0.256"));
  EXPECT_FALSE(parseCtdbIp("198.19.0.1/24"));
  EXPECT_FALSE(parseCtdbIp(""));
  EXPECT_FALSE(parseCtdbIp("fd00::1::2"));
}

TEST(IpArgs, ParsesMasksAs417) {
  auto m = parseCtdbIpMask("198.19.1.1/16");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->addr.toString(), "198.19.1.1");
  EXPECT_EQ(m->mask, 16u);
  EXPECT_EQ(parseCtdbIpMask("198.19.1.1/40")->mask, 40u);  // not range-checked
  EXPECT_FALSE(parseCtdbIpMask("198.19.1.1"));
  EXPECT_FALSE(parseCtdbIpMask("198.19.1.1/"));
  EXPECT_FALSE(parseCtdbIpMask("198.19.1.1/1x"));
  EXPECT_FALSE(parseCtdbIpMask("198.19.1.1/-1"));
  EXPECT_FALSE(parseCtdbIpMask("bogus/16"));
}

TEST(IpArgs, StrtoulAndSplitAndOrder) {
  int e = 0;
  EXPECT_EQ(*smbStrtoul("0x10", 0, false, &e), 16u);
  EXPECT_EQ(*smbStrtoul("12abc", 10, false), 12u);
  EXPECT_FALSE(smbStrtoul("12abc", 10, true));
  EXPECT_FALSE(smbStrtoul("-1", 0, false, &e));
  EXPECT_EQ(e, EINVAL);
  EXPECT_FALSE(smbStrtoul("x", 0, false, &e));
  EXPECT_EQ(e, EINVAL);
  EXPECT_FALSE(smbStrtoul("99999999999999999999999", 0, false, &e));
  EXPECT_EQ(e, ERANGE);
  EXPECT_EQ(splitNonEmpty(",0,,2,", ','), (std::vector<std::string>{"0", "2"}));
  EXPECT_TRUE(splitNonEmpty("", ',').empty());
  auto a = *parseCtdbIp("198.19.0.10"), b = *parseCtdbIp("198.19.0.9"), c = *parseCtdbIp("fd00::1");
  EXPECT_TRUE(sockAddrLess(b, a));
  EXPECT_TRUE(sockAddrLess(a, c));
  EXPECT_FALSE(sockAddrLess(c, a));
}

}  // namespace
}  // namespace ctdb::tools
