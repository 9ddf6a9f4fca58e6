# SPDX-License-Identifier: MIT
# The Debian package, built by CPack from the install rules: `cpack -G DEB`
# in the build folder writes dfota_VERSION-REVISION_ARCH.deb. Whatever is
# installed goes in (the manual pages and the completion too, whoever
# installs them); debian-files.cmake then compresses the manual pages and
# adds the copyright file and the Debian changelog. lintian on the package
# reports no error (harness/tests/e2e/package.sh checks it).
set(DFOTA_DEB_REVISION 1 CACHE STRING "The Debian revision of the package")
set(DFOTA_DEB_MAINTAINER "The dfota authors <maintainers@dfota.example>"
    CACHE STRING "The Maintainer field of the Debian package and its changelog")
set(DFOTA_DEB_VERSION "${PROJECT_VERSION}-${DFOTA_DEB_REVISION}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in
               ${PROJECT_BINARY_DIR}/packaging/changelog.Debian @ONLY)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dfota)
set(CPACK_PACKAGE_VENDOR "The dfota authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${DFOTA_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "conformance harness for Quectel DFOTA firmware upgrades")
set(CPACK_PACKAGE_DESCRIPTION
"dfota judges the DFOTA firmware upgrade of Quectel EG9x cellular modules
(AT+QFOTADL) rule by rule against the vendor's DFOTA user guide: each rule
has a stable ID and names the guide section it comes from.
.
dfota check reads logs (its own transcripts, raw terminal captures and
timestamped captures) and writes its findings as text, JSON or JUnit XML.
dfota run runs YAML scenarios against a real module on a serial port, a
recorded transcript or a built-in emulator of the module, which downloads
its packages from real FTP and HTTP servers on loopback, and writes
terminal, JSON, JUnit and HTML reports. dfota emulate and dfota proxy judge
the host software that drives a module.
.
The package includes the scenario library, the emulator's fixture servers
and packages, and an example package map, in /usr/share/dfota.")
set(CPACK_PACKAGE_FILE_NAME "dfota_${DFOTA_DEB_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/" "/\\\\.git/")

set(CPACK_DEBIAN_PACKAGE_NAME dfota)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${DFOTA_DEB_REVISION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${DFOTA_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the binary's shared libraries (dpkg-shlibdeps, dpkg-dev),
# and the two it opens when a command needs them, which shlibdeps cannot
# see (harness/lib/base/lazy.c); libcurl from 7.85, the first with
# CURLOPT_PROTOCOLS_STR, which the downloads use.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${DFOTA_CURL_PACKAGE} (>= 7.85), ${DFOTA_XML_PACKAGE}")
# `dfota run --source emulator` starts the fixture servers (fixtures/README.md).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "python3, python3-pyftpdlib, lighttpd, socat, curl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/debian-files.cmake)
set(CPACK_DFOTA_PACKAGING ${CMAKE_CURRENT_LIST_DIR})
set(CPACK_DFOTA_CHANGELOG ${PROJECT_BINARY_DIR}/packaging/changelog.Debian)
include(CPack)
