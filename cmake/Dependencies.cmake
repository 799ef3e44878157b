# Finds the C libraries the project needs through pkg-config and fails with a
# message naming the Debian package to install when one is missing.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (apt-get install pkg-config)")
endif()

function(ctdb_require_pkg var module debpkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "Missing library '${module}': install the Debian package '${debpkg}' (apt-get install ${debpkg}), or run scripts/setup.sh")
  endif()
  message(STATUS "Found ${module} ${${var}_VERSION}")
endfunction()

ctdb_require_pkg(TALLOC   talloc           libtalloc-dev)
ctdb_require_pkg(TEVENT   tevent           libtevent-dev)
ctdb_require_pkg(LIBNL    libnl-3.0        libnl-3-dev)
ctdb_require_pkg(LIBNLRT  libnl-route-3.0  libnl-route-3-dev)

if(CTDB_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    message(FATAL_ERROR "GoogleTest not found: install the Debian packages 'googletest libgtest-dev' (apt-get install googletest libgtest-dev), or configure with -DCTDB_BUILD_TESTS=OFF")
  endif()
  include(GoogleTest)
endif()

# systemd readiness notification (src/util/service_notify.h): AUTO uses
# libsystemd when pkg-config finds it, ON requires it (the Debian package
# builds with ON), OFF never links it (the daemon then never notifies).
set(CTDB_SYSTEMD AUTO CACHE STRING "Link libsystemd for sd_notify: AUTO, ON or OFF")
set_property(CACHE CTDB_SYSTEMD PROPERTY STRINGS AUTO ON OFF)
set(CTDB_HAVE_SYSTEMD OFF)
if(NOT CTDB_SYSTEMD STREQUAL "OFF")
  pkg_check_modules(LIBSYSTEMD QUIET IMPORTED_TARGET libsystemd)
  if(LIBSYSTEMD_FOUND)
    set(CTDB_HAVE_SYSTEMD ON)
    message(STATUS "Found libsystemd ${LIBSYSTEMD_VERSION}: ctdbd notifies systemd (Type=notify)")
  elseif(CTDB_SYSTEMD STREQUAL "ON")
    message(FATAL_ERROR "CTDB_SYSTEMD=ON but libsystemd not found: install the Debian package 'libsystemd-dev' (apt-get install libsystemd-dev)")
  else()
    message(STATUS "libsystemd not found: ctdbd built without systemd notification (install libsystemd-dev for Type=notify)")
  endif()
endif()
