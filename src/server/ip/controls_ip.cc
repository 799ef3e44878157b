/*
 * The public-IP controls (reference ctdb-ip-subsystem.md §3, wire format
 * ctdb-protocol.md §4/§5): payload decoding and validation here, semantics
 * in IpCore. Decoding errors are answered -1 with an error message and never
 * reach IpCore.
 */
#include "server/ip/ip_core.h"

#include <cstring>
#include <sstream>

#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::server {

namespace {

using protocol::Opcode;

void replyStatus(ReplySink& sink, const Status& st) {
  if (st) {
    sink.status(0);
  } else {
    sink.fail(-1, st.error().message());
  }
}

/* IpCore::Done adaptor keeping the move-only sink alive in a shared_ptr. */
IpCore::Done sinkDone(ReplySink sink) {
  auto s = std::make_shared<ReplySink>(std::move(sink));
  return [s](Status st) { replyStatus(*s, st); };
}

std::vector<std::string> splitIfaces(const std::string& list) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(list);
  while (std::getline(in, item, ',')) out.push_back(item);
  if (!list.empty() && list.back() == ',') out.push_back("");
  return out;
}

}  // namespace

Status registerIpControls(ControlDispatcher& d, IpCore& core) {
  auto reg = [&d](Opcode op, ControlHandler h) { return d.registerHandler(op, std::move(h)); };

  if (auto st = reg(Opcode::TakeoverIp, [&core](const ControlRequest& req, ReplySink sink) {
        auto ip = protocol::decode<protocol::PublicIp>(req.data);
        if (!ip) return sink.fail(-1, "TAKEOVER_IP: " + ip.error().message());
        core.takeoverIp(ip->pnn, ip->addr.ip, sinkDone(std::move(sink))).detach();
      }); !st)
    return st;

  if (auto st = reg(Opcode::ReleaseIp, [&core](const ControlRequest& req, ReplySink sink) {
        auto ip = protocol::decode<protocol::PublicIp>(req.data);
        if (!ip) return sink.fail(-1, "RELEASE_IP: " + ip.error().message());
        core.releaseIp(ip->pnn, ip->addr.ip, sinkDone(std::move(sink))).detach();
      }); !st)
    return st;

  if (auto st = reg(Opcode::GetPublicIps, [&core](const ControlRequest& req, ReplySink sink) {
        const bool only_available = (req.flags & protocol::kPublicIpFlagsOnlyAvailable) != 0;
        protocol::PublicIpList list{core.publicIps(only_available)};
        sink.ok(protocol::encode(list));
      }); !st)
    return st;

  if (auto st = reg(Opcode::GetPublicIpInfo, [&core](const ControlRequest& req, ReplySink sink) {
        auto addr = protocol::decode<protocol::SockAddr>(req.data);
        if (!addr) return sink.fail(-1, "GET_PUBLIC_IP_INFO: " + addr.error().message());
        auto info = core.ipInfo(addr->ip);
        if (!info) return sink.status(-1);
        sink.ok(protocol::encode(*info));
      }); !st)
    return st;

  if (auto st = reg(Opcode::GetIfaces, [&core](const ControlRequest&, ReplySink sink) {
        sink.ok(protocol::encode(core.ifaces()));
      }); !st)
    return st;

  if (auto st = reg(Opcode::SetIfaceLinkState, [&core](const ControlRequest& req,
                                                       ReplySink sink) {
        if (req.data.size() != protocol::kIfaceSize)
          return sink.fail(-1, "SET_IFACE_LINK_STATE: payload of " +
                                   std::to_string(req.data.size()) + " bytes, want 24");
        if (memchr(req.data.data(), 0, protocol::kIfaceNameField) == nullptr)
          return sink.fail(-1, "SET_IFACE_LINK_STATE: interface name not terminated");
        auto iface = protocol::decode<protocol::Iface>(req.data);
        if (!iface) return sink.fail(-1, "SET_IFACE_LINK_STATE: " + iface.error().message());
        if (iface->link_state > 1)
          return sink.fail(-1, "SET_IFACE_LINK_STATE: link state " +
                                   std::to_string(iface->link_state) + " is not 0 or 1");
        if (iface->references != 0)
          return sink.fail(-1, "SET_IFACE_LINK_STATE: references must be 0");
        replyStatus(sink, core.setIfaceLink(iface->name, iface->link_state == 1));
      }); !st)
    return st;

  if (auto st = reg(Opcode::AddPublicIp, [&core](const ControlRequest& req, ReplySink sink) {
        auto ai = protocol::decode<protocol::AddrInfo>(req.data);
        if (!ai) return sink.fail(-1, "ADD_PUBLIC_IP: " + ai.error().message());
        if (!ai->iface || ai->iface->empty())
          return sink.fail(-1, "ADD_PUBLIC_IP: no interface given");
        if (ai->mask == 0 || ai->mask > ai->addr.ip.maxPrefix())
          return sink.fail(-1, "ADD_PUBLIC_IP: invalid mask " + std::to_string(ai->mask));
        IpPrefix prefix{ai->addr.ip, ai->mask};
        auto st = core.addIp(prefix, splitIfaces(*ai->iface));
        if (!st) D_ERR("ADD_PUBLIC_IP %s %s: %s\n", prefix.toString().c_str(),
                       ai->iface->c_str(), st.error().message().c_str());
        replyStatus(sink, st);
      }); !st)
    return st;

  if (auto st = reg(Opcode::DelPublicIp, [&core](const ControlRequest& req, ReplySink sink) {
        auto ai = protocol::decode<protocol::AddrInfo>(req.data);
        if (!ai) return sink.fail(-1, "DEL_PUBLIC_IP: " + ai.error().message());
        auto st = core.delIp(ai->addr.ip);
        if (!st) D_ERR("DEL_PUBLIC_IP: %s\n", st.error().message().c_str());
        replyStatus(sink, st);
      }); !st)
    return st;

  if (auto st = reg(Opcode::ReloadPublicIps, [&core](const ControlRequest&, ReplySink sink) {
        core.reload(sinkDone(std::move(sink))).detach();
      }); !st)
    return st;

  if (auto st = reg(Opcode::Ipreallocated, [&core](const ControlRequest&, ReplySink sink) {
        core.ipreallocated(sinkDone(std::move(sink))).detach();
      }); !st)
    return st;

  if (auto st = reg(Opcode::SendGratuitousArp, [&core](const ControlRequest& req,
                                                       ReplySink sink) {
        auto ai = protocol::decode<protocol::AddrInfo>(req.data);
        if (!ai) return sink.fail(-1, "SEND_GRATUITOUS_ARP: " + ai.error().message());
        if (!ai->iface || ai->iface->empty())
          return sink.fail(-1, "SEND_GRATUITOUS_ARP: no interface given");
        replyStatus(sink, core.sendGarp(*ai->iface, ai->addr.ip));
      }); !st)
    return st;

  return {};
}

}  // namespace ctdb::server
