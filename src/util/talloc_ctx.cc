#include "util/talloc_ctx.h"

#include <talloc.h>

#include <cstdio>
#include <cstdlib>

namespace ctdb {

TallocContext::TallocContext(const char* name) : ctx_(talloc_named_const(nullptr, 0, name)) {
  if (!ctx_) {
    // Out of memory is fatal by project convention.
    std::fputs("TallocContext: out of memory allocating talloc root, aborting\n", stderr);
    std::abort();
  }
}

}  // namespace ctdb
