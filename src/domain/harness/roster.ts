import { BROADCAST, type NodeId } from "../ids.ts"

/** A replica process that ended without the harness killing it. */
export interface Exit {
  readonly replica: NodeId
  readonly atMs: number
  /** "code 1", "SIGSEGV", …, as the back end saw it. */
  readonly how: string
  /** The last lines it wrote to stderr, when the back end kept them (real mode). */
  readonly stderrTail?: ReadonlyArray<string>
}

/**
 * What the harness knows of each replica, kept as the reference keeps it (docs/calibration.md):
 * - `open`: its harness socket is open. A kill closes it first, so nothing the replica sends
 *   afterwards is routed.
 * - `living`: the reference's `living_rids`, the replicas clients may be sent to. A kill takes a
 *   replica out; so does a datagram the harness could not hand it because it had not said hello
 *   yet. That second way is what the "died" check counts: the replica stays open and routed.
 * A process that exits on its own is noticed by neither: it stays open and living, and what is
 * sent to it is lost. kvsim records the exit for its report only.
 */
export class Roster {
  readonly ids: ReadonlyArray<NodeId>
  private readonly index = new Map<string, number>()
  private readonly registered: Array<boolean>
  private readonly open: Array<boolean>
  private readonly alive: Array<boolean>
  private readonly killedAt: Array<number | undefined>
  readonly killed: Array<NodeId> = []
  readonly died: Array<NodeId> = []
  readonly exits: Array<Exit> = []
  /** The leader the harness believes in; BROADCAST when unknown. */
  leader: NodeId = BROADCAST
  /** Every leader believed in, in order, without immediate repeats. */
  readonly leadersSeen: Array<NodeId> = []
  /** When the belief changed, and to what (BROADCAST: no leader known). */
  readonly leaderChanges: Array<{ readonly at: number; readonly leader: NodeId }> = []

  constructor(ids: ReadonlyArray<NodeId>) {
    this.ids = ids
    ids.forEach((id, i) => this.index.set(id, i))
    this.registered = ids.map(() => false)
    this.open = ids.map(() => true)
    this.alive = ids.map(() => true)
    this.killedAt = ids.map(() => undefined)
  }

  get size(): number {
    return this.ids.length
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id)
  }

  /** In `living_rids`: clients may be sent to it. */
  isAlive(i: number): boolean {
    return this.alive[i] === true
  }

  /** Its harness socket is open: what it sends is routed. */
  isOpen(i: number): boolean {
    return this.open[i] === true
  }

  /** Only a replica that said hello has an address the back end can deliver to. */
  canReceive(i: number): boolean {
    return this.open[i] === true && this.registered[i] === true
  }

  isRegistered(i: number): boolean {
    return this.registered[i] === true
  }

  register(i: number): void {
    this.registered[i] = true
  }

  living(): Array<NodeId> {
    return this.ids.filter((_, i) => this.alive[i])
  }

  get anyLiving(): boolean {
    return this.alive.includes(true)
  }

  /** No replica process is left: each was killed or has exited on its own. */
  get noneRunning(): boolean {
    return this.ids.every((id, i) => this.killedAt[i] !== undefined || this.exits.some((exit) => exit.replica === id))
  }

  /** When the harness killed it, if it did. */
  killTime(i: number): number | undefined {
    return this.killedAt[i]
  }

  /** The reference kills only a living replica: its socket closes, then SIGTERM. */
  kill(i: number, now: number): boolean {
    if (this.alive[i] !== true) return false
    this.alive[i] = false
    this.open[i] = false
    this.killedAt[i] = now
    this.killed.push(this.ids[i] as NodeId)
    return true
  }

  /** The harness had a datagram for it before its hello: the reference takes it for dead. */
  giveUp(i: number): void {
    if (this.alive[i] !== true) return
    this.alive[i] = false
    this.died.push(this.ids[i] as NodeId)
  }

  exited(i: number, atMs: number, how: string): void {
    if (this.killedAt[i] === undefined) this.exits.push({ replica: this.ids[i] as NodeId, atMs, how })
  }

  observeLeader(leader: NodeId, at: number): void {
    if (leader !== this.leader) this.leaderChanges.push({ at, leader })
    this.leader = leader
    if (leader !== BROADCAST && this.leadersSeen[this.leadersSeen.length - 1] !== leader) this.leadersSeen.push(leader)
  }
}
