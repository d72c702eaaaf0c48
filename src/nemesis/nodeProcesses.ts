import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createSocket } from "node:dgram"
import { mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import path from "node:path"

export const NODE_IDS = ["0001", "0002", "0003"] as const
export type NemesisNodeId = (typeof NODE_IDS)[number]

export const freePort = (kind: "udp" | "tcp"): Promise<number> =>
  new Promise((resolve) => {
    if (kind === "udp") {
      const socket = createSocket("udp4")
      socket.bind(0, "127.0.0.1", () => {
        const port = socket.address().port
        socket.close(() => resolve(port))
      })
    } else {
      const server = createServer()
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
      })
    }
  })

/**
 * Three kvnode processes in `directory`, on ports the kernel just handed out, each obeying the
 * same fault-control file: the nemesis's hands. Each node's stderr goes to `<id>.log` there,
 * appended across restarts, so a failed run can be read afterwards.
 */
export class NodeProcesses {
  private readonly running = new Map<NemesisNodeId, ChildProcess>()
  private readonly faultFile: string

  private constructor(
    private readonly directory: string,
    private readonly kvnode: string,
    readonly clusterFile: string,
    readonly urls: ReadonlyArray<string>
  ) {
    this.faultFile = path.join(directory, "faults.json")
  }

  static async start(directory: string, kvnode: string): Promise<NodeProcesses> {
    const peerPorts: Array<number> = []
    const httpPorts: Array<number> = []
    for (const _ of NODE_IDS) {
      peerPorts.push(await freePort("udp"))
      httpPorts.push(await freePort("tcp"))
    }
    const keyFile = path.join(directory, "cluster.key")
    writeFileSync(keyFile, randomBytes(32).toString("hex"), { mode: 0o600 })
    const clusterFile = path.join(directory, "cluster.json")
    const nodes = NODE_IDS.map((id, i) => ({ id, peer: { host: "127.0.0.1", port: peerPorts[i] }, http: { host: "127.0.0.1", port: httpPorts[i] } }))
    writeFileSync(clusterFile, JSON.stringify({ cluster: "nemesis", key: { file: keyFile }, nodes }))
    const processes = new NodeProcesses(directory, kvnode, clusterFile, httpPorts.map((port) => `http://127.0.0.1:${port}`))
    for (const id of NODE_IDS) processes.launch(id)
    return processes
  }

  /** The running process of node `id`, if it runs. */
  pidOf(id: NemesisNodeId): number | undefined {
    return this.running.get(id)?.pid
  }

  urlOf(id: NemesisNodeId): string {
    return this.urls[NODE_IDS.indexOf(id)] ?? ""
  }

  private launch(id: NemesisNodeId): void {
    const data = path.join(this.directory, id)
    mkdirSync(data, { recursive: true })
    const log = openSync(path.join(this.directory, `${id}.log`), "a")
    const node = spawn(process.execPath, [this.kvnode, "--id", id, "--cluster", this.clusterFile, "--data", data, "--fault-control", this.faultFile, "--log-level", "warning"], {
      stdio: ["ignore", "ignore", log]
    })
    this.running.set(id, node)
    node.once("exit", () => {
      if (this.running.get(id) === node) this.running.delete(id)
    })
  }

  /** SIGKILL, and resolves once the process is gone, so its data directory is free for a restart. */
  kill(id: NemesisNodeId): Promise<void> {
    const node = this.running.get(id)
    if (node === undefined) return Promise.resolve()
    return new Promise((resolve) => {
      node.once("exit", () => resolve())
      node.kill("SIGCONT")
      node.kill("SIGKILL")
    })
  }

  restart(id: NemesisNodeId): void {
    if (!this.running.has(id)) this.launch(id)
  }

  pause(id: NemesisNodeId): void {
    this.running.get(id)?.kill("SIGSTOP")
  }

  resume(id: NemesisNodeId): void {
    this.running.get(id)?.kill("SIGCONT")
  }

  /** Directed links; written whole and renamed into place, so a node never reads half a file. */
  cut(links: ReadonlyArray<readonly [NemesisNodeId, NemesisNodeId]>): void {
    const next = `${this.faultFile}.next`
    writeFileSync(next, JSON.stringify({ cuts: links }))
    renameSync(next, this.faultFile)
  }

  /** Every fault undone: links whole, paused nodes running, killed nodes started again. */
  healAll(): void {
    rmSync(this.faultFile, { force: true })
    for (const id of NODE_IDS) {
      this.resume(id)
      this.restart(id)
    }
  }

  stop(): Promise<void> {
    return Promise.all(NODE_IDS.map((id) => this.kill(id))).then(() => undefined)
  }
}
