/* The `ctdb` program: see tools/tool.h. */
#include <string>
#include <vector>

#include "tools/tool.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return ctdb::tools::runTool(args, ctdb::tools::processEnv());
}
