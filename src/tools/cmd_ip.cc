/* Command handlers for the public-IP commands: ip, ipinfo, ifaces,
 * setifacelink, addip, delip, reloadips, gratarp, moveip. Control sequences,
 * messages and exit codes follow CTDB 4.17's tool (reference
 * ctdb-protocol.md 7.4-7.16); --json output is documented in doc/json.md. */
#include <algorithm>
#include <cstring>
#include <map>

#include "tools/ip_args.h"
#include "tools/json.h"
#include "tools/tool_context.h"

namespace ctdb::tools {

using protocol::Opcode;
namespace NF = protocol::NodeFlags;

namespace {

constexpr int kAddMoveRetries = 5;
constexpr std::chrono::seconds kRetryPause{3};

int fail(const Error& e) {
  err(e.context + "\n");
  return errorExit(e);
}

std::string pnnText(uint32_t pnn) { return std::to_string(pnn); }

/* 4.17's list_of_nodes(): PNNs in node-map order without `mask` flags. */
std::vector<uint32_t> nodesWithout(const protocol::NodeMap& nm, uint32_t mask, uint32_t exclude) {
  std::vector<uint32_t> v;
  for (const auto& n : nm.nodes)
    if (!(n.flags & mask) && n.pnn != exclude) v.push_back(n.pnn);
  return v;
}

std::vector<IfaceView> ifaceViews(const protocol::IfaceList& l) {
  std::vector<IfaceView> v;
  for (const auto& i : l.ifaces) v.push_back({i.name, i.link_state, i.references});
  return v;
}

/* 4.17's get_all_public_ips(): a node's own claim wins; an IP only seen as
 * hosted elsewhere is "unknown" (-1) until its host claims it. */
Result<std::vector<protocol::PublicIp>> allPublicIps(ToolContext& ctx) {
  const protocol::NodeMap* nm = getNodemap(ctx, false);
  if (nm == nullptr) return errnoError(1, "");
  auto pnns = nodesWithout(*nm, NF::kInactive, protocol::kUnknownPnn);
  if (pnns.empty()) return errnoError(1, "");
  std::map<IpAddress, protocol::PublicIp> merged;
  for (uint32_t pnn : pnns) {
    auto ips = ctx.client->getPublicIps(pnn);
    if (!ips) {
      err(ips.error().context + "\n");
      return errnoError(1, "");
    }
    for (const auto& ip : ips->ips) {
      if (ip.pnn == pnn) {
        merged[ip.addr.ip] = ip;
      } else if (!merged.count(ip.addr.ip)) {
        protocol::PublicIp unknown = ip;
        unknown.pnn = protocol::kUnknownPnn;
        merged[ip.addr.ip] = unknown;
      }
    }
  }
  std::vector<protocol::PublicIp> v;
  for (auto& [k, ip] : merged) v.push_back(ip);
  return v;
}

bool knows(const protocol::PublicIpList& l, const IpAddress& ip, uint32_t* host = nullptr) {
  for (const auto& p : l.ips)
    if (p.addr.ip == ip) {
      if (host) *host = p.pnn;
      return true;
    }
  return false;
}

void jsonOut(JsonWriter& w) { out(w.str() + "\n"); }

/* 4.17's disable_takeover_runs() as the stock tool really behaves: its wait
 * returns ETIMEDOUT, which it compares against ETIME, so nodes that do not
 * answer within -t are silently taken as having answered. Only a negative
 * answer (or a send failure) fails. */
Status disableRuns(ToolContext& ctx, const std::vector<uint32_t>& pnns, uint32_t timeout_s) {
  auto st = ctx.client->disableTakeoverRuns(pnns, timeout_s);
  if (!st && st.error().errnoValue() == ETIME) return {};
  return st;
}


/* GET_PUBLIC_IPS to pnn; on failure prints 4.17's two lines (the control's
 * error and "Failed to get Public IPs from node N") and returns the error. */
Result<protocol::PublicIpList> publicIpsOrReport(ToolContext& ctx, uint32_t pnn) {
  auto ips = ctx.client->getPublicIps(pnn);
  if (!ips) {
    err(ips.error().context + "\n");
    err("Failed to get Public IPs from node " + pnnText(pnn) + "\n");
  }
  return ips;
}

}  // namespace

int cmdIp(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1) usageExit("ip");
  bool all = false;
  if (args.size() == 1) {
    if (args[0] != "all") usageExit("ip");
    all = true;
  }
  std::vector<protocol::PublicIp> ips;
  if (all) {
    auto r = allPublicIps(ctx);
    if (!r) return errorExit(r.error());
    ips = std::move(*r);
  } else {
    auto r = ctx.client->getPublicIps(ctx.cmd_pnn);
    if (!r) return fail(r.error());
    ips = std::move(r->ips);
  }
  std::stable_sort(ips.begin(), ips.end(), [](const protocol::PublicIp& a, const protocol::PublicIp& b) {
    return sockAddrLess(a.addr.ip, b.addr.ip);
  });
  IpView view;
  view.all_nodes = all;
  view.cmd_pnn = ctx.cmd_pnn;
  for (const auto& ip : ips) {
    IpRow row;
    row.address = ip.addr.ip.toString();
    row.pnn = static_cast<int32_t>(ip.pnn);
    uint32_t ask = all ? ip.pnn : ctx.cmd_pnn;
    if (ask != protocol::kUnknownPnn) {
      auto info = ctx.client->getPublicIpInfo(ask, ip.addr.ip);
      if (!info) return fail(info.error());
      row.has_info = true;
      row.active_idx = info->active_idx;
      row.ifaces = ifaceViews(info->ifaces);
    }
    view.rows.push_back(std::move(row));
  }
  out(ctx.mode.json ? formatIpJson(view) : formatIp(view, ctx.mode, ctx.opts.verbose));
  return 0;
}

