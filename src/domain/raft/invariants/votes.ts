import type { NodeId } from "../../ids.ts"
import { majority } from "../structures/quorum.ts"

/**
 * The votes granted in each term, as the voters recorded them (`votedFor`) or sent them (a
 * granted `voted`), and the leader of each term. Election Safety (§5.2) rests on two facts
 * checked here: a voter grants at most one candidate a term, and the leader of a term won the
 * grants of a majority in it. Checking the second, not only "one leader a term", catches a
 * replica that leads without having won even when no rival ever shows up.
 */
export class VoteLedger {
  private readonly grants = new Map<number, Map<NodeId, NodeId>>()
  private readonly leaders = new Map<number, NodeId>()

  /** Records `voter`'s grant to `candidate` in `term`; describes a grant to another candidate before it. */
  grant(term: number, voter: NodeId, candidate: NodeId): string | undefined {
    let ofTerm = this.grants.get(term)
    if (ofTerm === undefined) {
      ofTerm = new Map()
      this.grants.set(term, ofTerm)
    }
    const earlier = ofTerm.get(voter)
    if (earlier === undefined) ofTerm.set(voter, candidate)
    return earlier === undefined || earlier === candidate ? undefined : `${voter} granted its vote in term ${term} to ${earlier}, then to ${candidate}`
  }

  /** Checks `id` as the leader of `term` in a cluster of `size`; the grants it won must already be recorded. */
  leads(term: number, id: NodeId, size: number): string | undefined {
    const known = this.leaders.get(term)
    if (known === id) return undefined
    if (known !== undefined) return `${known} and ${id} both led term ${term}`
    this.leaders.set(term, id)
    const voters: Array<NodeId> = []
    for (const [voter, candidate] of this.grants.get(term) ?? []) if (candidate === id) voters.push(voter)
    if (voters.length >= majority(size)) return undefined
    return `${id} leads term ${term} with the votes of ${voters.length === 0 ? "no one" : voters.join(", ")}, short of a majority of ${size}`
  }
}
