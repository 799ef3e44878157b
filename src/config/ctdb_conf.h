/*
 * ctdb.conf parser (ctdb::config): CTDB 4.17's configuration file,
 * CTDB_BASE/ctdb.conf (doc/man/ctdb.conf.5, doc/config-files.md).
 *
 * Owns: the file's syntax and the table of every key CTDB 4.17 defines
 * (section, key, type, default, and whether this daemon uses it). Turns
 * the text into one CtdbConf value; it does not know the command line or
 * the daemon (server/core/daemon_config applies the value under the
 * command line) and does no I/O except reading the named file in
 * loadCtdbConf().
 *
 * Syntax, as 4.17's tini-based reader:
 *   - a line whose first non-blank character is '#' or ';' is a comment
 *     ('#' later in a line is part of the value, as in 4.17);
 *   - "[section]" starts a section; section names match case-insensitively;
 *   - "key = value"; runs of blanks inside a line count as one space, so
 *     "node   address" is "node address"; keys match case-sensitively, as
 *     in 4.17 (a key differing only in case is an error naming the right
 *     spelling);
 *   - a line ending in '\' continues on the next line (errors name the
 *     first line).
 * Types: boolean true/yes/false/no (any case); integer (whole text,
 * decimal/0x hex/leading-0 octal); log levels as ctdbd -d; strings
 * non-empty.
 *
 * Stricter than 4.17 (which ctdbd loads ignoring unknown names): an
 * unknown section, an unknown key in a known section, a key outside any
 * section, a line without '=', text after "]", and an invalid or empty
 * value are errors: Error::context "FILE:LINE: what" (EINVAL). A key 4.17
 * defines that this daemon does not use is accepted (its value is still
 * type-checked) and reported in CtdbConf::notices. "recovery lock" is the
 * deprecated form of "cluster lock": accepted, a notice says so, "cluster
 * lock" wins when both are given. A key given twice: the last one counts
 * (as 4.17), with a notice.
 *
 * Pure functions, no global state.
 */
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::config {

/* A value taken from the file, with the (first) line it was on. */
template <typename T>
struct ConfValue {
  T value{};
  int line = 0;
};

/* [logging] location: where ctdbd logs. */
enum class LogLocationKind { Stderr, File, Syslog };
const char* toString(LogLocationKind k);

struct LogLocation {
  LogLocationKind kind = LogLocationKind::File;
  std::string path;           // File: the file
  std::string syslog_method;  // Syslog: "", "nonblocking", "udp" or "udp-rfc5424"
  /* The form util/logging's setTarget() takes: "stderr", "file:PATH",
   * "syslog" or "syslog:METHOD". */
  std::string toLoggingSpec() const;
};

struct CtdbConf {
  std::string filename;  // as passed to the parser, for messages

  // [logging]
  std::optional<ConfValue<LogLocation>> log_location;
  std::optional<ConfValue<int>> log_level;
  // [cluster]
  std::optional<ConfValue<IpAddress>> node_address;
  /* "cluster lock", else the deprecated "recovery lock". */
  std::optional<ConfValue<std::string>> cluster_lock;
  std::optional<ConfValue<std::chrono::seconds>> leader_timeout;
  std::optional<ConfValue<bool>> leader_capability;
  // [database]
  std::optional<ConfValue<std::string>> state_db_dir;
  // [event]
  /* A bare file name in CTDB_BASE (4.17 drops any directory part). */
  std::optional<ConfValue<std::string>> event_debug_script;
  // [failover]
  std::optional<ConfValue<bool>> failover_disabled;
  // [legacy]
  std::optional<ConfValue<bool>> start_as_disabled;
  std::optional<ConfValue<bool>> start_as_stopped;
  std::optional<ConfValue<int>> script_log_level;

  /* One line each, "FILE:LINE: ...", for the daemon to log at NOTICE:
   * deprecated or unused keys, keys given twice. */
  std::vector<std::string> notices;
};

/* Parses the text of a ctdb.conf; filename is only used in messages. */
Result<CtdbConf> parseCtdbConf(std::string_view text, std::string_view filename);

/* Reads and parses PATH. A missing file is ENOENT (4.17: the file need not
 * exist; the caller decides); any other read error is errno naming PATH. */
Result<CtdbConf> loadCtdbConf(const std::string& path);

/* Every "[section] key" 4.17 defines, in the man page's order, with
 * whether this daemon uses it (for the man page test and --help). */
struct ConfKeyInfo {
  std::string_view section;
  std::string_view key;
  bool is_used;
};
std::vector<ConfKeyInfo> ctdbConfKeys();

}  // namespace ctdb::config
