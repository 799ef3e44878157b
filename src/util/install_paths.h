/*
 * Where an installed program finds its configuration directory.
 *
 * Owns: the build's configured install layout (CMAKE_INSTALL_PREFIX and
 * CMAKE_INSTALL_SYSCONFDIR, compiled in) and the rule that turns it, plus
 * where the running program actually is, into the default CTDB_BASE.
 *
 * The rule follows CMake's GNUInstallDirs, as the install step does
 * (cmake/Install.cmake), so the programs and the files they look for agree:
 *   sysconfdir(P) = SYSCONFDIR            when it is absolute (-D...=/etc)
 *                 = /etc                  when P is / or /usr
 *                 = /etc/opt/...          when P is /opt/...
 *                 = P/SYSCONFDIR          otherwise (P/etc)
 *   default CTDB_BASE = sysconfdir(P)/ctdb
 * P is the prefix the program runs from: the parent of its bin/ or sbin/
 * directory when it runs installed (so `cmake --install build --prefix P`
 * gives P/etc/ctdb even though the build was configured for another
 * prefix), else (the build tree's bin/) the configured prefix.
 *
 * Invariant: pure functions except processDefaultCtdbBase() (reads
 * /proc/self/exe); no allocation of C handles.
 */
#pragma once

#include <string>
#include <string_view>

namespace ctdb {

struct InstallLayout {
  std::string prefix;      // CMAKE_INSTALL_PREFIX at configure time
  std::string sysconfdir;  // CMAKE_INSTALL_SYSCONFDIR (relative or absolute)
  std::string build_bin;   // the build tree's program directory ("" = none)
};

/* The layout this build was configured with. */
const InstallLayout& configuredLayout();

/* GNUInstallDirs' full sysconfdir for PREFIX (see the table above). */
std::string sysconfdirFor(std::string_view prefix, std::string_view sysconfdir);

/* Default CTDB_BASE for a program whose executable is EXE_PATH (absolute;
 * "" = unknown, use the configured prefix). */
std::string defaultCtdbBase(std::string_view exe_path, const InstallLayout& layout);

/* defaultCtdbBase() for the running process and the configured layout. */
std::string processDefaultCtdbBase();

}  // namespace ctdb
