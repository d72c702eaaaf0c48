import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, openSync } from "node:fs"
import path from "node:path"
import { freePort } from "../nemesis/nodeProcesses.ts"

const MEMBERS = ["m1", "m2", "m3"] as const
/** Start-up and the first election on a loaded 2-core machine: this bounds a hang, not a speed. */
const START_PATIENCE_MS = 60_000

interface MemberStatus {
  readonly header?: { readonly member_id?: string }
  readonly leader?: string
}

const statusOf = async (url: string): Promise<MemberStatus | undefined> => {
  try {
    const response = await fetch(new URL("/v3/maintenance/status", url), { method: "POST", body: "{}", signal: AbortSignal.timeout(1_000) })
    return response.ok ? ((await response.json()) as MemberStatus) : undefined
  } catch {
    return undefined
  }
}

/**
 * A three-member etcd cluster on this machine, in `directory`, on ports the kernel just handed
 * out, with etcd's defaults otherwise: every write fsynced to its WAL before it is acknowledged.
 * Each member's log goes to `<name>.log` there.
 */
export class EtcdMembers {
  private constructor(
    private readonly processes: ReadonlyArray<ChildProcess>,
    readonly urls: ReadonlyArray<string>
  ) {}

  static async start(directory: string, etcd: string): Promise<EtcdMembers> {
    const ports: Array<{ readonly client: number; readonly peer: number }> = []
    for (const _ of MEMBERS) ports.push({ client: await freePort("tcp"), peer: await freePort("tcp") })
    const peerUrl = (i: number) => `http://127.0.0.1:${ports[i]?.peer}`
    const clientUrl = (i: number) => `http://127.0.0.1:${ports[i]?.client}`
    const initialCluster = MEMBERS.map((name, i) => `${name}=${peerUrl(i)}`).join(",")
    const processes = MEMBERS.map((name, i) => {
      mkdirSync(path.join(directory, name), { recursive: true })
      const log = openSync(path.join(directory, `${name}.log`), "a")
      return spawn(
        etcd,
        [
          ...["--name", name, "--data-dir", path.join(directory, name)],
          ...["--listen-client-urls", clientUrl(i), "--advertise-client-urls", clientUrl(i)],
          ...["--listen-peer-urls", peerUrl(i), "--initial-advertise-peer-urls", peerUrl(i)],
          ...["--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", "etcd-bench"],
          ...["--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"]
        ],
        { stdio: ["ignore", "ignore", log] }
      )
    })
    const members = new EtcdMembers(processes, MEMBERS.map((_, i) => clientUrl(i)))
    const deadline = performance.now() + START_PATIENCE_MS
    while ((await members.leaderUrl()) === undefined) {
      if (performance.now() > deadline || processes.some((child) => child.exitCode !== null)) {
        await members.stop()
        throw new Error(`etcd had no leader within ${START_PATIENCE_MS} ms (or a member exited); logs in ${directory}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return members
  }

  /** The client URL of the member that says it leads. */
  async leaderUrl(): Promise<string | undefined> {
    for (const url of this.urls) {
      const status = await statusOf(url)
      if (status?.leader !== undefined && status.leader === status.header?.member_id) return url
    }
    return undefined
  }

  stop(): Promise<void> {
    return Promise.all(
      this.processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once("exit", () => resolve())
            child.kill("SIGTERM")
          })
      )
    ).then(() => undefined)
  }
}
