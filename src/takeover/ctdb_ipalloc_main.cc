/*
 * ctdb_ipalloc: CTDB's public-IP allocation as a program, with the
 * interface of CTDB 4.17's test driver (`ctdb_takeover_tests ipalloc`):
 *
 *   ctdb_ipalloc [ipalloc] NODE_FLAGS [multi]  < "IP PNN" lines
 *
 * (the optional leading word "ipalloc" lets CTDB's test scripts use this
 * program as their test_prog unchanged). Input and environment rules are in
 * takeover/ipalloc_driver.h; the allocation result goes to stdout, all
 * diagnostics to stderr. Exit 0 on success, 1 with one line on stderr for a
 * usage or input error.
 */
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

#include "takeover/ipalloc.h"
#include "takeover/ipalloc_driver.h"
#include "util/logging.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: ctdb_ipalloc [ipalloc] NODE_FLAGS [multi]  (IP PNN lines on stdin)\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ctdb::takeover;
  ctdb::log::setProgramName("ctdb_ipalloc");

  int first = 1;
  if (argc > 1 && std::strcmp(argv[1], "ipalloc") == 0) first = 2;
  const int nargs = argc - first;
  if (nargs < 1 || nargs > 2) return usage();
  bool multi = false;
  if (nargs == 2) {
    if (std::strcmp(argv[first + 1], "multi") != 0) return usage();
    multi = true;
  }

  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) {
    std::fprintf(stderr, "ctdb_ipalloc: error reading stdin\n");
    return 1;
  }

  auto env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto setup = parseDriverSetup(argv[first], multi, text, env);
  if (!setup) {
    std::fprintf(stderr, "ctdb_ipalloc: %s\n", setup.error().context.c_str());
    return 1;
  }
  ctdb::log::setLevel(setup->logLevel);

  auto result = allocate(setup->input);
  if (!result) {
    std::fprintf(stderr, "ctdb_ipalloc: %s\n", result.error().context.c_str());
    return 1;
  }
  for (const auto& d : result->diagnostics) {
    if (ctdb::log::enabled(d.level)) ctdb::log::write(d.level, "%s", d.text.c_str());
  }
  std::string out = formatAllocation(*result);
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "ctdb_ipalloc: error writing stdout\n");
    return 1;
  }
  return 0;
}
