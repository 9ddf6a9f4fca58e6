#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""host.py - a small host program that drives a module's AT port the way
host software does, well or badly, for the tests of the HOST-* rules.

usage: host.py LINK BEHAVIOUR [COMMAND]

LINK is the port (dfota emulate's --link). COMMAND is the AT+QFOTADL to
send (default: the guide's local-file example). BEHAVIOUR:
  good            waits for each final result, follows the upgrade to END,
                  reopens the port at once after each USB reboot, then asks
                  AT+QGMR when the module is ready (RDY)
  no-wait         sends AT right after COMMAND, without waiting for its
                  final result
  second-upgrade  sends AT+QFOTADL again right after the first one's OK
  slow-reopen     reopens the port 1.2 s after it is back from the reboot
  fire-and-forget closes the port after the OK and never looks back

Exits 0 when it did what it set out to do, 1 with a message when the module
did not let it (no answer, no port), so a test can tell the two apart.
"""
import errno
import os
import select
import sys
import termios
import time
import tty

DEADLINE_S = 60.0


class PortGone(Exception):
    pass


class Port:
    def __init__(self, link):
        self.link = link
        self.fd = None
        self.buf = b""

    def open(self, wait_s=20.0):
        end = time.monotonic() + wait_s
        while True:
            # The old terminal is gone with the module's reboot (the kernel
            # may give the new one the same name): whatever opens is new.
            try:
                fd = os.open(self.link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
                tty.setraw(fd, termios.TCSANOW)
                self.fd, self.buf = fd, b""
                return
            except OSError:
                pass
            if time.monotonic() > end:
                raise SystemExit("host: the port did not come back within %.0f s" % wait_s)
            time.sleep(0.01)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def send(self, line):
        os.write(self.fd, line.encode() + b"\r")

    def line(self, timeout_s=DEADLINE_S):
        """The next non-empty line; PortGone when the port goes away."""
        end = time.monotonic() + timeout_s
        while True:
            while b"\n" in self.buf or b"\r" in self.buf:
                cut = min(i for i in (self.buf.find(b"\r"), self.buf.find(b"\n")) if i >= 0)
                text, self.buf = self.buf[:cut], self.buf[cut + 1:]
                if text.strip():
                    return text.decode("latin-1").strip()
            left = end - time.monotonic()
            if left <= 0:
                raise SystemExit("host: nothing from the module for %.0f s" % timeout_s)
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    continue
                raise PortGone() from e
            if not chunk:
                raise PortGone()
            self.buf += chunk

    def until(self, *wanted):
        while True:
            text = self.line()
            if any(text.startswith(w) for w in wanted):
                return text


def reopen(port, delay_s):
    port.close()
    if delay_s:
        # wait for the port to be back, then dawdle
        while not os.path.exists(port.link):
            time.sleep(0.01)
        time.sleep(delay_s)
    port.open()


def follow_upgrade(port, reopen_delay_s):
    """Reads to the END of the upgrade, reopening across reboots; then, the
    module back in normal mode, asks the firmware version."""
    end = None
    while end is None:
        try:
            text = port.line()
            if text.startswith('+QIND: "FOTA","END"'):
                end = text
        except PortGone:
            reopen(port, reopen_delay_s)
    # The reboot into normal mode; a host that comes back late has missed
    # RDY, so it asks until the module answers.
    ready = False
    while not ready:
        try:
            text = port.line(timeout_s=1.0) if not port.buf else port.line()
            ready = text.startswith("RDY")
        except PortGone:
            reopen(port, reopen_delay_s)
        except SystemExit:
            port.send("AT")
            try:
                ready = port.until("OK", "ERROR") == "OK"
            except (PortGone, SystemExit):
                pass
    port.send("AT+QGMR")
    port.until("OK", "ERROR")
    return end


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    link, how = sys.argv[1], sys.argv[2]
    cmd = sys.argv[3] if len(sys.argv) > 3 else 'AT+QFOTADL="/data/ufs/update.zip"'
    port = Port(link)
    port.open()
    port.send("ATE0")
    port.until("OK")
    if how == "no-wait":
        # AT right behind the upgrade command, before its final result
        # (the test makes that result slow to come)
        port.send(cmd)
        port.send("AT")
        port.until("OK", "ERROR")
        port.until("OK", "ERROR")
    elif how == "second-upgrade":
        port.send(cmd)
        port.until("OK", "ERROR")
        port.send(cmd)
        try:
            port.until("OK", "ERROR")
        except PortGone:
            pass
    elif how == "fire-and-forget":
        port.send(cmd)
        port.until("OK", "ERROR")
    elif how == "good":
        port.send(cmd)
        if port.until("OK", "ERROR") != "OK":
            raise SystemExit("host: the module refused " + cmd)
        print("host: " + follow_upgrade(port, 0))
    elif how == "slow-reopen":
        # Comes back 1.2 s (12 s of module time) after the port did, then listens a moment: what it
        # missed meanwhile is gone.
        port.send(cmd)
        port.until("OK", "ERROR")
        try:
            port.line()
        except PortGone:
            reopen(port, 1.2)
        try:
            port.line(timeout_s=0.5)
        except (PortGone, SystemExit):
            pass
    else:
        raise SystemExit("host: unknown behaviour " + how)
    port.close()


if __name__ == "__main__":
    main()
