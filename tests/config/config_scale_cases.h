/*
 * Large config texts shared by the parsers' unit tests (public_addresses_
 * test.cc, nodes_file_test.cc: what they accept and reject) and the
 * benchmark (bench/scale_bench.cc: how long parsing takes). Pure data.
 *
 *   manyEntries(n): a public_addresses text, n distinct lines
 *     "198.A.B.C/15 eth0" counting up from 198.18.0.0 (n <= 131072 stays
 *     inside 198.18.0.0/15).
 *   manyNodes(n): a nodes file text, n lines 198.18.X.Y (n <= 64000).
 */
#ifndef CTDB_TESTS_CONFIG_CONFIG_SCALE_CASES_H
#define CTDB_TESTS_CONFIG_CONFIG_SCALE_CASES_H

#include <string>

namespace ctdb::config::cases {

inline std::string manyEntries(int n) {
  std::string text;
  text.reserve(static_cast<size_t>(n) * 24);
  for (int i = 0; i < n; ++i)
    text += "198." + std::to_string(18 + i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
            std::to_string(i % 256) + "/15 eth0\n";
  return text;
}

inline std::string manyNodes(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += "198.18." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "\n";
  return text;
}

}  // namespace ctdb::config::cases

#endif
