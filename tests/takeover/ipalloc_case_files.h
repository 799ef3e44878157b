/*
 * The golden case files of tests/takeover/cases/ as the C++ tests read them
 * (ipalloc_driver_test, ipalloc_wrap_test; ipalloc_cases.py is the Python
 * reader of the same format). One case file:
 *   args: FLAGS [multi]      status: N      env: NAME=VALUE (repeatable)
 *   --- stdin   (the driver's input lines)
 *   --- expected (the driver's output lines)
 * Pure file reading, no allocation.
 */
#ifndef CTDB_TESTS_TAKEOVER_IPALLOC_CASE_FILES_H
#define CTDB_TESTS_TAKEOVER_IPALLOC_CASE_FILES_H

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "takeover/ipalloc_driver.h"

namespace ctdb::takeover::casefiles {

/* An EnvLookup over a fixed map (the case's env: lines). */
inline EnvLookup envOf(std::map<std::string, std::string> m) {
  return [m](const std::string& name) -> std::optional<std::string> {
    auto it = m.find(name);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

struct Case {
  std::string name, args, stdin_text, expected;
  int status = 0;  // error cases (status != 0) test the program, not the library
  std::map<std::string, std::string> env;

  /* args split: the node flags and whether "multi" follows */
  std::string flags() const {
    std::istringstream a(args);
    std::string f;
    a >> f;
    return f;
  }
  bool multi() const {
    std::istringstream a(args);
    std::string f, word;
    a >> f;
    return (a >> word) && word == "multi";
  }
};

inline Case readCase(const std::string& dir, const std::string& name) {
  Case c;
  c.name = name;
  std::ifstream f(dir + "/" + name);
  std::string line, section;
  while (std::getline(f, line)) {
    if (line == "--- stdin") section = "stdin";
    else if (line == "--- expected") section = "expected";
    else if (section == "stdin") c.stdin_text += line + "\n";
    else if (section == "expected") c.expected += line + "\n";
    else if (line.rfind("args: ", 0) == 0) c.args = line.substr(6);
    else if (line.rfind("status: ", 0) == 0) c.status = std::stoi(line.substr(8));
    else if (line.rfind("env: ", 0) == 0) {
      auto kv = line.substr(5);
      auto eq = kv.find('=');
      c.env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return c;
}

/* The *.case names in dir, sorted. */
inline std::vector<std::string> caseNames(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.compare(n.size() - 5, 5, ".case") == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ctdb::takeover::casefiles

#endif
