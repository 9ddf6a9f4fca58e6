#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what dfota needs to build and test on Debian, from Debian's
# packages only. Run as root (or through sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libserialport-dev libyaml-dev libcurl4-openssl-dev libcunit1-dev
  libjansson-dev libxml2-dev
  clang libclang-rt-14-dev   # the fuzz target (libFuzzer) and sanitizers
  python3                    # the benchmark's data generator, JSON checks in tests
  python3-jsonschema         # the tests validate the JSON outputs against schema/
  libxml2-utils              # xmllint: the tests check the JUnit XML is well formed
  chromium                   # renders the HTML report in a real browser in the tests
  python3-pyftpdlib lighttpd # the fixture FTP and HTTP servers (fixtures/servers.sh)
  socat curl                 # fixture fault servers; the fixture test's client
  ppp                        # chat: a standard tool drives the emulator in a test
  umockdev libumockdev-dev   # a mocked USB modem: libserialport's enumeration in tests
  tmux                       # a real terminal for dfota run's live display in tests
  man-db groff-base          # the manual pages: built from --help (python3), checked by man --warnings
  bash-completion            # the completion's home (share/bash-completion/completions)
  modemmanager dbus-daemon   # ModemManager (and mmcli) probes and upgrades the emulator in a
                             # umockdev test bed, on a private session bus (e2e.modemmanager)
  dpkg-dev                   # dpkg-shlibdeps: the Debian package's dependencies (cpack -G DEB)
  lintian                    # the Debian package is checked in a test (e2e.package)
  lava-common                # LAVA's schema checks of contrib/lava/ (e2e.lab-lava)
  python3-labgrid python3-pytest  # contrib/labgrid/'s driver, tested through labgrid (e2e.lab-labgrid)
  python3-distributed parallel openssh-server  # fleet tests: Dask, GNU parallel over a loopback sshd
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (sudo $0)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# The servers are installed for the fixtures, which start their own on
# loopback: keep their packages from starting system services (Debian's
# policy-rc.d: exit 101 means "not now").
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
