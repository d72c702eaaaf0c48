#!/usr/bin/env node
// A deliberately naive replica for `npm run calibrate`, written apart from the project's own
// code (no Raft, no imports from src/): the lowest id leads forever; every other replica
// redirects each request to it at once; the leader answers gets and puts from a local Map
// immediately and copies each put to every other replica in one datagram apiece (nobody
// acknowledges), so that the reference's "too few messages between the replicas" check can pass.
// It loses every request once its leader is killed, which is the point: kvsim and the
// reference must agree on its failures too.
//
// Started by a harness as `naiveReplica.mjs <port> <id> <peer ids…>`; speaks JSON datagrams over
// UDP to 127.0.0.1:<port>, each with src, dst, leader and type, and says hello first.
import { createSocket } from "node:dgram"

const [port, self, ...peers] = process.argv.slice(2)
if (port === undefined || self === undefined) {
  process.stderr.write("usage: naiveReplica.mjs <port> <id> <peer ids...>\n")
  process.exit(2)
}
const leader = [self, ...peers].sort()[0]
const data = new Map()
const socket = createSocket("udp4")
const send = (message) => socket.send(JSON.stringify({ src: self, leader, ...message }))

socket.on("message", (datagram) => {
  let message
  try {
    message = JSON.parse(datagram.toString("utf8"))
  } catch {
    return
  }
  if (message.type === "get" || message.type === "put") {
    if (self !== leader) return send({ dst: message.src, type: "redirect", MID: message.MID })
    if (message.type === "get") return send({ dst: message.src, type: "ok", MID: message.MID, value: data.get(message.key) ?? "" })
    data.set(message.key, message.value)
    send({ dst: message.src, type: "ok", MID: message.MID })
    for (const peer of peers) send({ dst: peer, type: "copy", key: message.key, value: message.value })
    return
  }
  if (message.type === "copy") data.set(message.key, message.value)
})

socket.on("error", () => {})
socket.bind(0, "127.0.0.1", () =>
  socket.connect(Number(port), "127.0.0.1", () => socket.send(JSON.stringify({ src: self, dst: "FFFF", leader: "FFFF", type: "hello" })))
)
