#include "server/core/daemon_options.h"

#include <cstdlib>
#include <functional>
#include <vector>

#include "util/install_paths.h"
#include "util/logging.h"

namespace ctdb::server {
namespace {

/* Working state while parsing; folded into DaemonOptions at the end so that
 * defaults depending on other options (ip_events.d next to events.d) are
 * computed once, after every option was seen. */
struct Draft {
  DaemonOptions opts;
  std::optional<std::string> nodes_file;
  std::optional<std::string> socket_path;
  std::optional<std::string> event_script_dir;
  std::optional<std::string> ip_event_script_dir;
  std::optional<std::string> state_dir;
  bool start_disabled = false;
  bool start_stopped = false;
  bool show_help = false;
  bool logging_given = false;
  bool debug_given = false;
  bool script_log_level_given = false;
};

using Setter = std::function<Status(Draft&, const std::string&)>;

struct OptionSpec {
  std::string_view long_name;  // without "--"
  char short_name;             // 0 = none
  bool takes_value;
  std::string_view value_name;
  std::string_view help;
  Setter set;
};

Status nonEmpty(std::string_view name, const std::string& v) {
  if (v.empty()) return makeError("option '--" + std::string(name) + "' needs a non-empty value");
  return {};
}

Setter storeString(std::optional<std::string> Draft::*field, std::string_view name) {
  return [field, name](Draft& d, const std::string& v) -> Status {
    if (auto st = nonEmpty(name, v); !st) return st;
    d.*field = v;
    return {};
  };
}

Setter storeOptString(std::optional<std::string> DaemonOptions::*field, std::string_view name) {
  return [field, name](Draft& d, const std::string& v) -> Status {
    if (auto st = nonEmpty(name, v); !st) return st;
    d.opts.*field = v;
    return {};
  };
}

const std::vector<OptionSpec>& optionTable() {
  static const std::vector<OptionSpec> table = {
      {"nlist", 0, true, "FILE", "nodes file (one private address per line; line = PNN)",
       storeString(&Draft::nodes_file, "nlist")},
      {"public-addresses", 0, true, "FILE", "public addresses file (IP/BITS IFACE[,IFACE...]; default $CTDB_BASE/public_addresses if present)",
       storeOptString(&DaemonOptions::public_addresses_file, "public-addresses")},
      {"socket", 0, true, "PATH", "unix control socket (default $CTDB_SOCKET or /run/ctdb/ctdbd.socket)",
       storeString(&Draft::socket_path, "socket")},
      {"event-script-dir", 0, true, "DIR", "events.d directory (default $CTDB_BASE/events.d; its parent is CTDB_BASE when that is unset)",
       storeString(&Draft::event_script_dir, "event-script-dir")},
      {"ip-event-script-dir", 0, true, "DIR", "ip_events.d directory (default: sibling of events.d)",
       storeString(&Draft::ip_event_script_dir, "ip-event-script-dir")},
      {"dbdir-state", 0, true, "DIR", "persistent per-node state directory",
       storeString(&Draft::state_dir, "dbdir-state")},
      {"reclock", 0, true, "LOCK", "cluster lock: file path or '!HELPER ARGS'",
       storeOptString(&DaemonOptions::reclock, "reclock")},
      {"listen", 0, true, "ADDR", "this node's address in the nodes file",
       [](Draft& d, const std::string& v) -> Status {
         auto a = IpAddress::parse(v);
         if (!a) return makeError("option '--listen': invalid address '" + v + "'");
         d.opts.listen_address = *a;
         return {};
       }},
      {"tunables-file", 0, true, "FILE", "Name=Value tunables file (default $CTDB_BASE/ctdb.tunables if present)",
       storeOptString(&DaemonOptions::tunables_file, "tunables-file")},
      {"interactive", 'i', false, "", "stay in the foreground",
       [](Draft& d, const std::string&) -> Status {
         d.opts.is_interactive = true;
         return {};
       }},
      {"logging", 0, true, "SPEC", "file:PATH, stderr or syslog (default [logging] location, else file:/var/log/log.ctdb; stderr with -i)",
       [](Draft& d, const std::string& v) -> Status {
         if (log::isTargetSpec(v)) {
           d.opts.logging = v;
           d.logging_given = true;
           return {};
         }
         return makeError("option '--logging': invalid target '" + v + "' (use file:PATH, stderr or syslog[:METHOD])");
       }},
      {"pidfile", 0, true, "FILE", "write the daemon's pid here (locked while running)",
       storeOptString(&DaemonOptions::pidfile, "pidfile")},
      {"start-as-disabled", 0, false, "", "start with this node disabled",
       [](Draft& d, const std::string&) -> Status {
         d.start_disabled = true;
         return {};
       }},
      {"start-as-stopped", 0, false, "", "start with this node stopped",
       [](Draft& d, const std::string&) -> Status {
         d.start_stopped = true;
         return {};
       }},
      {"debug", 'd', true, "LEVEL", "debug level: ERR, WARNING, NOTICE, INFO, DEBUG or a number",
       [](Draft& d, const std::string& v) -> Status {
         auto l = log::levelFromString(v);
         if (!l) return makeError("option '--debug': invalid debug level '" + v + "'");
         d.opts.debug_level = *l;
         d.debug_given = true;
         return {};
       }},
      {"script-log-level", 0, true, "LEVEL", "level of the failed-event line with the script's output (default ERROR)",
       [](Draft& d, const std::string& v) -> Status {
         auto l = log::levelFromString(v);
         if (!l) return makeError("option '--script-log-level': invalid debug level '" + v + "'");
         d.opts.script_log_level = *l;
         d.script_log_level_given = true;
         return {};
       }},
      {"no-recmaster", 0, false, "", "this node never becomes the cluster leader",
       [](Draft& d, const std::string&) -> Status {
         d.opts.has_leader_capability = false;
         return {};
       }},
      {"transport", 0, true, "tcp", "node transport (only tcp)",
       [](Draft&, const std::string& v) -> Status {
         if (v == "tcp") return {};
         return makeError("option '--transport': unsupported transport '" + v + "' (only tcp)");
       }},
      {"help", '?', false, "", "show this help",
       [](Draft& d, const std::string&) -> Status {
         d.show_help = true;
         return {};
       }},
  };
  return table;
}

const OptionSpec* findLong(std::string_view name) {
  for (const auto& o : optionTable())
    if (o.long_name == name) return &o;
  return nullptr;
}

const OptionSpec* findShort(char c) {
  for (const auto& o : optionTable())
    if (o.short_name == c) return &o;
  return nullptr;
}

std::string parentDir(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace

const char* toString(StartState s) {
  switch (s) {
    case StartState::Normal: return "normal";
    case StartState::Disabled: return "disabled";
    case StartState::Stopped: return "stopped";
    case StartState::DisabledAndStopped: return "disabled+stopped";
  }
  return "?";
}

const char* toString(CtdbBaseSource s) {
  switch (s) {
    case CtdbBaseSource::Environment: return "environment variable CTDB_BASE";
    case CtdbBaseSource::EventScriptDir: return "parent of --event-script-dir";
    case CtdbBaseSource::BuiltIn: return "built-in default";
  }
  return "?";
}

OptionEnvironment OptionEnvironment::fromProcess() {
  OptionEnvironment env;
  env.default_ctdb_base = processDefaultCtdbBase();
  if (const char* s = std::getenv("CTDB_SOCKET"); s && *s) env.ctdb_socket = s;
  if (const char* b = std::getenv("CTDB_BASE"); b && *b) env.ctdb_base = b;
  return env;
}

Result<ParsedCommandLine> parseDaemonOptions(std::span<const char* const> args,
                                             const OptionEnvironment& env) {
  Draft d;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string arg = args[i] ? args[i] : "";
    const OptionSpec* spec = nullptr;
    std::optional<std::string> value;
    std::string shown;  // how the option is named in messages

    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string body = arg.substr(2);
      auto eq = body.find('=');
      std::string name = body.substr(0, eq);
      if (eq != std::string::npos) value = body.substr(eq + 1);
      spec = findLong(name);
      shown = "--" + name;
      if (!spec) return makeError("unknown option '" + shown + "'");
      if (!spec->takes_value && value)
        return makeError("option '" + shown + "' takes no value");
    } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
      spec = findShort(arg[1]);
      shown = arg.substr(0, 2);
      if (!spec) return makeError("unknown option '" + shown + "'");
      if (arg.size() > 2) {
        if (!spec->takes_value) return makeError("option '" + shown + "' takes no value");
        value = arg.substr(2);
      }
    } else {
      return makeError("unexpected argument '" + arg + "'");
    }

