#!/usr/bin/env python3
"""replica.py with a classic bug, to see what kvsim shows when a replica is not linearizable.

Every replica answers gets from its own map, and every answer names a random replica as the
leader, so clients spread their requests over all of them. A follower's map lags the
leader's, and stays behind for good where the network dropped a copy the leader no longer
re-sends once a majority has stored the put. So gets read stale values.

    node dist/kvsim.mjs run configs/unreliable-3.json --replica examples/python/broken_replica.py --out runs
"""
import random
import sys

from replica import Replica


class BrokenReplica(Replica):
    def send(self, msg):
        if msg.get("type") in ("ok", "redirect"):
            msg["leader"] = random.choice([self.me] + self.peers)
        super().send(msg)

    def handle(self, msg):
        if msg["type"] == "get":  # the bug: no redirect, no lease, just the local map
            self.send({"dst": msg["src"], "type": "ok", "MID": msg["MID"], "value": self.data.get(msg["key"], "")})
        else:
            super().handle(msg)


if __name__ == "__main__":
    BrokenReplica(int(sys.argv[1]), sys.argv[2], sys.argv[3:]).run()
