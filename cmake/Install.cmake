# Install layout of contract section 1:
#   P/sbin/ctdbd, P/bin/ctdb, P/libexec/ctdb/ctdb_event_helper,
#   P/etc/ctdb/events.d/, P/etc/ctdb/ip_events.d/, P/etc/ctdb/functions,
#   man pages under P/share/man/.
foreach(t ctdbd)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION sbin)
  endif()
endforeach()
foreach(t ctdb ctdb_ipalloc)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION bin)
  endif()
endforeach()
if(TARGET ctdb_event_helper)
  install(TARGETS ctdb_event_helper RUNTIME DESTINATION libexec/ctdb)
endif()
# The configuration directory is computed when installing, from the prefix
# given then (`cmake --install build --prefix P`), with the same GNUInstallDirs
# rule the programs use for their default CTDB_BASE (src/util/install_paths.h):
# an absolute CMAKE_INSTALL_SYSCONFDIR as is, /etc for the prefixes / and
# /usr, /etc/opt/... for /opt/..., else P/etc. DESTDIR is honoured.
install(CODE "set(CTDB_SRC_DIR \"${CMAKE_SOURCE_DIR}\")\nset(CTDB_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")")
install(CODE [[
  string(REGEX REPLACE "/+$" "" _p "${CMAKE_INSTALL_PREFIX}")
  if(IS_ABSOLUTE "${CTDB_SYSCONFDIR}")
    set(_etc "${CTDB_SYSCONFDIR}")
  elseif(CTDB_SYSCONFDIR STREQUAL "etc" AND (_p STREQUAL "" OR _p STREQUAL "/usr"))
    set(_etc "/etc")
  elseif(CTDB_SYSCONFDIR STREQUAL "etc" AND _p MATCHES "^/opt/")
    set(_etc "/etc${_p}")
  else()
    set(_etc "${_p}/${CTDB_SYSCONFDIR}")
  endif()
  file(INSTALL DESTINATION "${_etc}/ctdb" TYPE DIRECTORY FILES "${CTDB_SRC_DIR}/events.d"
       USE_SOURCE_PERMISSIONS PATTERN "README*" EXCLUDE)
  file(INSTALL DESTINATION "${_etc}/ctdb" TYPE DIRECTORY FILES "${CTDB_SRC_DIR}/ip_events.d"
       USE_SOURCE_PERMISSIONS PATTERN "README*" EXCLUDE)
  if(EXISTS "${CTDB_SRC_DIR}/events.d/functions")
    file(INSTALL DESTINATION "${_etc}/ctdb" TYPE FILE FILES "${CTDB_SRC_DIR}/events.d/functions")
  endif()
]])
file(GLOB CTDB_MAN1 ${CMAKE_SOURCE_DIR}/doc/man/*.1)
file(GLOB CTDB_MAN8 ${CMAKE_SOURCE_DIR}/doc/man/*.8)
file(GLOB CTDB_MAN5 ${CMAKE_SOURCE_DIR}/doc/man/*.5)
if(CTDB_MAN1)
  install(FILES ${CTDB_MAN1} DESTINATION share/man/man1)
endif()
if(CTDB_MAN5)
  install(FILES ${CTDB_MAN5} DESTINATION share/man/man5)
endif()
if(CTDB_MAN8)
  install(FILES ${CTDB_MAN8} DESTINATION share/man/man8)
endif()
