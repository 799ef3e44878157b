/*
 * ctdbd's configuration beyond the command line: CTDB 4.17's ctdb.conf and
 * the files 4.17 finds in CTDB_BASE (doc/man/ctdb.conf.5,
 * doc/config-files.md "ctdb.conf").
 *
 * Owns the precedence rule: command line, then CTDB_BASE/ctdb.conf, then
 * the built-in default. applyCtdbConf() changes a DaemonOptions only where
 * the command line did not give the setting (DaemonOptions::
 * from_command_line); the start-as flags are additive (ctdb.conf can add
 * DISABLED/STOPPED, the command line cannot take them away, as it has no
 * option for that). It returns the lines to log once logging is set up:
 * the parser's notices, every ctdb.conf setting the command line
 * overrides, and what 4.17 keys are accepted without effect.
 *
 * File checks (the [event] debug script must exist in CTDB_BASE, be a
 * regular file and executable, as 4.17 checks it) are done here; their
 * errors name ctdb.conf:LINE like the parser's.
 *
 * useCtdbBaseFiles(): CTDB_BASE/public_addresses and CTDB_BASE/ctdb.tunables
 * are used when the command line names no such file and they exist (a node
 * without public_addresses hosts no public IPs; 4.17 treats both files as
 * optional too).
 *
 * Called once at start-up, before the daemon exists.
 */
#pragma once

#include <string>
#include <vector>

#include "config/ctdb_conf.h"
#include "ctdb/result.h"
#include "server/core/daemon_options.h"

namespace ctdb::server {

/* CTDB_BASE/ctdb.conf of these options. */
std::string ctdbConfPath(const DaemonOptions& opts);

/* Applies conf under the command line; returns the lines to log. */
Result<std::vector<std::string>> applyCtdbConf(const config::CtdbConf& conf, DaemonOptions& opts);

/* Reads ctdbConfPath(opts) (a missing file: defaults, one line saying so)
 * and applies it. Errors are one line: "PATH:LINE: what". */
Result<std::vector<std::string>> loadCtdbConfInto(DaemonOptions& opts);

/* public_addresses and ctdb.tunables from CTDB_BASE, see above; returns
 * the lines to log. */
std::vector<std::string> useCtdbBaseFiles(DaemonOptions& opts);

}  // namespace ctdb::server
