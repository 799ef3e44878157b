/*
 * Process-wide logging with CTDB's debug levels.
 *
 * Levels (CTDB's numbers): ERR 0, WARNING 1, NOTICE 3, INFO 5, DEBUG 10. A
 * line is written when its level <= the current level. Targets: stderr, a
 * file (--logging=file:PATH / --logging=stderr) or syslog(3) (facility
 * daemon; CTDB 4.17's syslog:nonblocking, syslog:udp and
 * syslog:udp-rfc5424 are accepted and also use syslog(3)). Each line
 * carries a timestamp, the program name and pid, like ctdbd's log.
 *
 * Not thread-safe by design: the daemon is single-threaded (tevent loop).
 */
#pragma once

#include <string>
#include <string_view>

#include "ctdb/result.h"

namespace ctdb::log {

enum class Level : int { Err = 0, Warning = 1, Notice = 3, Info = 5, Debug = 10 };

/* CTDB's names: 0 "ERROR", 1-2 "WARNING", 3-4 "NOTICE", 5-9 "INFO",
 * 10 "DEBUG"; any other number gives "UNKNOWN" (never nullptr). */
const char* levelToString(int level);
/* Accepts a number 0..10, or a case-insensitive prefix of a level name as
 * CTDB does ("err", "ERR", "e" -> 0; "NOT" -> 3). Empty text is an error. */
Result<int> levelFromString(std::string_view text);

void setLevel(int level);
int level();
inline bool enabled(Level l) { return static_cast<int>(l) <= level(); }

/* "stderr", "file:PATH", "syslog" or "syslog:METHOD". Error names the
 * bad spec or the file. */
Status setTarget(std::string_view spec);
/* Whether setTarget() would accept the form of spec (opens nothing). */
bool isTargetSpec(std::string_view spec);
void setProgramName(std::string_view name);

void write(Level l, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace ctdb::log

#define D_ERR(...) ::ctdb::log::write(::ctdb::log::Level::Err, __VA_ARGS__)
#define D_WARNING(...)                                                    \
  do {                                                                    \
    if (::ctdb::log::enabled(::ctdb::log::Level::Warning))                \
      ::ctdb::log::write(::ctdb::log::Level::Warning, __VA_ARGS__);       \
  } while (0)
#define D_NOTICE(...)                                                     \
  do {                                                                    \
    if (::ctdb::log::enabled(::ctdb::log::Level::Notice))                 \
      ::ctdb::log::write(::ctdb::log::Level::Notice, __VA_ARGS__);        \
  } while (0)
#define D_INFO(...)                                                       \
  do {                                                                    \
    if (::ctdb::log::enabled(::ctdb::log::Level::Info))                   \
      ::ctdb::log::write(::ctdb::log::Level::Info, __VA_ARGS__);          \
  } while (0)
#define D_DEBUG(...)                                                      \
  do {                                                                    \
    if (::ctdb::log::enabled(::ctdb::log::Level::Debug))                  \
      ::ctdb::log::write(::ctdb::log::Level::Debug, __VA_ARGS__);         \
  } while (0)
