# SPDX-License-Identifier: MIT
# Run by CPack after it has installed the package's files into its staging
# folder and before it builds the package (CPACK_PRE_BUILD_SCRIPTS): the
# files Debian wants that `cmake --install` has no use for.
#
# - every manual page under share/man is compressed (gzip -9n: no name, no
#   time, so the same pages make the same package);
# - share/doc/dfota/ gets the machine-readable copyright file and the
#   Debian changelog, compressed the same way.
#
# CPACK_DFOTA_PACKAGING is this folder, CPACK_DFOTA_CHANGELOG the changelog
# as configured (its version is the package's).
find_program(GZIP gzip REQUIRED)
set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
if(NOT IS_DIRECTORY "${root}")
  message(FATAL_ERROR "debian-files: no staging folder '${root}'")
endif()
file(GLOB_RECURSE usr_dirs LIST_DIRECTORIES true "${root}/*")
set(prefix "")
foreach(d IN LISTS usr_dirs)
  if(IS_DIRECTORY "${d}" AND d MATCHES "/share/doc/dfota$")
    string(REGEX REPLACE "/share/doc/dfota$" "" prefix "${d}")
    break()
  endif()
endforeach()
if(prefix STREQUAL "")
  message(FATAL_ERROR "debian-files: no share/doc/dfota in '${root}'")
endif()

# the manual pages, whoever installed them
file(GLOB_RECURSE pages "${prefix}/share/man/*")
foreach(page IN LISTS pages)
  if(NOT page MATCHES "\\.gz$" AND NOT IS_SYMLINK "${page}")
    execute_process(COMMAND "${GZIP}" -9nf "${page}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "debian-files: gzip ${page} failed")
    endif()
  endif()
endforeach()

set(doc "${prefix}/share/doc/dfota")
file(COPY_FILE "${CPACK_DFOTA_PACKAGING}/copyright" "${doc}/copyright")
file(COPY_FILE "${CPACK_DFOTA_CHANGELOG}" "${doc}/changelog.Debian")
execute_process(COMMAND "${GZIP}" -9nf "${doc}/changelog.Debian" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "debian-files: gzip ${doc}/changelog.Debian failed")
endif()
file(CHMOD "${doc}/copyright" "${doc}/changelog.Debian.gz"
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# the copyright file says what LICENSE says, in Debian's format
file(REMOVE "${doc}/LICENSE")
