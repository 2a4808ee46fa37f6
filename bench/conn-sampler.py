#!/usr/bin/env python3
"""conn-sampler: how many TCP connections a local server holds open on one port, sampled.

    python3 bench/conn-sampler.py PORT [INTERVAL_MS]

Every INTERVAL_MS (default 2) asks the kernel (netlink sock_diag, the interface `ss` uses) for
the IPv4 TCP sockets in states ESTABLISHED, SYN_RECV and CLOSE_WAIT and counts those whose
local port is PORT, i.e. the server's side of each connection. The kernel filters by state
before answering, so one dump takes well under a millisecond even with thousands of TIME_WAIT
sockets around (reading /proc/net/tcp formats every socket as text, takes milliseconds).

A dump is not atomic either, and a server-side socket stays ESTABLISHED until the server's
kernel has processed the client's FIN, which under load can trail the client's close(). So the
same dump also lists the client's side of each connection (SYN_SENT or ESTABLISHED: not yet
closed by the client), and a connection counts as *held* when both of its ends are open in
that dump: a connection the client had already closed is not counted, whichever end the dump
met first.

On SIGTERM or SIGINT prints one JSON line: samples, the largest counts seen (held, server-side
ESTABLISHED, server-side open), histograms of the held and ESTABLISHED counts, the mean time of
one dump.
"""
import json
import signal
import socket
import struct
import sys
import time

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
ESTABLISHED, SYN_SENT, SYN_RECV, CLOSE_WAIT, NEW_SYN_RECV = 1, 2, 3, 8, 12

port = int(sys.argv[1])
interval = float(sys.argv[2] if len(sys.argv) > 2 else 2) / 1000
states = (1 << ESTABLISHED) | (1 << SYN_SENT) | (1 << SYN_RECV) | (1 << CLOSE_WAIT) | (1 << NEW_SYN_RECV)
# inet_diag_req_v2: family, protocol, ext, pad, states, then an all-zero inet_diag_sockid (48 bytes).
req_body = struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, states) + b"\0" * 48
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
sock.bind((0, 0))

samples = 0
max_est = 0
max_open = 0
max_held = 0
hist = {}
held_hist = {}
dump_s = 0.0
seq = 0


def dump():
    """One dump: (ESTABLISHED count, open count, held count) on the port."""
    global seq
    seq += 1
    sock.send(struct.pack("=IHHII", 16 + len(req_body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + req_body)
    est = 0
    opened = 0
    # a connection by its client end (client address, client port): which ends this dump saw open
    server_open = set()
    client_open = set()
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
            if kind == NLMSG_DONE:
                return est, opened, len(server_open & client_open)
            if kind == NLMSG_ERROR:
                raise OSError("sock_diag dump failed")
            # inet_diag_msg: family, state, timer, retrans, then the sockid: sport, dport (big-endian),
            # src and dst (16 bytes each; IPv4 in the first 4).
            state = data[off + 17]
            sport, dport = struct.unpack_from("!HH", data, off + 20)
            src = bytes(data[off + 24:off + 28])
            dst = bytes(data[off + 40:off + 44])
            if sport == port:
                opened += 1
                if state == ESTABLISHED:
                    est += 1
                if state in (ESTABLISHED, SYN_RECV, NEW_SYN_RECV):
                    server_open.add((dst, dport))
            elif dport == port and state in (ESTABLISHED, SYN_SENT):
                client_open.add((src, sport))
            off += (length + 3) & ~3


def finish(*_):
    print(json.dumps({"port": port, "samples": samples, "maxHeld": max_held, "maxEstablished": max_est, "maxOpen": max_open,
                      "heldHistogram": held_hist, "establishedHistogram": hist,
                      "meanDumpMs": round(dump_s * 1000 / max(1, samples), 3)}), flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, finish)
signal.signal(signal.SIGINT, finish)
print("ready", flush=True)
while True:
    t = time.perf_counter()
    e, o, h = dump()
    dump_s += time.perf_counter() - t
    samples += 1
    max_est = max(max_est, e)
    max_open = max(max_open, o)
    max_held = max(max_held, h)
    hist[e] = hist.get(e, 0) + 1
    held_hist[h] = held_hist.get(h, 0) + 1
    time.sleep(interval)
