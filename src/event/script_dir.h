/*
 * One script tree on disk (events.d/ or ip_events.d/) as `ctdb event
 * script list|enable|disable` sees it.
 *
 * Owns nothing but the rules: which files are scripts and whether they are
 * enabled come from event/script_rules.h, the definitions the helper runs
 * by, so the list shows exactly what the next event will run. Enabling and
 * disabling set and clear the execute bits (user, group, other), which is
 * how CTDB 4.17's event_script_chmod() treats a script that is a file in
 * its etc directory (4.17 links scripts into events/legacy instead; our
 * trees hold the scripts themselves). A link, directory or other
 * non-regular file is left alone (EINVAL), as 4.17 refuses to chmod
 * through a link.
 *
 * Errors are Error{errno, message} with the 4.17 ctdb-event wording, which
 * the daemon sends in its control reply and the tool prints:
 *   ENOENT "Event dir for TREE does not exist" (list, the tree is missing),
 *   ENOENT "Script NAME does not exist in TREE",
 *   EINVAL "Script NAME is invalid in TREE" (not an NN.name script name,
 *          contains '/', or not a regular file),
 *   other errno "Failed to ...: strerror".
 * Synchronous filesystem calls on one small directory; no state.
 */
#pragma once

#include <string>
#include <vector>

#include "ctdb/result.h"
#include "event/event_types.h"

namespace ctdb::event {

struct ScriptEntry {
  std::string name;
  bool is_enabled = false;
};

/* The scripts of `dir` in the order they run (strcmp of the names). */
Result<std::vector<ScriptEntry>> listScripts(const std::string& dir, ScriptTree tree);

/* Sets (enable) or clears the execute bits of dir/name. Already in the
 * wanted state is success, as in 4.17. */
Status setScriptEnabled(const std::string& dir, ScriptTree tree, const std::string& name,
                        bool enable);

}  // namespace ctdb::event
