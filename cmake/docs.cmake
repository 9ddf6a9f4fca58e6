# SPDX-License-Identifier: MIT
# docs.cmake - the manual pages and the bash completion, built and installed.
#
# Each page is made from the built dfota's own --help (man/gen-man.py) and
# its hand-written sections (man/PAGE.1.in), so a page cannot say other than
# the help does; then compressed as Debian wants it (gzip -9n: the most
# compression, no name or time in the header). Installed under
# share/man/man1/; the completion under share/bash-completion/completions/.
# Needs python3 and gzip at build time (DFOTA_DOCS=OFF builds without them).
include(GNUInstallDirs)

option(DFOTA_DOCS "Build and install the manual pages" ON)

set(DFOTA_MAN_PAGES dfota dfota-check dfota-merge dfota-run dfota-lint dfota-list dfota-rules
    dfota-emulate dfota-package dfota-stage dfota-proxy dfota-ports)

if(DFOTA_DOCS)
  find_package(Python3 COMPONENTS Interpreter REQUIRED)
  find_program(DFOTA_GZIP gzip REQUIRED)
  set(DFOTA_MAN_DIR ${CMAKE_BINARY_DIR}/man)
  file(MAKE_DIRECTORY ${DFOTA_MAN_DIR})
  set(DFOTA_MAN_GZ)
  foreach(page IN LISTS DFOTA_MAN_PAGES)
    if(page STREQUAL "dfota")
      set(cmd -)
    else()
      string(REGEX REPLACE "^dfota-" "" cmd ${page})
    endif()
    set(in ${PROJECT_SOURCE_DIR}/man/${page}.1.in)
    set(out ${DFOTA_MAN_DIR}/${page}.1)
    add_custom_command(
      OUTPUT ${out} ${out}.gz
      COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/man/gen-man.py
              $<TARGET_FILE:dfota> ${cmd} ${in} ${out}
      COMMAND ${DFOTA_GZIP} -9nkf ${out}
      DEPENDS dfota ${in} ${PROJECT_SOURCE_DIR}/man/gen-man.py
      COMMENT "Manual page ${page}(1) from dfota's --help"
      VERBATIM)
    list(APPEND DFOTA_MAN_GZ ${out}.gz)
  endforeach()
  add_custom_target(dfota-man ALL DEPENDS ${DFOTA_MAN_GZ})
  install(FILES ${DFOTA_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/completion/dfota.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME dfota)
