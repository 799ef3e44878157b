/*
 * Command-line options of our `ctdb` tool (ctdb::tools).
 *
 * Owns the parsing of argv into Options, with CTDB 4.17's (popt) rules: options
 * may appear anywhere before "--" (so `ctdb ip -v` works), short options can be
 * clustered (`-Xv`), values may be attached (`-n1`, `--node=1`) or separate,
 * integer values follow strtol base 0 with popt's error texts. Options added by
 * this project: --socket=PATH and --json.
 *
 * Errors come back as the exact one-line text 4.17 prints on stderr, e.g.
 * "Invalid option -n: missing argument". Pure functions; no global state.
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ctdb/result.h"

namespace ctdb::tools {

struct Options {
  int pnn = -1;                 // -n; -1 = not given (4.17 treats -1 the same)
  int timelimit = 10;           // -t, seconds per control / wait
  int maxruntime = 0;           // -T; 0 = take CTDB_TIMEOUT or 120
  bool machine_readable = false;  // -Y or -X
  bool machine_parsable = false;  // -X
  std::string sep = "|";        // -x
  bool verbose = false;         // -v
  std::optional<std::string> debug;   // -d
  std::optional<std::string> socket;  // --socket (ours)
  bool json = false;            // --json (ours)
  bool help = false;            // -? / --help
  bool brief_usage = false;     // --usage
  std::vector<std::string> args;  // command and its arguments
};

/* Environment lookup, injectable for tests (default: getenv). */
using EnvLookup = std::function<std::optional<std::string>(const char*)>;
EnvLookup processEnv();

/* Parses argv[1..]. The Error's context is the message to print. */
Result<Options> parseOptions(const std::vector<std::string>& argv);

/* Applies CTDB_TIMEOUT (maxruntime default 120) and CTDB_SOCKET
 * (default /run/ctdb/ctdbd.socket). Error: "Invalid value CTDB_TIMEOUT". */
Status applyEnvironment(Options& opts, const EnvLookup& env);

/* popt-compatible integer parse: base 0, leading blanks allowed, nothing
 * trailing; errors "invalid numeric value" / "number too large or too small". */
Result<int> parseIntOption(const std::string& text);

/* The help texts, formatted as popt does for 4.17 plus our two options. */
std::string helpText();        // --help (options only)
std::string briefUsageText();  // --usage / usage(command)

}  // namespace ctdb::tools
