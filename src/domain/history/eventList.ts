import type { Operation } from "./operation.ts"
import { respondedAt } from "./realTime.ts"

/**
 * The call and return events of one key's operations in time order, as a doubly linked list
 * from which the search lifts an operation's two events when it linearizes the operation and
 * puts them back, in reverse order, when it undoes that (Knuth's dancing links, as in
 * Porcupine). Nodes are event indexes; -1 ends the list.
 *
 * At equal times calls come first: an operation answered at t does not precede one invoked
 * at t. An operation never answered has a call and no return.
 */
export class EventList {
  /** How many operations have a return event, i.e. must be linearized. */
  readonly answered: number
  private readonly head: number
  private readonly next: Int32Array
  private readonly prev: Int32Array
  private readonly ops: Int32Array
  private readonly calls: Uint8Array
  private readonly returns: Int32Array

  constructor(history: ReadonlyArray<Operation>) {
    const events: Array<{ readonly at: number; readonly op: number; readonly call: boolean }> = []
    history.forEach((op, i) => {
      events.push({ at: op.invokedAt, op: i, call: true })
      if (op.outcome._tag === "Ok") events.push({ at: respondedAt(op), op: i, call: false })
    })
    events.sort((a, b) => a.at - b.at || Number(b.call) - Number(a.call) || a.op - b.op)
    const size = events.length
    this.answered = size - history.length
    this.head = size
    this.next = new Int32Array(size + 1)
    this.prev = new Int32Array(size + 1)
    this.ops = new Int32Array(size)
    this.calls = new Uint8Array(size)
    this.returns = new Int32Array(size).fill(-1)
    const callOf = new Int32Array(history.length)
    this.next[this.head] = size > 0 ? 0 : -1
    events.forEach((event, node) => {
      this.next[node] = node + 1 < size ? node + 1 : -1
      this.prev[node] = node === 0 ? this.head : node - 1
      this.ops[node] = event.op
      this.calls[node] = event.call ? 1 : 0
      if (event.call) callOf[event.op] = node
    })
    events.forEach((event, node) => {
      if (!event.call) this.returns[callOf[event.op] ?? 0] = node
    })
  }

  first(): number {
    return this.next[this.head] ?? -1
  }

  after(node: number): number {
    return this.next[node] ?? -1
  }

  isCall(node: number): boolean {
    return this.calls[node] === 1
  }

  /** The operation (its index in the history) whose event `node` is. */
  opAt(node: number): number {
    return this.ops[node] ?? 0
  }

  /** Lifts a call and its return out of the list; true if the operation had a return. */
  lift(call: number): boolean {
    this.unlink(call)
    const ret = this.returns[call] ?? -1
    if (ret !== -1) this.unlink(ret)
    return ret !== -1
  }

  /** Undoes the latest `lift`, which must have been of `call`; true if the operation has a return. */
  unlift(call: number): boolean {
    const ret = this.returns[call] ?? -1
    if (ret !== -1) this.relink(ret)
    this.relink(call)
    return ret !== -1
  }

  private unlink(node: number): void {
    const before = this.prev[node] ?? this.head
    const after = this.next[node] ?? -1
    this.next[before] = after
    if (after !== -1) this.prev[after] = before
  }

  private relink(node: number): void {
    const before = this.prev[node] ?? this.head
    const after = this.next[node] ?? -1
    this.next[before] = node
    if (after !== -1) this.prev[after] = node
  }
}