int cmdIpinfo(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) usageExit("ipinfo");
  auto ip = parseCtdbIp(args[0]);
  if (!ip) {
    err("Invalid IP address " + args[0] + "\n");
    return 1;
  }
  auto info = ctx.client->getPublicIpInfo(ctx.cmd_pnn, *ip);
  if (!info) {
    err(info.error().context + "\n");
    int ret = errorExit(info.error());
    if (info.error().code.value() == -1)
      out("Node " + pnnText(ctx.cmd_pnn) + " does not know about IP " + args[0] + "\n");
    return ret;
  }
  IpinfoView v;
  v.cmd_pnn = ctx.cmd_pnn;
  v.address = info->ip.addr.ip.toString();
  v.current_node = info->ip.pnn;
  v.active_idx = info->active_idx;
  v.ifaces = ifaceViews(info->ifaces);
  out(formatIpinfo(v, ctx.mode));
  return 0;
}

int cmdIfaces(ToolContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) usageExit("ifaces");
  auto l = ctx.client->getIfaces(ctx.cmd_pnn);
  if (!l) return fail(l.error());
  out(formatIfaces(ctx.cmd_pnn, ifaceViews(*l), ctx.mode));
  return 0;
}

int cmdSetifacelink(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) usageExit("setifacelink");
  if (args[0].size() > protocol::kIfaceNameMax) {
    err("Interface name '" + args[0] + "' too long\n");
    return 1;
  }
  auto l = ctx.client->getIfaces(ctx.cmd_pnn);
  if (!l) {
    err(l.error().context + "\n");
    err("Failed to get interface information from node " + pnnText(ctx.cmd_pnn) + "\n");
    return errorExit(l.error());
  }
  std::optional<protocol::Iface> iface;
  for (const auto& i : l->ifaces)
    if (i.name == args[0]) {
      iface = i;
      break;
    }
  if (!iface) {
    out("Interface " + args[0] + " not configured on node " + pnnText(ctx.cmd_pnn) + "\n");
    return 1;
  }
  if (args[1] == "up") iface->link_state = 1;
  else if (args[1] == "down") iface->link_state = 0;
  else usageExit("setifacelink");
  iface->references = 0;
  auto r = ctx.client->controlOk(ctx.cmd_pnn, Opcode::SetIfaceLinkState, protocol::encode(*iface));
  if (!r) return fail(r.error());
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(ctx.cmd_pnn)).key("interface").value(iface->name);
    w.key("link_up").value(iface->link_state != 0).endObject();
    jsonOut(w);
  }
  return 0;
}

