#!/usr/bin/env python3
"""A small replica for the course harness: the shape of one, not a safe one.

Replica 0000 leads forever. It answers gets from its own map, and answers a put once a
majority (itself included) has stored it. The others store what it sends them and redirect
clients to it. What this lacks is in README.md beside this file.

    ./replica.py <port> <id> <peer ids...>
"""
import json
import socket
import sys
import time

BROADCAST = "FFFF"
RESEND_AFTER = 0.05  # seconds before an unacknowledged copy of a put is sent again


class Replica:
    def __init__(self, port, me, peers):
        self.port = port
        self.me = me
        self.peers = peers
        self.leader = min([me] + peers)  # the same choice at every replica, no election
        self.data = {}
        self.pending = {}  # seq -> the client's put, with who has stored it and when it was last sent
        self.seq = 0
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("localhost", 0))

    def send(self, msg):
        msg.setdefault("src", self.me)
        msg.setdefault("leader", self.leader)
        self.socket.sendto(json.dumps(msg).encode("utf-8"), ("localhost", self.port))

    def run(self):
        self.send({"dst": BROADCAST, "type": "hello"})
        self.socket.settimeout(RESEND_AFTER)
        while True:
            try:
                data, _ = self.socket.recvfrom(65535)
                self.handle(json.loads(data.decode("utf-8")))
            except socket.timeout:
                pass
            except (ValueError, KeyError) as error:  # bad input: say so and carry on
                print(f"{self.me}: dropped a datagram: {error!r}", file=sys.stderr)
            self.resend()

    def handle(self, msg):
        kind = msg["type"]
        if kind in ("get", "put") and self.me != self.leader:
            self.send({"dst": msg["src"], "type": "redirect", "MID": msg["MID"]})
        elif kind == "get":
            self.send({"dst": msg["src"], "type": "ok", "MID": msg["MID"], "value": self.data.get(msg["key"], "")})
        elif kind == "put":
            self.seq += 1
            self.pending[self.seq] = {"put": msg, "stored": {self.me}, "sent": 0.0}
            self.resend()
        elif kind == "store":  # at a follower: keep the pair and say so
            self.data[msg["key"]] = msg["value"]
            self.send({"dst": msg["src"], "type": "stored", "seq": msg["seq"]})
        elif kind == "stored":  # at the leader: one more copy is safe
            entry = self.pending.get(msg["seq"])
            if entry is not None:
                entry["stored"].add(msg["src"])
                if len(entry["stored"]) > (len(self.peers) + 1) // 2:
                    self.commit(msg["seq"])

    def commit(self, seq):
        put = self.pending.pop(seq)["put"]
        self.data[put["key"]] = put["value"]
        self.send({"dst": put["src"], "type": "ok", "MID": put["MID"]})

    def resend(self):
        """Copies lost to the network's drops are sent again, to the peers that have not answered."""
        now = time.monotonic()
        for seq, entry in self.pending.items():
            if now - entry["sent"] < RESEND_AFTER:
                continue
            entry["sent"] = now
            put = entry["put"]
            for peer in self.peers:
                if peer not in entry["stored"]:
                    self.send({"dst": peer, "type": "store", "seq": seq, "key": put["key"], "value": put["value"]})


if __name__ == "__main__":
    Replica(int(sys.argv[1]), sys.argv[2], sys.argv[3:]).run()
