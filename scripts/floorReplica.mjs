#!/usr/bin/env -S node --gc-memory-reducer-start-delay-ms=60000
// The latency floor model for `npm run bench`: the least work any replicated store must do
// through this harness, with no Raft at all. 0000 leads forever and answers a get at once
// (one round trip) and a put after one parallel round of replication to two followers, the
// quorum of five (request, replicate, reply); the other replicas only acknowledge and redirect.
import { createSocket } from "node:dgram"

const [port, self] = process.argv.slice(2)
const LEADER = "0000"
const QUORUM_PEERS = ["0001", "0002"]
const socket = createSocket("udp4")
const data = new Map()
/** Puts waiting for acknowledgements: id → { client, MID, acks }. */
const pending = new Map()
let nextId = 0

// The envelope is prepended as text: on Node 20, adding properties to an object built by a
// spread costs about a microsecond each (docs/performance/latency.md), and the floor must be least work.
const header = `{"src":"${self}","leader":"${LEADER}",`
const send = (message) => socket.send(header + JSON.stringify(message).slice(1))

socket.on("message", (datagram) => {
  const message = JSON.parse(datagram.toString("utf8"))
  if (message.type === "get" || message.type === "put") {
    if (self !== LEADER) return send({ dst: message.src, type: "redirect", MID: message.MID })
    if (message.type === "get") return send({ dst: message.src, type: "ok", MID: message.MID, value: data.get(message.key) ?? "" })
    const id = nextId++
    pending.set(id, { client: message.src, MID: message.MID, key: message.key, value: message.value, acks: 0 })
    for (const peer of QUORUM_PEERS) send({ dst: peer, type: "replicate", id, key: message.key, value: message.value })
    return
  }
  if (message.type === "replicate") return send({ dst: message.src, type: "ack", id: message.id })
  if (message.type === "ack") {
    const put = pending.get(message.id)
    if (put === undefined || ++put.acks < QUORUM_PEERS.length) return
    pending.delete(message.id)
    data.set(put.key, put.value)
    send({ dst: put.client, type: "ok", MID: put.MID })
  }
})

// Connected, like the replica's socket (src/services/UdpTransport.ts): a send leaves at once.
socket.on("error", () => {})
socket.bind(0, "127.0.0.1", () => socket.connect(Number(port), "127.0.0.1", () => socket.send(JSON.stringify({ src: self, dst: "FFFF", leader: "FFFF", type: "hello" }))))