int cmdAddip(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) usageExit("addip");
  auto pm = parseCtdbIpMask(args[0]);
  if (!pm) {
    err("Invalid IP/Mask " + args[0] + "\n");
    return 1;
  }
  /* Ours: a name no kernel can have is refused here, not after 5 refusals
   * 3 s apart by the daemon (4.17 sends it anyway). */
  if (auto bad = ifaceListError(args[1])) {
    err(*bad);
    return 1;
  }
  auto ips = publicIpsOrReport(ctx, ctx.cmd_pnn);
  if (!ips) return 1;
  auto report = [&](bool added) {
    if (!ctx.mode.json) return;
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(ctx.cmd_pnn));
    w.key("address").value(pm->addr.toString()).key("mask").value(static_cast<uint64_t>(pm->mask));
    w.key("interface").value(args[1]).key("added").value(added).endObject();
    jsonOut(w);
  };
  if (knows(*ips, pm->addr)) {
    err("Node already knows about IP " + pm->addr.toString() + "\n");
    report(false);
    return 0;
  }
  protocol::AddrInfo ai{protocol::SockAddr{pm->addr, 0}, pm->mask, args[1]};
  Result<protocol::ReplyControl> r = errnoError(EIO, "");
  for (int i = 0; i < kAddMoveRetries; ++i) {
    r = ctx.client->controlOk(ctx.cmd_pnn, Opcode::AddPublicIp, protocol::encode(ai));
    if (r) break;
    err(r.error().context + "\n");
    ctx.client->runUntil([] { return false; }, kRetryPause);
  }
  if (!r) {
    err("Failed to add public IP to node " + pnnText(ctx.cmd_pnn) + ". Giving up\n");
    return errorExit(r.error());
  }
  if (auto st = ctx.client->sendMessage(protocol::kBroadcastConnected, protocol::kSrvidRebalanceNode,
                                        protocol::encodeU32(ctx.cmd_pnn));
      !st) {
    err("Failed to ask leader to distribute IPs\n");
    return errorExit(st.error());
  }
  report(true);
  return 0;
}

int cmdDelip(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) usageExit("delip");
  auto ip = parseCtdbIp(args[0]);
  if (!ip) {
    err("Invalid IP address " + args[0] + "\n");
    return 1;
  }
  auto ips = publicIpsOrReport(ctx, ctx.cmd_pnn);
  if (!ips) return 1;
  uint32_t host = protocol::kUnknownPnn;
  auto report = [&](bool deleted, bool pending) {
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(ctx.cmd_pnn)).key("address").value(ip->toString());
    w.key("deleted").value(deleted).key("release_pending").value(pending).endObject();
    jsonOut(w);
  };
  if (!knows(*ips, *ip, &host)) {
    err("Node does not know about IP address " + ip->toString() + "\n");
    if (ctx.mode.json) report(false, false);
    return 0;
  }
  protocol::AddrInfo ai{protocol::SockAddr{*ip, 0}, 0, std::nullopt};
  auto r = ctx.client->controlOk(ctx.cmd_pnn, Opcode::DelPublicIp, protocol::encode(ai));
  if (!r) {
    err(r.error().context + "\n");
    err("Failed to delete public IP from node " + pnnText(ctx.cmd_pnn) + "\n");
    return errorExit(r.error());
  }
  /* Ours only: the daemon defers deleting an IP it hosts to the next
   * takeover run, which `delip` (like 4.17) does not start. */
  bool pending = host == ctx.cmd_pnn;
  if (ctx.mode.json) report(true, pending);
  else if (pending)
    out("IP " + ip->toString() + " will be released at the next takeover run (ctdb ipreallocate)\n");
  return 0;
}

