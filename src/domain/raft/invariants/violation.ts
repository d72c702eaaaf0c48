import type { NodeId } from "../../ids.ts"

/**
 * What a replica keeps by itself, whatever it is told: a lie from a peer may mislead it, never
 * make it take back its own word (a term, a commit, a committed entry, a vote, its own log as
 * leader) or send what no peer can read.
 */
export type LocalInvariant =
  | "term-monotonic"
  | "commit-monotonic"
  | "commit-within-log"
  | "committed-entry-kept"
  | "vote-once"
  | "leader-append-only"
  | "valid-output"
  | "timer-moves"

/**
 * What the replicas keep together while every peer is honest (Raft's fault model: no lies). A
 * forged grant, entry, acknowledgement or snapshot can break these without any replica being
 * at fault, since nothing on the wire is authenticated.
 */
export type ClusterInvariant =
  | "election-safety"
  | "log-matching"
  | "leader-completeness"
  | "state-machine-safety"
  | "machines-agree"

export type InvariantName = LocalInvariant | ClusterInvariant

export interface Violation {
  readonly invariant: InvariantName
  readonly replica: NodeId
  readonly detail: string
}

const CLUSTER: ReadonlySet<InvariantName> = new Set<ClusterInvariant>([
  "election-safety",
  "log-matching",
  "leader-completeness",
  "state-machine-safety",
  "machines-agree"
])

export const isClusterInvariant = (name: InvariantName): name is ClusterInvariant => CLUSTER.has(name)
