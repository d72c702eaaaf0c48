import type { NodeId } from "../ids.ts"
import type { RaftState } from "./state.ts"

/** Every datagram names the leader this replica believes in: the harness and clients learn it from there. */
export const envelope = (state: RaftState, dst: NodeId) => ({ src: state.config.self, dst, leader: state.leader }) as const
