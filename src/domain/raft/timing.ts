/**
 * The replica's clocks, in milliseconds, chosen from the harness's budgets. The measurements
 * behind each are in docs/protocol-choices.md ("Elections", "Unanswered heartbeats") and
 * docs/performance/.
 *
 * - Idle cost. A leader heartbeats every follower it has not sent to for `heartbeat` ms, and
 *   only the quorum it leans on (2 of 4) answers an empty heartbeat: 6 messages per period,
 *   a few hundred for a whole idle run, well inside the message budgets. Followers that just
 *   received a put need no heartbeat.
 * - Dead followers. One that has answered nothing it was asked for `silentAfter` ms is taken
 *   for dead or cut off, and heartbeaten as often as it has been silent, up to every
 *   `silentHeartbeatMax` ms, instead of two a second for the rest of the run. The advanced
 *   configs' partitions are shorter than `silentAfter`, so a follower cut off by one is never
 *   backed off.
 * - Failover. A follower campaigns after `electionMin`–`electionMax` ms of silence, so a dead
 *   leader is replaced within about electionMax plus two round trips (pre-vote, vote).
 *   `electionMin` is the lease's price (below). The spread above it need only be wide against
 *   an election's round trips, so that two followers seldom campaign together; a dead leader
 *   costs the first survivor's share of it. Three heartbeat periods fit in `electionMin`, so it
 *   takes three consecutive losses (0.3³ = 2.7% at the harshest config's 30% drops) before a
 *   follower even asks for a pre-vote, which its peers refuse while they still hear the leader.
 *   The leader's side, check-quorum, hears a majority within `electionMin` only if answers come
 *   back: once `electionMin − heartbeat` passes without, it asks again on the retransmission
 *   clock (retransmission.ts, `reaskLeaned`).
 * - Read lease. A leader answers gets alone until `lease` ms after the send time of the latest
 *   heartbeat a quorum acknowledged. Voters refuse to elect anyone for `electionMin` ms after
 *   they last heard a leader, so no other leader can exist before that; `lease` keeps a 10%
 *   margin below it for timer lateness (all replicas share one machine's clock, so rate drift
 *   is negligible).
 * - Retransmission. A put whose quorum has not answered in time is sent again, to just enough
 *   followers to make up the quorum. "In time" is the leader's estimate of an append's round
 *   trip, mean plus four deviations (roundTrip.ts), kept within `retransmitMin`–`retransmitMax`,
 *   so that it fires on real losses and the slowest few percent. The floor keeps a run of quick
 *   answers from making every ordinary round trip look lost; the ceiling keeps one long stall
 *   (a collection, a descheduled process) from leaving the next losses waiting for tens of
 *   milliseconds. Before its first answer a leader waits `retransmit`, and a (pre-)candidate
 *   re-asks silent voters on that clock.
 * - Stalled log. A put appended by a leader that can no longer reach a quorum stays undecided
 *   until the partition heals (roles.ts), and check-quorum takes `electionMin` to notice.
 *   Once no entry has committed for `holdAfter` ms while some wait, new puts are held out of
 *   the log instead: they join it when the log moves, and are redirected, never having been
 *   appended, if the leader steps down. `holdAfter` is far beyond a put's round trip even at
 *   the harshest config's drops (BENCHMARKS.md), so a leader with a working quorum holds only
 *   after a run of losses.
 */
export interface Timing {
  readonly electionMin: number
  readonly electionMax: number
  /** How long a follower may answer nothing it was asked before it is taken for dead (progress.ts). */
  readonly silentAfter: number
  readonly heartbeat: number
  /** The longest gap between heartbeats to a follower that has stopped answering (progress.ts). */
  readonly silentHeartbeatMax: number
  readonly lease: number
  readonly retransmit: number
  readonly retransmitMin: number
  readonly retransmitMax: number
  /** How long a follower holds a client request while it suspects its leader is dead. */
  readonly parkLimit: number
  /** The same, at a replica that knows it is cut off from a majority (parking.ts). */
  readonly cutOffParkLimit: number
  /** How long the log may stall before a leader holds new puts out of it. */
  readonly holdAfter: number
}

export const defaultTiming: Timing = {
  electionMin: 1500,
  electionMax: 2000,
  silentAfter: 3000,
  heartbeat: 500,
  silentHeartbeatMax: 4000,
  lease: 1350,
  retransmit: 4,
  retransmitMin: 1.5,
  retransmitMax: 10,
  parkLimit: 3000,
  cutOffParkLimit: 250,
  holdAfter: 100
}

/** A fresh election deadline; `random` is a draw in [0, 1) supplied by the shell. */
export const electionDeadline = (timing: Timing, now: number, random: number): number =>
  now + timing.electionMin + random * (timing.electionMax - timing.electionMin)
