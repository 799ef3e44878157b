#include "config/ctdb_conf.h"

#include <strings.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>
#include <map>

#include "config/text_lines.h"
#include "util/logging.h"

namespace ctdb::config {
namespace {

/* What this daemon does with a key 4.17 defines. */
enum class KeyUse { Used, Deprecated, Unused };

enum class ValueType { String, Boolean, Integer, LogLevel, LogLocation, Address, Transport };

using Store = std::function<void(CtdbConf&, std::string_view raw, int line)>;

struct KeySpec {
  std::string_view section;
  std::string_view key;
  ValueType type;
  KeyUse use;
  Store store;  // called with a value already checked against `type`
};

constexpr std::string_view kSections[] = {"logging", "cluster", "database",
                                          "event",   "failover", "legacy"};

bool parseBoolean(std::string_view v, bool& out) {
  std::string s(v);
  if (strcasecmp(s.c_str(), "true") == 0 || strcasecmp(s.c_str(), "yes") == 0) {
    out = true;
    return true;
  }
  if (strcasecmp(s.c_str(), "false") == 0 || strcasecmp(s.c_str(), "no") == 0) {
    out = false;
    return true;
  }
  return false;
}

bool parsePositiveInt(std::string_view v, int& out) {
  std::string s(v);
  if (s.empty() || s[0] == '-' || s[0] == '+') return false;
  errno = 0;
  char* end = nullptr;
  long t = std::strtol(s.c_str(), &end, 0);
  if (errno != 0 || end == nullptr || *end != '\0' || t <= 0 || t > INT_MAX) return false;
  out = static_cast<int>(t);
  return true;
}

std::optional<LogLocation> parseLocation(std::string_view v) {
  LogLocation loc;
  constexpr std::string_view kFile = "file:", kSyslog = "syslog";
  if (v.substr(0, kFile.size()) == kFile) {
    std::string_view path = v.substr(kFile.size());
    if (path.empty() || path == "-") {
      loc.kind = LogLocationKind::Stderr;
    } else {
      loc.kind = LogLocationKind::File;
      loc.path = std::string(path);
    }
    return loc;
  }
  if (v.substr(0, kSyslog.size()) == kSyslog) {
    std::string_view rest = v.substr(kSyslog.size());
    if (!rest.empty() && rest[0] != ':') return std::nullopt;
    if (!rest.empty()) rest.remove_prefix(1);
    if (rest != "" && rest != "nonblocking" && rest != "udp" && rest != "udp-rfc5424")
      return std::nullopt;
    loc.kind = LogLocationKind::Syslog;
    loc.syslog_method = std::string(rest);
    return loc;
  }
  return std::nullopt;
}

std::string_view expected(ValueType t) {
  switch (t) {
    case ValueType::String: return "a non-empty string";
    case ValueType::Boolean: return "true, false, yes or no";
    case ValueType::Integer: return "a whole number > 0";
    case ValueType::LogLevel: return "ERROR, WARNING, NOTICE, INFO, DEBUG or 0..10";
    case ValueType::LogLocation: return "file:PATH or syslog[:nonblocking|udp|udp-rfc5424]";
    case ValueType::Address: return "an IPv4 or IPv6 address";
    case ValueType::Transport: return "tcp, the only transport supported";
  }
  return "?";
}

bool valid(ValueType t, std::string_view v) {
  bool b = false;
  int i = 0;
  switch (t) {
    case ValueType::String: return !v.empty();
    case ValueType::Boolean: return parseBoolean(v, b);
    case ValueType::Integer: return parsePositiveInt(v, i);
    case ValueType::LogLevel: return static_cast<bool>(log::levelFromString(v));
    case ValueType::LogLocation: return parseLocation(v).has_value();
    case ValueType::Address: return static_cast<bool>(detail::parseCtdbAddress(v));
    case ValueType::Transport: return v == "tcp";
  }
  return false;
}

template <typename T>
ConfValue<T> at(T v, int line) {
  return ConfValue<T>{std::move(v), line};
}

Store storeBool(std::optional<ConfValue<bool>> CtdbConf::*field) {
  return [field](CtdbConf& c, std::string_view raw, int line) {
    bool b = false;
    parseBoolean(raw, b);
    c.*field = at(b, line);
  };
}

Store storeString(std::optional<ConfValue<std::string>> CtdbConf::*field) {
  return [field](CtdbConf& c, std::string_view raw, int line) {
    c.*field = at(std::string(raw), line);
  };
}

Store storeLevel(std::optional<ConfValue<int>> CtdbConf::*field) {
  return [field](CtdbConf& c, std::string_view raw, int line) {
    c.*field = at(*log::levelFromString(raw), line);
  };
}

void storeNothing(CtdbConf&, std::string_view, int) {}

/* The one table of 4.17's keys (samba-4.17.12 ctdb/common/logging_conf.c,
 * cluster/cluster_conf.c, database/database_conf.c, event/event_conf.c,
 * failover/failover_conf.c, server/legacy_conf.c), man page order. */
const std::vector<KeySpec>& keyTable() {
  static const std::vector<KeySpec> table = {
      {"logging", "log level", ValueType::LogLevel, KeyUse::Used, storeLevel(&CtdbConf::log_level)},
      {"logging", "location", ValueType::LogLocation, KeyUse::Used,
       [](CtdbConf& c, std::string_view raw, int line) {
         c.log_location = at(*parseLocation(raw), line);
       }},
      {"cluster", "cluster lock", ValueType::String, KeyUse::Used,
       storeString(&CtdbConf::cluster_lock)},
      {"cluster", "leader capability", ValueType::Boolean, KeyUse::Used,
       storeBool(&CtdbConf::leader_capability)},
      {"cluster", "leader timeout", ValueType::Integer, KeyUse::Used,
       [](CtdbConf& c, std::string_view raw, int line) {
         int s = 0;
         parsePositiveInt(raw, s);
         c.leader_timeout = at(std::chrono::seconds(s), line);
       }},
      {"cluster", "node address", ValueType::Address, KeyUse::Used,
       [](CtdbConf& c, std::string_view raw, int line) {
         c.node_address = at(*detail::parseCtdbAddress(raw), line);
       }},
      // Stored by the caller after the whole file (cluster lock wins).
      {"cluster", "recovery lock", ValueType::String, KeyUse::Deprecated, storeNothing},
      {"cluster", "transport", ValueType::Transport, KeyUse::Used, storeNothing},
      {"database", "volatile database directory", ValueType::String, KeyUse::Unused, storeNothing},
      {"database", "persistent database directory", ValueType::String, KeyUse::Unused, storeNothing},
      {"database", "state database directory", ValueType::String, KeyUse::Used,
       storeString(&CtdbConf::state_db_dir)},
      {"database", "tdb mutexes", ValueType::Boolean, KeyUse::Unused, storeNothing},
      {"database", "lock debug script", ValueType::String, KeyUse::Unused, storeNothing},
      {"event", "debug script", ValueType::String, KeyUse::Used,
       [](CtdbConf& c, std::string_view raw, int line) {
         auto slash = raw.rfind('/');
         c.event_debug_script =
             at(std::string(slash == std::string_view::npos ? raw : raw.substr(slash + 1)), line);
       }},
      {"failover", "disabled", ValueType::Boolean, KeyUse::Used, storeBool(&CtdbConf::failover_disabled)},
      {"legacy", "start as stopped", ValueType::Boolean, KeyUse::Used, storeBool(&CtdbConf::start_as_stopped)},
      {"legacy", "start as disabled", ValueType::Boolean, KeyUse::Used,
       storeBool(&CtdbConf::start_as_disabled)},
      {"legacy", "realtime scheduling", ValueType::Boolean, KeyUse::Unused, storeNothing},
      {"legacy", "lmaster capability", ValueType::Boolean, KeyUse::Unused, storeNothing},
      {"legacy", "script log level", ValueType::LogLevel, KeyUse::Used,
       storeLevel(&CtdbConf::script_log_level)},
  };
  return table;
}

/* One logical line: continuation joined, blank runs collapsed to one
 * space, leading/trailing blanks removed; `line` is its first line. */
struct LogicalLine {
  int line = 0;
  std::string text;
};

std::string collapse(std::string_view raw) {
  std::string out;
  for (char ch : raw) {
    bool blank = detail::isBlank(ch);
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : ch;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<LogicalLine> logicalLines(std::string_view text) {
  std::vector<LogicalLine> out;
  std::optional<LogicalLine> cur;  // raw text joined so far
  detail::forEachLine(text, [&](int no, std::string_view raw) {
    if (!cur) {
      std::string_view t = detail::trim(raw);
      if (t.empty() || t[0] == '#' || t[0] == ';') return true;
      cur = LogicalLine{no, {}};
    }
    std::string_view r = raw;
    while (!r.empty() && detail::isBlank(r.back())) r.remove_suffix(1);
    if (!r.empty() && r.back() == '\\') {  // continues on the next line
      r.remove_suffix(1);
      cur->text += r;
      return true;
    }
    cur->text += raw;
    cur->text = collapse(cur->text);
    if (!cur->text.empty()) out.push_back(std::move(*cur));
    cur.reset();
    return true;
  });
  if (cur) {
    cur->text = collapse(cur->text);
    if (!cur->text.empty()) out.push_back(std::move(*cur));
  }
  return out;
}

std::string_view canonicalSection(std::string_view name) {
  for (std::string_view s : kSections)
    if (s.size() == name.size() && strncasecmp(s.data(), name.data(), s.size()) == 0) return s;
  return {};
}

}  // namespace

const char* toString(LogLocationKind k) {
  switch (k) {
    case LogLocationKind::Stderr: return "stderr";
    case LogLocationKind::File: return "file";
    case LogLocationKind::Syslog: return "syslog";
  }
  return "?";
}

std::string LogLocation::toLoggingSpec() const {
  switch (kind) {
    case LogLocationKind::Stderr: return "stderr";
    case LogLocationKind::File: return "file:" + path;
    case LogLocationKind::Syslog: return syslog_method.empty() ? "syslog" : "syslog:" + syslog_method;
  }
  return "stderr";
}

Result<CtdbConf> parseCtdbConf(std::string_view text, std::string_view filename) {
  CtdbConf conf;
  conf.filename = std::string(filename);
  std::string_view section;  // canonical name; empty = before any section
  std::map<std::string, int> seen;  // "section/key" -> line
  std::optional<ConfValue<std::string>> recovery_lock;
  auto where = [&](int line) { return detail::where(filename, line); };

  for (const LogicalLine& l : logicalLines(text)) {
    const std::string& t = l.text;
    if (t[0] == '[') {
      auto close = t.find(']');
      if (close == std::string::npos) return makeError(where(l.line) + "missing ']' in '" + t + "'");
      std::string_view after = detail::trim(std::string_view(t).substr(close + 1));
      if (!after.empty())
        return makeError(where(l.line) + "unexpected text '" + std::string(after) + "' after '" +
                         t.substr(0, close + 1) + "'");
      std::string_view name = detail::trim(std::string_view(t).substr(1, close - 1));
      section = canonicalSection(name);
      if (section.empty())
        return makeError(where(l.line) + "unknown section [" + std::string(name) +
                         "] (CTDB 4.17 has [logging], [cluster], [database], [event], "
                         "[failover] and [legacy])");
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string::npos)
      return makeError(where(l.line) + "missing '=' in '" + t + "' (expected KEY = VALUE)");
    std::string key(detail::trim(std::string_view(t).substr(0, eq)));
    std::string value(detail::trim(std::string_view(t).substr(eq + 1)));
    if (key.empty()) return makeError(where(l.line) + "missing key before '=' in '" + t + "'");
    if (section.empty())
      return makeError(where(l.line) + "key '" + key + "' before any [section]");

    const KeySpec* spec = nullptr;
    const KeySpec* other_case = nullptr;
    for (const auto& k : keyTable()) {
      if (k.section != section) continue;
      if (k.key == key) spec = &k;
      else if (k.key.size() == key.size() && strncasecmp(k.key.data(), key.data(), key.size()) == 0)
        other_case = &k;
    }
    std::string name = "[" + std::string(section) + "] " + key;
    if (!spec) {
      std::string msg = where(l.line) + "unknown key '" + key + "' in [" + std::string(section) + "]";
      if (other_case) msg += " (keys are case-sensitive: '" + std::string(other_case->key) + "')";
      return makeError(msg);
    }
    if (value.empty()) return makeError(where(l.line) + "empty value for " + name);
    if (!valid(spec->type, value)) {
      std::string msg = where(l.line) + "invalid value '" + value + "' for " + name + " (expected " +
                        std::string(expected(spec->type)) + ")";
      if (value.find('#') != std::string::npos)
        msg += "; '#' starts a comment only at the beginning of a line";
      return makeError(msg);
    }
    std::string id = std::string(section) + "/" + key;
    if (auto it = seen.find(id); it != seen.end())
      conf.notices.push_back(where(l.line) + name + " given again (first at line " +
                             std::to_string(it->second) + "); this line's value is used");
    seen[id] = l.line;

    switch (spec->use) {
      case KeyUse::Used: break;
      case KeyUse::Deprecated:
        recovery_lock = ConfValue<std::string>{value, l.line};
        break;
      case KeyUse::Unused:
        conf.notices.push_back(where(l.line) + name +
                               " is a CTDB 4.17 key this daemon does not use; ignored");
        break;
    }
    spec->store(conf, value, l.line);
  }

  if (recovery_lock) {
    std::string msg = where(recovery_lock->line) +
                      "[cluster] recovery lock is deprecated, use [cluster] cluster lock";
    if (conf.cluster_lock)
      msg += "; ignored: [cluster] cluster lock (line " + std::to_string(conf.cluster_lock->line) +
             ") is set";
    else
      conf.cluster_lock = recovery_lock;
    conf.notices.push_back(msg);
  }
  return conf;
}

Result<CtdbConf> loadCtdbConf(const std::string& path) {
  auto text = detail::readFile(path);
  if (!text) return text.error();
  return parseCtdbConf(*text, path);
}

std::vector<ConfKeyInfo> ctdbConfKeys() {
  std::vector<ConfKeyInfo> out;
  for (const auto& k : keyTable()) out.push_back({k.section, k.key, k.use != KeyUse::Unused});
  return out;
}

}  // namespace ctdb::config