    if (spec->takes_value && !value) {
      if (i + 1 >= args.size() || args[i + 1] == nullptr)
        return makeError("option '" + shown + "' needs a value");
      value = args[++i];
    }
    if (auto st = spec->set(d, value.value_or("")); !st) return st.error();
  }

  ParsedCommandLine out;
  if (d.show_help) {
    out.action = ParseAction::ShowHelp;
    return out;
  }

  DaemonOptions& o = d.opts;
  if (env.ctdb_base) {
    o.ctdb_base = *env.ctdb_base;
    o.ctdb_base_source = CtdbBaseSource::Environment;
  } else if (d.event_script_dir) {
    o.ctdb_base = parentDir(*d.event_script_dir);
    o.ctdb_base_source = CtdbBaseSource::EventScriptDir;
  } else {
    o.ctdb_base = env.default_ctdb_base;
    o.ctdb_base_source = CtdbBaseSource::BuiltIn;
  }
  const std::string& base = o.ctdb_base;
  o.nodes_file = d.nodes_file.value_or(base + "/nodes");
  o.socket_path = d.socket_path ? *d.socket_path
                                : env.ctdb_socket.value_or(std::string(kDefaultSocketPath));
  o.event_script_dir = d.event_script_dir.value_or(base + "/events.d");
  o.ip_event_script_dir =
      d.ip_event_script_dir.value_or(parentDir(o.event_script_dir) + "/ip_events.d");
  o.state_dir = d.state_dir.value_or(std::string(kDefaultStateDir));
  // CTDB 4.17's ctdbd -i logs to stderr whatever ctdb.conf says.
  if (o.is_interactive && !d.logging_given) o.logging = "stderr";
  auto mark = [&o](CliSetting s, bool given) {
    if (given) o.from_command_line |= static_cast<unsigned>(s);
  };
  mark(CliSetting::Logging, d.logging_given || o.is_interactive);
  mark(CliSetting::DebugLevel, d.debug_given);
  mark(CliSetting::Listen, o.listen_address.has_value());
  mark(CliSetting::Reclock, o.reclock.has_value());
  mark(CliSetting::StateDir, d.state_dir.has_value());
  mark(CliSetting::ScriptLogLevel, d.script_log_level_given);
  mark(CliSetting::LeaderCapability, !o.has_leader_capability);
  if (d.start_disabled && d.start_stopped)
    o.start_state = StartState::DisabledAndStopped;
  else if (d.start_disabled)
    o.start_state = StartState::Disabled;
  else if (d.start_stopped)
    o.start_state = StartState::Stopped;
  out.options = std::move(o);
  return out;
}

std::string daemonUsage(std::string_view program) {
  std::string s = "Usage: " + std::string(program) + " [OPTION...]\n";
  for (const auto& o : optionTable()) {
    std::string left = "  ";
    if (o.short_name) {
      left += '-';
      left += o.short_name;
      left += ", ";
    } else {
      left += "    ";
    }
    left += "--" + std::string(o.long_name);
    if (o.takes_value) left += "=" + std::string(o.value_name);
    if (left.size() < 34) left.resize(34, ' ');
    else left += "  ";
    s += left + std::string(o.help) + "\n";
  }
  s += "\n$CTDB_BASE/ctdb.conf (CTDB 4.17's configuration file, ctdb.conf(5)) is read at\n"
       "start-up; the command line wins over it.\n";
  return s;
}

}  // namespace ctdb::server
