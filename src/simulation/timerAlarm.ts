import { Effect, Layer } from "effect"
import type { NodeId } from "../domain/ids.ts"
import { Alarm } from "../services/Alarm.ts"
import type { ReplicaTimers } from "./replicaTimers.ts"

/**
 * A replica's Alarm on the kernel: its timer among the simulation's replica timers, so a
 * replica program served in a simulation is woken as every simulated replica is, spin guard
 * included. Cleared when its scope closes.
 */
export const TimerAlarm = (timers: ReplicaTimers, replica: NodeId): Layer.Layer<Alarm> =>
  Layer.scoped(
    Alarm,
    Effect.as(
      Effect.addFinalizer(() => Effect.sync(() => timers.clear(replica))),
      Alarm.of({ set: (at, ring) => timers.set(replica, at, ring) })
    )
  )
