#include "server/core/daemon_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/logging.h"

namespace ctdb::server {
namespace {

bool isFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/* Collects the log lines and applies one setting unless the command line
 * gave it. */
class Applier {
 public:
  Applier(const config::CtdbConf& conf, DaemonOptions& opts) : conf_(conf), opts_(opts) {}

  std::string where(int line) const { return conf_.filename + ":" + std::to_string(line) + ": "; }

  template <typename T, typename Fn>
  void set(const std::optional<config::ConfValue<T>>& v, CliSetting s, const char* key,
           const char* option, Fn&& store) {
    if (!v) return;
    if (opts_.isFromCommandLine(s)) {
      lines.push_back(where(v->line) + key + " overridden by the command line (" + option + ")");
      return;
    }
    store(v->value);
  }

  const config::CtdbConf& conf_;
  DaemonOptions& opts_;
  std::vector<std::string> lines;
};

}  // namespace

std::string ctdbConfPath(const DaemonOptions& opts) { return opts.ctdb_base + "/ctdb.conf"; }

Result<std::vector<std::string>> applyCtdbConf(const config::CtdbConf& conf, DaemonOptions& opts) {
  Applier a(conf, opts);
  a.lines = conf.notices;

  a.set(conf.log_location, CliSetting::Logging, "[logging] location",
        opts.is_interactive ? "-i logs to stderr" : "--logging",
        [&](const config::LogLocation& l) { opts.logging = l.toLoggingSpec(); });
  a.set(conf.log_level, CliSetting::DebugLevel, "[logging] log level", "-d",
        [&](int l) { opts.debug_level = l; });
  a.set(conf.node_address, CliSetting::Listen, "[cluster] node address", "--listen",
        [&](const IpAddress& ip) { opts.listen_address = ip; });
  a.set(conf.cluster_lock, CliSetting::Reclock, "[cluster] cluster lock", "--reclock",
        [&](const std::string& l) { opts.reclock = l; });
  a.set(conf.state_db_dir, CliSetting::StateDir, "[database] state database directory",
        "--dbdir-state", [&](const std::string& d) { opts.state_dir = d; });

  a.set(conf.script_log_level, CliSetting::ScriptLogLevel, "[legacy] script log level",
        "--script-log-level", [&](int l) { opts.script_log_level = l; });
  a.set(conf.leader_capability, CliSetting::LeaderCapability, "[cluster] leader capability",
        "--no-recmaster", [&](bool b) { opts.has_leader_capability = b; });
  if (conf.leader_timeout) opts.leader_timeout = conf.leader_timeout->value;
  if (conf.failover_disabled) opts.is_failover_disabled = conf.failover_disabled->value;

  bool disabled = opts.start_state == StartState::Disabled ||
                  opts.start_state == StartState::DisabledAndStopped;
  bool stopped = opts.start_state == StartState::Stopped ||
                 opts.start_state == StartState::DisabledAndStopped;
  if (conf.start_as_disabled && conf.start_as_disabled->value) disabled = true;
  if (conf.start_as_stopped && conf.start_as_stopped->value) stopped = true;
  opts.start_state = disabled && stopped ? StartState::DisabledAndStopped
                     : disabled          ? StartState::Disabled
                     : stopped           ? StartState::Stopped
                                         : StartState::Normal;

  if (const auto& ds = conf.event_debug_script) {
    // 4.17 (event_conf.c): a file in CTDB_BASE, regular and executable.
    std::string path = opts.ctdb_base + "/" + ds->value;
    struct stat st;
    std::string bad;
    if (::stat(path.c_str(), &st) != 0) bad = "does not exist";
    else if (!S_ISREG(st.st_mode)) bad = "is not a file";
    else if ((st.st_mode & S_IXUSR) == 0) bad = "is not executable";
    if (!bad.empty())
      return makeError(a.where(ds->line) + "[event] debug script " + path + " " + bad);
    opts.event_debug_script = path;
    a.lines.push_back(a.where(ds->line) + "[event] debug script " + path +
                      " accepted; this daemon does not run a debug script when an event times out");
  }
  return std::move(a.lines);
}

Result<std::vector<std::string>> loadCtdbConfInto(DaemonOptions& opts) {
  std::string path = ctdbConfPath(opts);
  auto conf = config::loadCtdbConf(path);
  if (!conf) {
    if (conf.error().code.value() == ENOENT)
      return std::vector<std::string>{"no " + path + ", using the built-in defaults"};
    return conf.error();
  }
  auto lines = applyCtdbConf(*conf, opts);
  if (!lines) return lines.error();
  lines->insert(lines->begin(), "read configuration file " + path);
  return lines;
}

std::vector<std::string> useCtdbBaseFiles(DaemonOptions& opts) {
  std::vector<std::string> lines;
  if (!opts.public_addresses_file) {
    std::string p = opts.ctdb_base + "/public_addresses";
    if (isFile(p)) opts.public_addresses_file = p;
    else lines.push_back("no " + p + ": this node has no public addresses");
  }
  if (!opts.tunables_file) {
    std::string p = opts.ctdb_base + "/ctdb.tunables";
    if (isFile(p)) opts.tunables_file = p;
  }
  return lines;
}

}  // namespace ctdb::server
