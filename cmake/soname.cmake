# SPDX-License-Identifier: MIT
# dfota_soname(VAR PKGVAR LIBS NAME FALLBACK FALLBACK_PKG): the SONAME of
# the library NAME among LIBS (pkg-config's full paths), read with
# objdump, into VAR; the Debian package that holds the file of that name
# (dpkg-query), into PKGVAR. The fallbacks when either cannot be read.
# dlopen takes the SONAME, the name the runtime package installs (the .so
# without a number is the -dev package's).
function(dfota_soname var pkgvar libs name fallback fallback_pkg)
  set(found "")
  set(pkg "")
  foreach(lib ${libs})
    get_filename_component(base "${lib}" NAME)
    get_filename_component(dir "${lib}" DIRECTORY)
    if(base MATCHES "^${name}\\.so" AND CMAKE_OBJDUMP)
      execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${lib}" OUTPUT_VARIABLE dump
                      ERROR_QUIET RESULT_VARIABLE rc)
      if(rc EQUAL 0 AND dump MATCHES "SONAME +([^ \n]+)")
        set(found "${CMAKE_MATCH_1}")
        execute_process(COMMAND dpkg-query -S "${dir}/${found}" OUTPUT_VARIABLE owner
                        ERROR_QUIET RESULT_VARIABLE rc)
        if(rc EQUAL 0 AND owner MATCHES "^([a-z0-9][a-z0-9.+-]*)(:[a-z0-9]+)?: ")
          set(pkg "${CMAKE_MATCH_1}")
        endif()
      endif()
    endif()
  endforeach()
  if(found STREQUAL "")
    set(found "${fallback}")
  endif()
  if(pkg STREQUAL "")
    set(pkg "${fallback_pkg}")
  endif()
  message(STATUS "${name}: opened at run time as ${found} (package ${pkg})")
  set(${var} "${found}" PARENT_SCOPE)
  set(${pkgvar} "${pkg}" PARENT_SCOPE)
endfunction()
