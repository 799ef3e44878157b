/*
 * ChangesFile: the per-node IP changes file of contract §5.
 *
 * Files in the state directory:
 *   ip_changes             live file; the daemon appends one line per
 *                          successful takeip/releaseip/updateip
 *   ip_changes.delivering  snapshot handed to one ipreallocated run
 *   ip_changes.tail        transient, only inside a merge-back
 *   ip_changes.merge.tmp   transient, only inside a merge-back
 *
 * append(line): one write() of "line\n" on an O_APPEND fd (lines are far
 *   below PIPE_BUF, so concurrent appenders could not interleave either).
 *   sync() fdatasyncs the live file; EventRunner calls it once per batch of
 *   results (one helper read), i.e. after the write and before the IP
 *   event's completion is delivered. A daemon crash never loses a written
 *   line (it is in the page cache); power loss can lose lines not yet
 *   synced, and those events have not been reported done either.
 * beginDelivery(): renames live -> snapshot (creates an empty snapshot when
 *   there is no live file) and returns the snapshot path. Lines appended
 *   from now on start a new live file.
 * commitDelivery(): unlinks the snapshot: the single commit step, so lines
 *   are never delivered twice after a success.
 * abortDelivery(): merges the snapshot back IN FRONT of the live file:
 *     1. live -> tail (or create an empty tail)
 *     2. write tmp = snapshot + tail, fsync, rename tmp -> live
 *     3. unlink snapshot, unlink tail
 *   Crash recovery (open()) reads the state from which files exist:
 *     snapshot only, or snapshot + live   crash during delivery: merge (1-3)
 *     snapshot + tail, no live            crash in 2: redo 2-3
 *     snapshot + tail + live              crash after 2: do 3
 *     tail, no snapshot                   crash in 3: unlink tail
 *   Nothing appends between the steps (the daemon is single-threaded and
 *   recovery runs before the first append), so each state is unambiguous.
 *
 * Single-threaded. Errors are errno Results naming the file.
 */
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"

namespace ctdb::event {

class ChangesFile {
 public:
  /* Creates the directory if needed and recovers leftovers of a crash. */
  static Result<std::unique_ptr<ChangesFile>> open(const std::string& state_dir);

  const std::string& livePath() const { return live_; }
  const std::string& snapshotPath() const { return snapshot_; }
  bool isDelivering() const { return is_delivering_; }

  Status append(std::string_view line);
  Status sync();

  Result<std::string> beginDelivery();
  Status commitDelivery();
  Status abortDelivery();

 private:
  explicit ChangesFile(const std::string& dir);
  Status recover();
  Status mergeBack();
  Status syncDir();

  std::string dir_, live_, snapshot_, tail_, tmp_;
  UniqueFd fd_;  // live file, opened on first append
  bool is_dirty_ = false;
  bool is_delivering_ = false;
};

}  // namespace ctdb::event
