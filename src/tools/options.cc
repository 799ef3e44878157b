#include "tools/options.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace ctdb::tools {

namespace {

enum class Kind { Flag, Int, String };

struct OptSpec {
  char short_name;           // 0 = none
  const char* long_name;     // nullptr = none
  Kind kind;
};

const OptSpec kSpecs[] = {
    {'?', "help", Kind::Flag},   {0, "usage", Kind::Flag},
    {'d', "debug", Kind::String}, {'t', "timelimit", Kind::Int},
    {'n', "node", Kind::Int},    {'Y', nullptr, Kind::Flag},
    {'x', "separator", Kind::String}, {'X', nullptr, Kind::Flag},
    {'v', "verbose", Kind::Flag}, {'T', "maxruntime", Kind::Int},
    {0, "socket", Kind::String}, {0, "json", Kind::Flag},
};

const OptSpec* findShort(char c) {
  for (const auto& s : kSpecs)
    if (s.short_name == c) return &s;
  return nullptr;
}

const OptSpec* findLong(const std::string& name) {
  for (const auto& s : kSpecs)
    if (s.long_name != nullptr && name == s.long_name) return &s;
  return nullptr;
}

Error optError(const std::string& what, const char* why) {
  return makeError("Invalid option " + what + ": " + why);
}

Status apply(Options& o, const OptSpec& s, const std::string& value) {
  if (s.kind == Kind::Int) {
    auto v = parseIntOption(value);
    if (!v) return optError(value, v.error().context.c_str());
    switch (s.short_name) {
      case 't': o.timelimit = *v; break;
      case 'n': o.pnn = *v; break;
      case 'T': o.maxruntime = *v; break;
      default: break;
    }
    return {};
  }
  if (s.kind == Kind::String) {
    if (s.short_name == 'd') o.debug = value;
    else if (s.short_name == 'x') o.sep = value;
    else o.socket = value;  // --socket
    return {};
  }
  switch (s.short_name) {
    case '?': o.help = true; break;
    case 'Y': o.machine_readable = true; break;
    case 'X': o.machine_parsable = true; break;
    case 'v': o.verbose = true; break;
    default:
      if (std::string(s.long_name) == "usage") o.brief_usage = true;
      else o.json = true;  // --json
  }
  return {};
}

}  // namespace

EnvLookup processEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<int> parseIntOption(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(begin, &end, 0);
  if (*end != '\0') return makeError("invalid numeric value");
  if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
    return makeError("number too large or too small");
  return static_cast<int>(v);
}

Result<Options> parseOptions(const std::vector<std::string>& argv) {
  Options o;
  bool only_args = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_args || a.size() < 2 || a[0] != '-') {
      o.args.push_back(a);
      continue;
    }
    if (a == "--") {
      only_args = true;
      continue;
    }
    if (a[1] == '-') {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const OptSpec* s = findLong(name);
      if (s == nullptr) return optError(a, "unknown option");
      if (s->kind == Kind::Flag) {
        if (value) return optError(a, "option does not take an argument");
        if (auto st = apply(o, *s, ""); !st) return st.error();
        continue;
      }
      if (!value) {
        if (i + 1 >= argv.size()) return optError(a, "missing argument");
        value = argv[++i];
      }
      if (auto st = apply(o, *s, *value); !st) return st.error();
      continue;
    }
    /* Cluster of short options: "-Xv", "-n1", "-x,". */
    for (size_t j = 1; j < a.size(); ++j) {
      const OptSpec* s = findShort(a[j]);
      if (s == nullptr) return optError(std::string("-") + a[j], "unknown option");
      if (s->kind == Kind::Flag) {
        if (auto st = apply(o, *s, ""); !st) return st.error();
        continue;
      }
      std::string value;
      if (j + 1 < a.size()) {
        value = a.substr(j + 1);
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return optError(std::string("-") + a[j], "missing argument");
      }
      if (auto st = apply(o, *s, value); !st) return st.error();
      break;
    }
  }
  if (o.machine_parsable) o.machine_readable = true;
  return o;
}

Status applyEnvironment(Options& opts, const EnvLookup& env) {
  if (opts.maxruntime == 0) {
    if (auto t = env("CTDB_TIMEOUT")) {
      char* end = nullptr;
      errno = 0;
      unsigned long v = std::strtoul(t->c_str(), &end, 0);
      if (t->empty() || *end != '\0' || errno != 0 || v > INT_MAX)
        return makeError("Invalid value CTDB_TIMEOUT");
      opts.maxruntime = static_cast<int>(v);
    } else {
      opts.maxruntime = 120;
    }
  }
  if (!opts.socket) {
    if (auto s = env("CTDB_SOCKET")) opts.socket = *s;
    else opts.socket = "/run/ctdb/ctdbd.socket";
  }
  return {};
}

std::string helpText() {
  return "Usage: [OPTION...]\n"
         "  -d, --debug=STRING       debug level\n"
         "  -t, --timelimit=INT      timelimit (in seconds)\n"
         "  -n, --node=INT           node specification - integer\n"
         "  -Y                       enable machine readable output\n"
         "  -x, --separator=CHAR     specify separator for machine readable output\n"
         "  -X                       enable machine parsable output with separator |\n"
         "  -v, --verbose            enable verbose output\n"
         "  -T, --maxruntime=INT     die if runtime exceeds this limit (in seconds)\n"
         "      --socket=PATH        ctdbd socket (default: $CTDB_SOCKET or\n"
         "                           /run/ctdb/ctdbd.socket)\n"
         "      --json               JSON output (see doc/json.md)\n"
         "\n"
         "Help options:\n"
         "  -?, --help               Show this help message\n"
         "      --usage              Display brief usage message\n";
}

std::string briefUsageText() {
  return "Usage: [-?YXv] [-?|--help] [--usage] [-d|--debug=STRING]\n"
         "        [-t|--timelimit=INT] [-n|--node=INT] [-Y] [-x|--separator=CHAR]\n"
         "        [-X] [-v|--verbose] [-T|--maxruntime=INT] [--socket=PATH]\n"
         "        [--json]\n";
}

}  // namespace ctdb::tools
