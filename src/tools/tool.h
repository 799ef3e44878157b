/*
 * The `ctdb` tool's driver (ctdb::tools): option handling, the command
 * table and the command handlers, mirroring CTDB 4.17's tools/ctdb.c in
 * behaviour (every message text, exit code and control sequence) but not in
 * code.
 *
 * Each command is one table row: name, handler, whether it runs without the
 * daemon, whether -n may name another node, usage strings. Handlers fetch
 * data through client::SyncClient and print through tools/format.h, so the
 * IP commands are added in the same shape.
 *
 * runTool() writes to stdout/stderr and returns the exit status; it may call
 * exit(1) for usage errors (as 4.17 does). Single-threaded.
 */
#pragma once

#include <string>
#include <vector>

#include "tools/options.h"

namespace ctdb::tools {

/* The full usage text: help + "Commands:" table. */
std::string fullUsageText();
/* Usage for one command (brief usage + its line). */
std::string commandUsageText(const std::string& command);

/* Entry point: argv as given to main(), env lookup for CTDB_* variables. */
int runTool(const std::vector<std::string>& argv, const EnvLookup& env);

}  // namespace ctdb::tools
