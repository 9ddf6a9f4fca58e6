#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""uevents.py - a udev monitor in a umockdev test bed, for emulate-testbed.sh.

Run under umockdev's preload (LD_PRELOAD and UMOCKDEV_DIR from the test
bed): the preload turns its NETLINK_KOBJECT_UEVENT socket into the test
bed's event<fd> socket, so it receives the uevents sent into the test bed,
framed as udev's monitor messages. Writes "READY" once listening, then one
line per message, "ACTION SUBSYSTEM DEVPATH [DEVNAME]", flushed, and
"BAD <why>" for a message whose header is not udev's (prefix, magic,
offsets) or whose subsystem hash is not the MurmurHash2 libudev's socket
filter compares. Stops after COUNT messages or SECONDS.

usage: uevents.py COUNT SECONDS
"""
import select
import socket
import struct
import sys
import time

NETLINK_KOBJECT_UEVENT = 15


def murmur2(s):
    m, data = 0x5BD1E995, s.encode()
    h = len(data) & 0xFFFFFFFF
    i = 0
    while len(data) - i >= 4:
        k = struct.unpack_from("<I", data, i)[0]
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
        i += 4
    rest = data[i:]
    if len(rest) >= 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if rest:
        h ^= rest[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def describe(msg):
    if len(msg) < 40 or msg[:8] != b"libudev\0":
        return "BAD not a libudev message"
    magic, size, off, length, sub_hash = struct.unpack_from("!I", msg, 8) + \
        struct.unpack_from("=III", msg, 12) + struct.unpack_from("!I", msg, 24)
    if magic != 0xFEEDCAFE or size != 40 or off != 40 or off + length != len(msg):
        return f"BAD header: magic {magic:x}, size {size}, offset {off}, length {length} of {len(msg)}"
    props = dict(p.split("=", 1) for p in msg[off:].decode().split("\0") if "=" in p)
    if sub_hash != murmur2(props.get("SUBSYSTEM", "")):
        return f"BAD subsystem hash {sub_hash:x} for {props.get('SUBSYSTEM')}"
    return " ".join(props.get(k, "-") for k in ("ACTION", "SUBSYSTEM", "DEVPATH")) + \
        (" " + props["DEVNAME"] if "DEVNAME" in props else "")


def main():
    count, seconds = int(sys.argv[1]), float(sys.argv[2])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
    s.bind((0, 2))  # the preload binds it to the test bed's event<fd>
    print("READY", flush=True)
    end = time.monotonic() + seconds
    while count > 0 and time.monotonic() < end:
        if select.select([s], [], [], max(0.0, end - time.monotonic()))[0]:
            print(describe(s.recv(65536)), flush=True)
            count -= 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
