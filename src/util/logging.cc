#include "util/logging.h"

#include <strings.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace ctdb::log {
namespace {

int g_level = static_cast<int>(Level::Notice);
FILE* g_out = nullptr;  // nullptr = stderr (unless g_syslog)
bool g_syslog = false;  // lines go to syslog(3)
std::string g_prog = "ctdb";

int syslogPriority(Level l) {
  switch (l) {
    case Level::Err: return LOG_ERR;
    case Level::Warning: return LOG_WARNING;
    case Level::Notice: return LOG_NOTICE;
    case Level::Info: return LOG_INFO;
    case Level::Debug: return LOG_DEBUG;
  }
  return LOG_NOTICE;
}

constexpr std::string_view kSyslogMethods[] = {"nonblocking", "udp", "udp-rfc5424"};

struct LevelName {
  int level;
  const char* name;
};
/* CTDB prints the in-between numeric levels with the name of the level
 * below them (2 is WARNING, 4 NOTICE, 6..9 INFO). Parsing uses the first
 * entry whose name starts with the given text, so 0 wins for "E". */
constexpr LevelName kLevels[] = {
    {0, "ERROR"}, {1, "WARNING"}, {2, "WARNING"}, {3, "NOTICE"}, {4, "NOTICE"}, {5, "INFO"},
    {6, "INFO"},  {7, "INFO"},    {8, "INFO"},    {9, "INFO"},   {10, "DEBUG"},
};

}  // namespace

const char* levelToString(int level) {
  for (const auto& l : kLevels)
    if (l.level == level) return l.name;
  return "UNKNOWN";
}

Result<int> levelFromString(std::string_view text) {
  std::string s(text);
  if (!s.empty() && s[0] >= '0' && s[0] <= '9') {
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (end && *end == '\0' && v >= 0 && v <= 10) return static_cast<int>(v);
  } else if (!s.empty()) {
    for (const auto& l : kLevels)
      if (strncasecmp(l.name, s.c_str(), s.size()) == 0) return l.level;
  }
  return makeError("invalid debug level '" + s + "'");
}

void setLevel(int l) { g_level = l; }
int level() { return g_level; }

static bool isSyslogSpec(std::string_view spec) {
  if (spec == "syslog" || spec == "syslog:") return true;
  for (std::string_view m : kSyslogMethods)
    if (spec.size() == 7 + m.size() && spec.substr(0, 7) == "syslog:" && spec.substr(7) == m) return true;
  return false;
}

bool isTargetSpec(std::string_view spec) {
  return spec == "stderr" || spec == "stderr:" || isSyslogSpec(spec) ||
         (spec.substr(0, 5) == "file:" && spec.size() > 5);
}

Status setTarget(std::string_view spec) {
  if (spec == "stderr" || spec == "stderr:") {
    if (g_out) fclose(g_out);
    g_out = nullptr;
    if (g_syslog) closelog();
    g_syslog = false;
    return {};
  }
  if (isSyslogSpec(spec)) {
    if (g_out) fclose(g_out);
    g_out = nullptr;
    static std::string ident;  // openlog keeps the pointer
    ident = g_prog;
    openlog(ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
    g_syslog = true;
    return {};
  }
  constexpr std::string_view kFile = "file:";
  if (spec.substr(0, kFile.size()) == kFile) {
    std::string path(spec.substr(kFile.size()));
    if (path.empty()) return makeError("--logging=file: needs a path");
    FILE* f = fopen(path.c_str(), "ae");
    if (!f) return errnoError(errno, "cannot open log file " + path);
    setvbuf(f, nullptr, _IOLBF, 0);
    if (g_out) fclose(g_out);
    g_out = f;
    if (g_syslog) closelog();
    g_syslog = false;
    return {};
  }
  return makeError("invalid logging target '" + std::string(spec) +
                   "' (use stderr, file:PATH or syslog[:METHOD])");
}

void setProgramName(std::string_view name) { g_prog = std::string(name); }

void write(Level l, const char* fmt, ...) {
  if (static_cast<int>(l) > g_level) return;
  if (g_syslog) {  // syslog adds time, name and pid itself
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = strlen(msg);
    if (len > 0 && msg[len - 1] == '\n') msg[len - 1] = '\0';
    syslog(syslogPriority(l), "%s", msg);
    return;
  }
  FILE* out = g_out ? g_out : stderr;
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char ts[64];
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  char line[4096];
  int n = snprintf(line, sizeof(line), "%s.%06ld %s[%d]: ", ts,
                   static_cast<long>(tv.tv_usec), g_prog.c_str(), getpid());
  va_list ap;
  va_start(ap, fmt);
  if (n > 0 && static_cast<size_t>(n) < sizeof(line))
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
  va_end(ap);
  size_t len = strlen(line);
  if (len == 0 || line[len - 1] != '\n') {
    if (len + 1 < sizeof(line)) {
      line[len] = '\n';
      line[len + 1] = '\0';
    } else {
      line[sizeof(line) - 2] = '\n';
    }
  }
  fputs(line, out);
  fflush(out);
}

}  // namespace ctdb::log
