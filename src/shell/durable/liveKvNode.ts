import { type Context, Deferred, Duration, Effect, Option, Random } from "effect"
import { BROADCAST, type NodeId } from "../../domain/ids.ts"
import { hasApplied } from "../../domain/raft/log/stateMachine.ts"
import type { ClientRequest, WireMessage } from "../../domain/wire/messages.ts"
import type { KvCommand, KvNode, KvOutcome, KvStatus } from "../../services/KvNode.ts"
import { LocalClient } from "../../services/LocalClient.ts"
import type { ReplicaShell } from "../replicaShell.ts"

/**
 * The value a key holds once deleted, and the value of a key never written: the harness's
 * clients read a missing key as "", so the store has one empty value for both. A delete is a
 * put of it, kept in the map as a tombstone (installSnapshot.ts checks that a snapshot lacks
 * no key the follower holds, which only holds while keys are never removed), and the client
 * API reads it as absent. So `put(k, "")` is a delete.
 */
export const ABSENT = ""

/** A session's put is one request however often it is sent: its MID is made of the session alone. */
const sessionMid = (client: string, sequence: number): string => `s:${sequence}:${client}`

const outcomeOf = (answer: WireMessage, self: NodeId): KvOutcome => {
  switch (answer.type) {
    case "ok":
      return answer.value === undefined || answer.value === ABSENT ? { _tag: "Done" } : { _tag: "Done", value: answer.value }
    case "redirect":
      return { _tag: "NotLeader", leader: answer.leader === BROADCAST || answer.leader === self ? undefined : answer.leader }
    case "fail":
      return { _tag: "Unavailable", reason: "the leader refused the request (a key and value too large for one entry)" }
    default:
      return { _tag: "Unavailable", reason: `unexpected answer "${answer.type}"` }
  }
}

export interface LiveKvNodeOptions {
  /** How long a command waits for the replica's answer before it is reported Unavailable. */
  readonly timeout: Duration.DurationInput
}

/**
 * KvNode over a running replica shell: a command becomes a client request from the local
 * client (LocalClient.ts) with its own MID, and resolves with the replica's answer to that MID.
 * Commands without a session get MIDs no other node or incarnation uses (a random nonce drawn at
 * start); a session's MID is the same on every node, so a retry through any of them is
 * deduplicated by the state machine. A retry of a put already applied here is answered at once:
 * the replica would drop it as a replay and never answer.
 */
export const makeKvNode = (shell: ReplicaShell, options: LiveKvNodeOptions) =>
  Effect.gen(function* () {
    const client = yield* LocalClient
    const self = shell.state().config.self
    const nonce = (yield* Random.nextInt).toString(36)
    let counter = 0
    const pending = new Map<string, Deferred.Deferred<WireMessage>>()
    client.onAnswer((answer) => {
      if (!("MID" in answer)) return
      const waiting = pending.get(answer.MID)
      if (waiting === undefined) return
      pending.delete(answer.MID)
      Deferred.unsafeDone(waiting, Effect.succeed(answer))
    })

    const requestOf = (command: KvCommand, MID: string): ClientRequest => {
      const envelope = { src: client.id, dst: self, leader: BROADCAST, MID }
      if (command.kind === "get") return { ...envelope, type: "get", key: command.key }
      const value = command.kind === "put" ? command.value : ABSENT
      return { ...envelope, type: "put", key: command.key, value }
    }

    const ask = (request: ClientRequest): Effect.Effect<KvOutcome> =>
      Effect.gen(function* () {
        const joined = pending.get(request.MID)
        const answer = joined ?? (yield* Deferred.make<WireMessage>())
        if (joined === undefined) {
          pending.set(request.MID, answer)
          if (!client.request(request)) {
            pending.delete(request.MID)
            return { _tag: "Unavailable", reason: "the node is not serving yet" } as const
          }
        }
        const answered = yield* Deferred.await(answer).pipe(Effect.timeoutOption(options.timeout))
        if (Option.isSome(answered)) return outcomeOf(answered.value, self)
        if (pending.get(request.MID) === answer) pending.delete(request.MID)
        return { _tag: "Unavailable", reason: `no answer within ${Duration.format(options.timeout)}` } as const
      })

    const submit = (command: KvCommand): Effect.Effect<KvOutcome> =>
      Effect.suspend(() => {
        const session = command.kind === "get" ? undefined : command.session
        const MID = session === undefined ? `n:${self}:${nonce}:${++counter}` : sessionMid(session.client, session.sequence)
        if (session !== undefined && hasApplied(shell.state().machine, client.id, MID)) return Effect.succeed({ _tag: "Done" } as const)
        return ask(requestOf(command, MID))
      })

    const status = Effect.sync((): KvStatus => {
      const state = shell.state()
      return {
        id: self,
        role: state.role,
        term: state.term,
        leader: state.leader === BROADCAST ? undefined : state.leader,
        commitIndex: state.commitIndex,
        appliedIndex: state.commitIndex
      }
    })
    const node: Context.Tag.Service<KvNode> = { submit, status }
    return node
  })
