#!/usr/bin/env python3
"""A point-to-point link between two network namespaces, with netem-like impairment.

This kernel has no sch_netem (tc reports "Specified qdisc kind is unknown"), so the link the
bad-network test needs is emulated in user space: one TUN device in each namespace, and this
process moving IP packets between them with a rate limit (serialisation at `rate` bit/s, a
tail-dropping queue of at most `queue` seconds), a fixed one-way `delay` and random `loss`.
See docs/decisions/0003-link-emulator.md.

Usage: linkem.py NS_A TUN_A NS_B TUN_B
The TUN devices must exist (ip tuntap add ... mode tun) in their namespaces. Impairment is set
with JSON lines on stdin, applied to both directions:
  {"rate": 400000, "delay": 0.05, "loss": 0.03, "queue": 0.5}   rate 0 = unlimited
Prints "ready" once both devices are attached, "ok" after each applied line, and a summary of
packets passed/dropped on "stats".
"""
import ctypes
import fcntl
import json
import os
import random
import select
import struct
import sys
import time
from collections import deque

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


def open_tun(netns, name):
    """Opens TUN device `name` inside namespace `netns` (the fd stays bound to it)."""
    setns(f"/var/run/netns/{netns}")
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Direction:
    """One way of the link: loss, then a rate-limited FIFO queue, then a fixed delay."""

    def __init__(self, out_fd):
        self.out_fd = out_fd
        self.pending = deque()  # (deliver_at, packet)
        self.busy_until = 0.0
        self.passed = 0
        self.dropped = 0

    def offer(self, packet, now, cfg):
        if cfg["loss"] > 0 and random.random() < cfg["loss"]:
            self.dropped += 1
            return
        rate = cfg["rate"]
        if rate > 0:
            start = max(now, self.busy_until)
            if start - now > cfg["queue"]:
                self.dropped += 1  # the queue is full: tail drop
                return
            self.busy_until = start + len(packet) * 8 / rate
            leave = self.busy_until
        else:
            self.busy_until = now
            leave = now
        self.pending.append((leave + cfg["delay"], packet))

    def flush(self, now):
        while self.pending and self.pending[0][0] <= now:
            _, packet = self.pending.popleft()
            try:
                os.write(self.out_fd, packet)
                self.passed += 1
            except OSError:
                self.dropped += 1

    def next_due(self):
        return self.pending[0][0] if self.pending else None


def main():
    ns_a, tun_a, ns_b, tun_b = sys.argv[1:5]
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd_a = open_tun(ns_a, tun_a)
    fd_b = open_tun(ns_b, tun_b)
    libc.setns(home, CLONE_NEWNET)
    cfg = {"rate": 0, "delay": 0.0, "loss": 0.0, "queue": 0.5}
    a_to_b = Direction(fd_b)
    b_to_a = Direction(fd_a)
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    buffered = b""
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        dues = [d for d in (a_to_b.next_due(), b_to_a.next_due()) if d is not None]
        timeout = max(0.0, min(dues) - now) if dues else 0.5
        readable, _, _ = select.select([fd_a, fd_b, stdin], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            if fd == stdin:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    return  # the test closed our stdin: stop
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    line = line.strip()
                    if line == b"stats":
                        print(json.dumps({"aToB": [a_to_b.passed, a_to_b.dropped], "bToA": [b_to_a.passed, b_to_a.dropped]}), flush=True)
                    elif line:
                        cfg.update({k: float(v) for k, v in json.loads(line).items() if k in cfg})
                        print("ok", flush=True)
                continue
            direction = a_to_b if fd == fd_a else b_to_a
            for _ in range(64):
                try:
                    packet = os.read(fd, 65535)
                except BlockingIOError:
                    break
                direction.offer(packet, now, cfg)
        a_to_b.flush(now)
        b_to_a.flush(now)


if __name__ == "__main__":
    main()
