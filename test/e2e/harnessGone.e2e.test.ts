import { spawn } from "node:child_process"
import { createSocket } from "node:dgram"
import { describe, expect, it } from "@effect/vitest"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const closedPort = () =>
  new Promise<number>((resolve) => {
    const socket = createSocket("udp4")
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })

/**
 * The replica's socket is connected to the harness's port, so when nothing listens there the
 * kernel reports each refused datagram back as a socket error. That must cost a log line per
 * interval, not the process.
 */
describe("the replica with no harness listening", () => {
  it("keeps running and reports the refused datagrams once per log interval", async () => {
    const port = await closedPort()
    const replica = spawn("./3700kvstore", [String(port), "0000", "0001", "0002"], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    replica.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")))
    // Its hello is refused once it is up, and a pre-vote to its (absent) peers 1.5–2 s later.
    const socketErrors = () => stderr.split("\n").filter((line) => line.includes("socket error"))
    for (let waited = 0; socketErrors().length === 0 && waited < 8_000; waited += 100) await sleep(100)
    await sleep(3_000)
    const running = replica.exitCode === null && replica.signalCode === null
    const exited = new Promise((resolve) => replica.once("exit", resolve))
    replica.kill("SIGTERM")
    await exited
    expect(running).toBe(true)
    expect(socketErrors()).toEqual([
      expect.stringMatching(/WARN socket error, datagram lost: .*ECONNREFUSED/)
    ])
  }, 15_000)
})
