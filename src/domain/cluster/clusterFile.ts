import { Either, Schema } from "effect"
import { ReasonError } from "../reasonError.ts"
import { BROADCAST, isNodeId, type NodeId } from "../ids.ts"
import { jsonFileDecoder } from "../jsonFile.ts"

/**
 * A cluster file: which nodes make up one store, where each is reached, and where each finds
 * the shared key. Every node reads the same file and is told its own id on its command line.
 * The format is described, with an example, in docs/cluster-transport.md.
 */

/** Bound into every peer MAC, so a datagram of one cluster is refused by another. */
const ClusterName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._-]{1,64}$/, {
    message: () => "expected 1 to 64 letters, digits, '.', '_' or '-'"
  })
)

/** A replica's id as the wire has it; FFFF is the broadcast address, never a node's. */
const MemberId = Schema.String.pipe(
  Schema.filter(isNodeId, { message: () => `expected four uppercase hex digits, such as "0001"` }),
  Schema.filter((id: NodeId) => id !== BROADCAST, { message: () => `FFFF is the broadcast address, not a node's id` })
)

/** Addresses that mean "every interface" when bound but reach nobody when sent to. */
const UNSPECIFIED = new Set(["0.0.0.0", "::"])

/** A name or an IP literal (IPv6 without brackets); names are resolved once, when a node starts. */
const Host = Schema.String.pipe(
  Schema.pattern(/^[^\s/[\]]+$/, { message: () => "expected a host name or an IP address, IPv6 without brackets" }),
  // One colon is never an IPv6 address: it is a port written in the wrong place.
  Schema.filter((host) => !/^[^:]+:\d*$/.test(host), { message: () => "expected the host alone; the port goes in port" }),
  Schema.filter((host) => !UNSPECIFIED.has(host), {
    message: () => "expected an address other nodes can reach, not an unspecified one (0.0.0.0, ::)"
  })
)

const Port = Schema.Int.pipe(Schema.between(1, 65_535))

export const Address = Schema.Struct({ host: Host, port: Port })
export type Address = typeof Address.Type

export const ClusterNode = Schema.Struct({
  id: MemberId,
  /** Where the node's peer socket is bound, and where the other nodes send to it (UDP). */
  peer: Address,
  /** Where the node's client API listens, and where clients are sent to reach it (HTTP). */
  http: Address
})
export type ClusterNode = typeof ClusterNode.Type

/**
 * Where a node finds the shared key: a file (a relative path is taken from the cluster file's
 * directory) or an environment variable. Never the key itself: the cluster file is the
 * cluster's address book, copied to every host and read by operators and tools, while the
 * key is a secret with its own permissions and its own rotation.
 */
export const KeySource = Schema.Union(
  Schema.Struct({ file: Schema.String.pipe(Schema.minLength(1)) }),
  Schema.Struct({ env: Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)) })
).annotations({
  // The override keeps the decoder from echoing the value: a key pasted here would otherwise
  // be printed in the error, and from there in a log.
  message: () => ({
    message: `expected {"file": "<path of a key file>"} or {"env": "<environment variable name>"}; the key itself never goes in the cluster file`,
    override: true
  })
})
export type KeySource = typeof KeySource.Type

/** One mistake per duplicate, at the later occurrence, naming the earlier one. */
const duplicates = (
  nodes: ReadonlyArray<ClusterNode>,
  field: "id" | "peer" | "http",
  identity: (node: ClusterNode) => string
): Array<Schema.FilterIssue> =>
  nodes.flatMap((node, index) => {
    const first = nodes.findIndex((other) => identity(other) === identity(node))
    return first < index ? [{ path: ["nodes", index, field], message: `the same as nodes.${first}.${field}` }] : []
  })

const hostPort = (address: Address): string => `${address.host}:${address.port}`

export const ClusterFile = Schema.Struct({
  cluster: ClusterName,
  key: KeySource,
  nodes: Schema.Array(ClusterNode).pipe(Schema.minItems(1))
}).pipe(
  // A peer address must name one node: the receiver knows a sender by the address it came from.
  Schema.filter((file) => [
    ...duplicates(file.nodes, "id", (node) => node.id),
    ...duplicates(file.nodes, "peer", (node) => hostPort(node.peer)),
    ...duplicates(file.nodes, "http", (node) => hostPort(node.http))
  ])
)
export type ClusterFile = typeof ClusterFile.Type

export class ClusterFileError extends ReasonError("ClusterFileError") {}

const decodeClusterFile = jsonFileDecoder(ClusterFile, "cluster file")

/** Decodes a cluster file's text; the error names every mistaken field and what was expected. */
export const loadClusterFile = (text: string): Either.Either<ClusterFile, ClusterFileError> =>
  Either.mapLeft(decodeClusterFile(text), (reason) => new ClusterFileError({ reason }))
