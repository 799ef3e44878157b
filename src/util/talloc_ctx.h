/*
 * TallocContext: a C++ owner of one talloc root.
 *
 * Owns: a talloc context allocated with no parent. Freeing it (destruction or
 * move-assignment) frees every talloc child hung under it, which is how C
 * allocations made on behalf of a C++ object (tevent handles, tevent_req
 * state, marshalling buffers) die with that object.
 *
 * Invariants: get() is non-null for a live (not moved-from) object; a talloc
 * parent never owns a C++ object (include/ctdb/c_handles.h). Allocation
 * failure is out-of-memory and aborts the process (fatal by convention).
 * Not thread-safe; one owner at a time (move-only).
 */
#pragma once

#include "ctdb/c_handles.h"

namespace ctdb {

class TallocContext {
 public:
  /* `name` must be a string literal or otherwise outlive the context
   * (talloc stores the pointer, it does not copy). */
  explicit TallocContext(const char* name = "ctdb");

  TallocContext(TallocContext&&) noexcept = default;
  TallocContext& operator=(TallocContext&&) noexcept = default;
  TallocContext(const TallocContext&) = delete;
  TallocContext& operator=(const TallocContext&) = delete;
  ~TallocContext() = default;

  /* The talloc root, usable as TALLOC_CTX* / mem_ctx; nullptr after a move. */
  void* get() const { return ctx_.get(); }

 private:
  TallocPtr<void> ctx_;
};

}  // namespace ctdb
