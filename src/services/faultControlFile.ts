import { readFile } from "node:fs/promises"
import { Effect, Layer, Schedule } from "effect"
import { isNodeId, type NodeId } from "../domain/ids.ts"
import { LinkCuts, withLinkCuts } from "./LinkCuts.ts"
import type { PeerLinks } from "./PeerLinks.ts"
import { ReplicaLog } from "./ReplicaLog.ts"

/** Often enough that a nemesis's cut takes hold well inside an election timeout. */
const POLL_INTERVAL_MS = 200

/**
 * The cut links a fault-control file names: `{"cuts": [["0001", "0002"], ...]}`, each pair a
 * directed link from → to. A missing file means no cuts, so a nemesis heals by deleting it;
 * anything else that does not parse is `undefined`, and the cuts in force stay.
 */
export const parseFaultControl = (text: string | undefined): ReadonlyArray<readonly [NodeId, NodeId]> | undefined => {
  if (text === undefined) return []
  try {
    const parsed: unknown = JSON.parse(text)
    const cuts = typeof parsed === "object" && parsed !== null && "cuts" in parsed ? parsed.cuts : undefined
    if (!Array.isArray(cuts)) return undefined
    const links = cuts.filter((cut): cut is [NodeId, NodeId] => Array.isArray(cut) && cut.length === 2 && isNodeId(cut[0]) && isNodeId(cut[1]))
    return links.length === cuts.length ? links : undefined
  } catch {
    return undefined
  }
}

const readIfPresent = (path: string) =>
  Effect.promise(() => readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? undefined : "")))

/**
 * PeerLinks cut as the file at `path` says, re-read every POLL_INTERVAL_MS: how a nemesis in
 * another process cuts links without root or network namespaces. Opt-in (`kvnode
 * --fault-control PATH`); every node may read the same file, each applying the cuts it is an end of.
 */
export const withFaultControlFile = (path: string): Layer.Layer<PeerLinks, never, PeerLinks | ReplicaLog> =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const cuts = new LinkCuts()
      const diagnostics = yield* ReplicaLog
      const apply = Effect.flatMap(readIfPresent(path), (text) => {
        const links = parseFaultControl(text)
        if (links === undefined) return diagnostics.report("warning", "fault-control:unreadable", `${path} is not {"cuts": [[from, to], ...]}: cuts unchanged`)
        cuts.healAll()
        for (const [from, to] of links) cuts.cut(from, to)
        return Effect.void
      })
      yield* apply
      yield* Effect.forkScoped(Effect.repeat(apply, Schedule.spaced(POLL_INTERVAL_MS)))
      return withLinkCuts(cuts)
    })
  )
