import { BROADCAST, type NodeId } from "../ids.ts"

/** What the harness knows of each replica: whether it said hello, whether it is gone, and who leads. */
export class Roster {
  readonly ids: ReadonlyArray<NodeId>
  private readonly index = new Map<string, number>()
  private readonly registered: Array<boolean>
  private readonly alive: Array<boolean>
  readonly killed: Array<NodeId> = []
  readonly died: Array<NodeId> = []
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
    this.alive = ids.map(() => true)
  }

  get size(): number {
    return this.ids.length
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id)
  }

  isAlive(i: number): boolean {
    return this.alive[i] === true
  }

  /** Only a replica that said hello has an address the back end can deliver to. */
  canReceive(i: number): boolean {
    return this.alive[i] === true && this.registered[i] === true
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

  kill(i: number): void {
    this.alive[i] = false
    this.killed.push(this.ids[i] as NodeId)
  }

  /** A replica that exited without being killed: check 2 fails. */
  die(i: number): void {
    this.alive[i] = false
    this.died.push(this.ids[i] as NodeId)
  }

  observeLeader(leader: NodeId, at: number): void {
    if (leader !== this.leader) this.leaderChanges.push({ at, leader })
    this.leader = leader
    if (leader !== BROADCAST && this.leadersSeen[this.leadersSeen.length - 1] !== leader) this.leadersSeen.push(leader)
  }
}