int cmdReloadips(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1) usageExit("reloadips");
  const protocol::NodeMap* nm = getNodemap(ctx, false);
  if (nm == nullptr) return 1;
  /* 4.17's parse_nodestring(). */
  std::vector<protocol::NodeAndFlags> selected;
  if (args.empty()) {
    for (const auto& n : nm->nodes)
      if (n.pnn == ctx.cmd_pnn) {
        selected.push_back(n);
        break;
      }
  } else if (args[0] == "all") {
    selected = nm->nodes;
  } else {
    for (const auto& tok : splitNonEmpty(args[0], ',')) {
      auto pnn = smbStrtoul(tok, 0, false);
      if (!pnn) {
        err("Invalid node " + tok + "\n");
        return 1;
      }
      uint32_t p = static_cast<uint32_t>(*pnn);
      auto it = std::find_if(nm->nodes.begin(), nm->nodes.end(),
                             [p](const protocol::NodeAndFlags& n) { return n.pnn == p; });
      if (it == nm->nodes.end()) {
        err("Node " + pnnText(p) + " does not exist\n");
        return 1;
      }
      selected.push_back(*it);
    }
  }
  auto connected = nodesWithout(*nm, NF::kDisconnected, protocol::kUnknownPnn);
  std::vector<uint32_t> reload;
  for (const auto& n : selected)
    if (!(n.flags & NF::kInactive)) reload.push_back(n.pnn);
  if (connected.empty() || reload.empty()) {
    err("Memory allocation error\n");
    return 1;
  }
  uint32_t disable_s = 2 * static_cast<uint32_t>(ctx.opts.timelimit);
  if (auto st = disableRuns(ctx, connected, disable_s); !st) {
    err("Failed to disable takeover runs\n");
    return errorExit(st.error());
  }
  /* As 4.17's ctdb_client_control_multi: all in parallel, wait for all;
   * ours also remembers which nodes failed (--json "failed_nodes"; the
   * daemon's log names the file and line). */
  std::vector<uint32_t> failed_nodes;
  {
    auto& conn = ctx.client->connection();
    size_t done = 0;
    std::vector<bool> failed(reload.size(), true);
    std::vector<PendingOp> ops;
    for (size_t i = 0; i < reload.size(); ++i) {
      client::ControlRequest req;
      req.destnode = reload[i];
      req.opcode = Opcode::ReloadPublicIps;
      req.timeout = ctx.client->timeout();
      ops.push_back(conn.control(std::move(req), [&done, &failed, i](Result<protocol::ReplyControl> r) {
        ++done;
        failed[i] = !r || r->status != 0;
      }));
    }
    auto guard = ctx.client->timeout().count() > 0 ? ctx.client->timeout() + std::chrono::seconds(5)
                                                   : std::chrono::milliseconds(std::chrono::hours(24));
    ctx.client->runUntil([&]() { return done == reload.size(); }, guard);
    ops.clear();  // an unanswered control stays failed (failed[i] preset)
    for (size_t i = 0; i < reload.size(); ++i)
      if (failed[i]) failed_nodes.push_back(reload[i]);
  }
  bool reload_failed = !failed_nodes.empty();
  if (reload_failed) err("Failed to reload IPs on some nodes.\n");
  if (auto st = disableRuns(ctx, connected, 0); !st) {
    err("Failed to enable takeover runs\n");
    return errorExit(st.error());
  }
  uint32_t leader = protocol::kUnknownPnn;
  if (int ret = runTakeoverRun(ctx, &leader); ret != 0) return ret;
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("nodes").beginArray();
    for (uint32_t p : reload) w.value(static_cast<uint64_t>(p));
    w.endArray().key("reload_failed").value(reload_failed).key("failed_nodes").beginArray();
    for (uint32_t p : failed_nodes) w.value(static_cast<uint64_t>(p));
    w.endArray();
    w.key("leader").value(static_cast<uint64_t>(leader)).endObject();
    jsonOut(w);
  }
  return 0;
}

