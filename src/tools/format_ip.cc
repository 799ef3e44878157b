/* Formatting of the public-IP and interface commands (ip, ipinfo, ifaces),
 * texts as CTDB 4.17's tool prints them; JSON schema in doc/json.md. */
#include <cstdio>

#include "tools/format.h"
#include "tools/json.h"

namespace ctdb::tools {

namespace {

constexpr uint32_t kUnknown = 0xFFFFFFFF;

std::string joinNames(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& n : v) {
    if (!s.empty()) s += ',';
    s += n;
  }
  return s;
}

/* 4.17's derivation of the -v columns from one ipinfo answer. */
struct IfaceColumns {
  std::string active, available, configured;
};
IfaceColumns columns(const IpRow& r) {
  IfaceColumns c;
  if (!r.has_info) return c;
  std::vector<std::string> conf, avail;
  for (size_t j = 0; j < r.ifaces.size(); ++j) {
    conf.push_back(r.ifaces[j].name);
    if (r.active_idx == j) c.active = r.ifaces[j].name;
    if (r.ifaces[j].linkUp()) avail.push_back(r.ifaces[j].name);
  }
  c.configured = joinNames(conf);
  c.available = joinNames(avail);
  return c;
}

void pnnOrNull(JsonWriter& w, const char* key, uint32_t pnn) {
  w.key(key);
  if (pnn == kUnknown) w.null();
  else w.value(static_cast<uint64_t>(pnn));
}

void ifacesJson(JsonWriter& w, const std::vector<IfaceView>& ifaces, std::optional<uint32_t> active_idx) {
  w.beginArray();
  for (size_t j = 0; j < ifaces.size(); ++j) {
    const auto& i = ifaces[j];
    w.beginObject().key("name").value(i.name).key("link_up").value(i.linkUp());
    w.key("references").value(static_cast<uint64_t>(i.references));
    if (active_idx) w.key("active").value(*active_idx == j);
    w.endObject();
  }
  w.endArray();
}

}  // namespace

std::string formatIp(const IpView& v, const OutputMode& mode, bool verbose) {
  const std::string& sep = mode.sep;
  std::string s;
  if (mode.machine) {
    s += sep + "Public IP" + sep + "Node" + sep;
    if (verbose)
      s += "ActiveInterfaces" + sep + "AvailableInterfaces" + sep + "ConfiguredInterfaces" + sep + "\n";
    else
      s += "\n";
  } else if (v.all_nodes) {
    s += "Public IPs on ALL nodes\n";
  } else {
    s += "Public IPs on node " + std::to_string(v.cmd_pnn) + "\n";
  }
  for (const auto& r : v.rows) {
    const std::string pnn = std::to_string(r.pnn);
    if (mode.machine) s += sep + r.address + sep + pnn + sep;
    else s += r.address;
    if (!verbose) {
      s += mode.machine ? "\n" : " " + pnn + "\n";
      continue;
    }
    IfaceColumns c = columns(r);
    if (mode.machine)
      s += c.active + sep + c.available + sep + c.configured + sep + "\n";
    else
      s += " node[" + pnn + "] active[" + c.active + "] available[" + c.available + "] configured[" +
           c.configured + "]\n";
  }
  return s;
}

std::string formatIpJson(const IpView& v) {
  JsonWriter w;
  w.beginObject().key("all_nodes").value(v.all_nodes);
  w.key("pnn");
  if (v.all_nodes) w.null();
  else w.value(static_cast<uint64_t>(v.cmd_pnn));
  w.key("ips").beginArray();
  for (const auto& r : v.rows) {
    w.beginObject().key("address").value(r.address);
    pnnOrNull(w, "pnn", static_cast<uint32_t>(r.pnn));
    IfaceColumns c = columns(r);
    w.key("active_interface");
    if (c.active.empty()) w.null();
    else w.value(c.active);
    w.key("interfaces");
    if (!r.has_info) w.null();
    else ifacesJson(w, r.ifaces, r.active_idx);
    w.endObject();
  }
  w.endArray().endObject();
  return w.str() + "\n";
}

std::string formatIpinfo(const IpinfoView& v, const OutputMode& mode) {
  if (mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(v.cmd_pnn)).key("address").value(v.address);
    pnnOrNull(w, "current_node", v.current_node);
    w.key("interfaces");
    ifacesJson(w, v.ifaces, v.active_idx);
    w.endObject();
    return w.str() + "\n";
  }
  std::string s = "Public IP[" + v.address + "] info on node " + std::to_string(v.cmd_pnn) + "\n";
  s += "IP:" + v.address + "\nCurrentNode:" + std::to_string(v.current_node) +
       "\nNumInterfaces:" + std::to_string(v.ifaces.size()) + "\n";
  for (size_t i = 0; i < v.ifaces.size(); ++i) {
    const auto& f = v.ifaces[i];
    s += "Interface[" + std::to_string(i + 1) + "]: Name:" + f.name + " Link:" + (f.linkUp() ? "up" : "down") +
         " References:" + std::to_string(f.references) + (i == v.active_idx ? " (active)" : "") + "\n";
  }
  return s;
}

std::string formatIfaces(uint32_t pnn, const std::vector<IfaceView>& ifaces, const OutputMode& mode) {
  if (mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(pnn)).key("interfaces");
    ifacesJson(w, ifaces, std::nullopt);
    w.endObject();
    return w.str() + "\n";
  }
  if (ifaces.empty()) return "No interfaces configured on node " + std::to_string(pnn) + "\n";
  const std::string& sep = mode.sep;
  std::string s;
  if (mode.machine) s = sep + "Name" + sep + "LinkStatus" + sep + "References" + sep + "\n";
  else s = "Interfaces on node " + std::to_string(pnn) + "\n";
  for (const auto& i : ifaces) {
    if (mode.machine)
      s += sep + i.name + sep + (std::to_string(i.link_state)) + sep + std::to_string(i.references) + sep + "\n";
    else
      s += "name:" + i.name + " link:" + (i.linkUp() ? "up" : "down") +
           " references:" + std::to_string(i.references) + "\n";
  }
  return s;
}

}  // namespace ctdb::tools
