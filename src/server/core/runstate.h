/*
 * RunstateMachine: the daemon's run state (INIT -> SETUP -> FIRST_RECOVERY
 * -> STARTUP -> RUNNING, SHUTDOWN at exit), as CTDB 4.5's ctdb_set_runstate.
 *
 * Invariants: the state only moves forward (a transition to the current or an
 * earlier state is refused and logged), except that SHUTDOWN may be entered
 * from any state. Every transition is logged "Set runstate to X (n)".
 *
 * Hooks: onRunstate(rs, fn) registers fn to run synchronously inside
 * transition(), after the state changed, in registration order. This is the
 * seam for the event subsystem (init/setup/startup/shutdown events). A hook
 * may register further hooks; hooks for a state entered while a hook runs
 * are run after the current hook list finished (no re-entrancy).
 *
 * Single-threaded: call from the event loop only.
 */
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "ctdb/result.h"
#include "protocol/constants.h"

namespace ctdb::server {

using protocol::Runstate;

class RunstateMachine {
 public:
  using Hook = std::function<void(Runstate)>;

  RunstateMachine() = default;

  Runstate current() const { return current_; }
  /* Moves to next; error (and no change) if next is not later than the
   * current state (SHUTDOWN always allowed once). */
  Status transition(Runstate next);
  void onRunstate(Runstate rs, Hook fn);

 private:
  Runstate current_ = Runstate::Unknown;
  std::map<Runstate, std::vector<Hook>> hooks_;
  bool in_hooks_ = false;
  std::vector<Runstate> pending_;  // states entered while hooks ran
};

}  // namespace ctdb::server