int cmdGratarp(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) usageExit("gratarp");
  auto ip = parseCtdbIp(args[0]);
  if (!ip) {
    err("Invalid IP address " + args[0] + "\n");
    return 1;
  }
  protocol::AddrInfo ai{protocol::SockAddr{*ip, 0}, 0, args[1]};
  auto r = ctx.client->controlOk(ctx.cmd_pnn, Opcode::SendGratuitousArp, protocol::encode(ai));
  if (!r) {
    err(r.error().context + "\n");
    err("Unable to send gratuitous arp from node " + pnnText(ctx.cmd_pnn) + "\n");
    return errorExit(r.error());
  }
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(ctx.cmd_pnn)).key("address").value(ip->toString());
    w.key("interface").value(args[1]).endObject();
    jsonOut(w);
  }
  return 0;
}

namespace {

/* One attempt of 4.17's moveip(); 0 or the failure's return value. */
constexpr int kNoSuchNode = -1000;

int moveIpOnce(ToolContext& ctx, const IpAddress& ip, uint32_t pnn) {
  if (auto st = ctx.client->sendMessage(protocol::kBroadcastConnected, protocol::kSrvidDisableIpCheck,
                                        protocol::encodeU32(2 * static_cast<uint32_t>(ctx.opts.timelimit)));
      !st) {
    err("Failed to disable IP check\n");
    return errorExit(st.error());
  }
  auto ips = ctx.client->getPublicIps(pnn);
  if (!ips) {
    /* Ours: a PNN missing from the node map is reported in one line and
     * not retried (4.17 retries 5 times, 3 s apart, printing 11 lines). */
    if (const protocol::NodeMap* nm = getNodemap(ctx, true); nm != nullptr) {
      bool exists = false;
      for (const auto& n : nm->nodes) exists |= n.pnn == pnn && !(n.flags & NF::kDeleted);
      if (!exists) {
        err("Node " + pnnText(pnn) + " does not exist\n");
        return kNoSuchNode;
      }
    }
    err(ips.error().context + "\n");
    err("Failed to get Public IPs from node " + pnnText(pnn) + "\n");
    return errorExit(ips.error());
  }
  if (!knows(*ips, ip)) {
    err("Node " + pnnText(pnn) + " CANNOT host IP address " + ip.toString() + "\n");
    return 1;
  }
  const protocol::NodeMap* nm = getNodemap(ctx, false);
  if (nm == nullptr) return 1;
  auto others = nodesWithout(*nm, NF::kInactive, pnn);
  if (others.empty()) {
    err("Memory allocation error\n");
    return 1;
  }
  protocol::PublicIp pub{pnn, protocol::SockAddr{ip, 0}};
  if (auto st = ctx.client->controlMulti(others, Opcode::ReleaseIp, protocol::encode(pub)); !st) {
    err("Failed to release IP on nodes\n");
    return errorExit(st.error());
  }
  auto r = ctx.client->controlOk(pnn, Opcode::TakeoverIp, protocol::encode(pub));
  if (!r) {
    err(r.error().context + "\n");
    err("Failed to takeover IP on node " + pnnText(pnn) + "\n");
    return errorExit(r.error());
  }
  return 0;
}

}  // namespace

int cmdMoveip(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) usageExit("moveip");
  auto ip = parseCtdbIp(args[0]);
  if (!ip) {
    err("Invalid IP address " + args[0] + "\n");
    return 1;
  }
  auto pnn = smbStrtoul(args[1], 10, false);
  if (!pnn || static_cast<uint32_t>(*pnn) == protocol::kUnknownPnn) {
    err("Invalid PNN " + args[1] + "\n");
    return 1;
  }
  uint32_t target = static_cast<uint32_t>(*pnn);
  int ret = 0;
  for (int i = 0; i < kAddMoveRetries; ++i) {
    ret = moveIpOnce(ctx, *ip, target);
    if (ret == 0) break;
    if (ret == kNoSuchNode) return 1;
    ctx.client->runUntil([] { return false; }, kRetryPause);
  }
  if (ret != 0) {
    err("Failed to move IP " + args[0] + " to node " + pnnText(target) + "\n");
    return ret;
  }
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("address").value(ip->toString()).key("pnn").value(static_cast<uint64_t>(target));
    w.endObject();
    jsonOut(w);
  }
  return 0;
}

}  // namespace ctdb::tools
