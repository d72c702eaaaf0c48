import { EventList } from "./eventList.ts"
import type { Operation } from "./operation.ts"
import { isRead, numberValues, valueOf } from "./registerModel.ts"
import { bitHash, VisitedStates } from "./visitedStates.ts"

export type SearchResult =
  | { readonly _tag: "Linearizable" }
  | { readonly _tag: "Violation" }
  | { readonly _tag: "Exhausted"; readonly states: number }

/**
 * Whether the operations on one key can be linearized, by Wing & Gong's search with Lowe's
 * just-in-time refinement, as Porcupine implements it: walk the call and return events in
 * time order; at a call, try to linearize that operation now and restart from the first
 * remaining event; reaching a return whose operation is still pending means nothing later
 * can go before it, so undo the latest choice. Configurations (linearized set, register
 * value) already explored are skipped, which bounds the work by the number of distinct
 * configurations; past `maxStates` of them the search gives up.
 *
 * Two reductions on top, both keeping the search exhaustive. A put is not tried if it would
 * overwrite a value that a pending get saw and no put left can write again (`strands`). And a
 * get that could be linearized now and would see the current value is linearized now without
 * trying alternatives: nothing pending must precede it and a get changes nothing, so any
 * linearization placing it later stays valid with it moved here; if the configuration after
 * it fails, so does the one before.
 *
 * An unanswered put has a call and no return: nothing forces it, so it is placed only where
 * it explains a read — "anywhere after its invocation, or never". Unanswered gets constrain
 * nothing and are left out.
 */
export const searchRegister = (ops: ReadonlyArray<Operation>, maxStates: number): SearchResult => {
  const relevant = ops.filter(mayMatter(ops))
  const n = relevant.length
  const values = numberValues(relevant)
  const isPut = Uint8Array.from(relevant, (op) => (op.kind === "put" ? 1 : 0))
  const events = new EventList(relevant)

  const linearized = new Uint32Array(Math.max(1, Math.ceil(n / 32)))
  const visited = new VisitedStates(linearized.length)
  const frameNode = new Int32Array(n)
  const frameValue = new Int32Array(n)
  const frameForced = new Uint8Array(n)
  // Per value: puts not yet linearized that write it, and gets not yet linearized that saw it.
  const putsLeft = new Int32Array(n + 1)
  const readsLeft = new Int32Array(n + 1)
  relevant.forEach((_, i) => {
    const counts = isPut[i] === 1 ? putsLeft : readsLeft
    counts[values[i] ?? 0] = (counts[values[i] ?? 0] ?? 0) + 1
  })
  let depth = 0
  let hash = 0
  let value = 0
  let pending = events.answered

  /** Marks an operation linearized (`left` = -1) or pending again (`left` = +1). */
  const toggle = (op: number, left: 1 | -1): void => {
    linearized[op >>> 5] = (linearized[op >>> 5] ?? 0) ^ (1 << (op & 31))
    hash ^= bitHash(op)
    const counts = isPut[op] === 1 ? putsLeft : readsLeft
    counts[values[op] ?? 0] = (counts[values[op] ?? 0] ?? 0) + left
  }

  /**
   * Overwriting the current value dooms the search if a pending get saw it and no put left
   * can write it again: that get could never be linearized. With distinct values per put,
   * this cuts off a wrong guess at once instead of at the get's return.
   */
  const strands = (after: number): boolean =>
    after !== value && (readsLeft[value] ?? 0) > 0 && (putsLeft[value] ?? 0) === 0

  /** Linearizes the operation called at `node`, unless that strands a get or reaches an explored configuration. */
  const linearize = (node: number, forced: boolean): boolean => {
    const op = events.opAt(node)
    const after = isPut[op] === 1 ? values[op] ?? 0 : value
    toggle(op, -1)
    if (strands(after) || !visited.add(linearized, hash, after)) {
      toggle(op, 1)
      return false
    }
    frameNode[depth] = node
    frameValue[depth] = value
    frameForced[depth] = forced ? 1 : 0
    depth++
    value = after
    if (events.lift(node)) pending--
    return true
  }

  /** Undoes the latest choice; the node to resume the walk from. */
  const undo = (): number => {
    depth--
    const node = frameNode[depth] ?? 0
    toggle(events.opAt(node), 1)
    value = frameValue[depth] ?? 0
    if (events.unlift(node)) pending++
    return events.after(node)
  }

  /** A get that may go next (its call precedes every pending return) and sees the current value. */
  const readNow = (): number => {
    for (let node = events.first(); node !== -1 && events.isCall(node); node = events.after(node)) {
      const op = events.opAt(node)
      if (isPut[op] === 0 && values[op] === value) return node
    }
    return -1
  }

  let node = events.first()
  let fresh = true
  while (pending > 0) {
    if (fresh) {
      fresh = false
      const read = readNow()
      if (read !== -1) {
        if (linearize(read, true)) {
          if (visited.size > maxStates) return { _tag: "Exhausted", states: visited.size }
          fresh = true
          node = events.first()
          continue
        }
        // Explored before and failed (it cannot be on the current path: it holds more), so this fails too.
        node = -1
      }
    }
    if (node !== -1 && events.isCall(node)) {
      if (isPut[events.opAt(node)] === 1 && linearize(node, false)) {
        if (visited.size > maxStates) return { _tag: "Exhausted", states: visited.size }
        fresh = true
        node = events.first()
      } else {
        node = events.after(node)
      }
      continue
    }
    // A pending return (or a doomed configuration): nothing more can be linearized before it.
    // A forced get had no alternative, so undoing it fails the configuration before it too.
    do {
      if (depth === 0) return { _tag: "Violation" }
      node = undo()
    } while (frameForced[depth] === 1)
  }
  return { _tag: "Linearizable" }
}

/**
 * Leaves out unanswered puts of a value no get saw: placed anywhere, such a put would only
 * be followed by another put or by nothing, so dropping it changes no answer and shrinks the search.
 */
const mayMatter = (ops: ReadonlyArray<Operation>): ((op: Operation) => boolean) => {
  const seen = new Set(ops.filter(isRead).map(valueOf))
  return (op) => op.outcome._tag === "Ok" || (op.kind === "put" && seen.has(valueOf(op)))
}
