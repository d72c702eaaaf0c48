import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { loadClusterFile } from "../../src/domain/cluster/clusterFile.ts"

const example = readFileSync("examples/cluster.json", "utf8")

interface AddressJson {
  host: unknown
  port?: unknown
}
interface NodeJson {
  id: unknown
  peer: AddressJson
  http?: AddressJson
  peers?: unknown
}
interface FileJson {
  cluster: unknown
  key: unknown
  nodes: Array<NodeJson>
}

/** The example with `edit` applied to its parsed JSON. */
const edited = (edit: (file: FileJson) => void): string => {
  const file = JSON.parse(example) as FileJson
  edit(file)
  return JSON.stringify(file)
}

const reason = (text: string): string =>
  Either.getOrThrowWith(Either.flip(loadClusterFile(text)), () => new Error("expected the cluster file to be refused")).reason

describe("loadClusterFile", () => {
  it("decodes the example of docs/cluster-transport.md, and a one-node cluster with its key in the environment", () => {
    expect(readFileSync("docs/cluster-transport.md", "utf8")).toContain(example.trim())
    const file = Either.getOrThrow(loadClusterFile(example))
    expect(file.cluster).toBe("kv-main")
    expect(file.key).toEqual({ file: "cluster.key" })
    expect(file.nodes.map((node) => node.id)).toEqual(["0000", "0001", "0002"])
    expect(file.nodes[2]).toEqual({ id: "0002", peer: { host: "kv-c.internal", port: 7400 }, http: { host: "kv-c.internal", port: 8400 } })
    const single = edited((f) => {
      f.key = { env: "KV_CLUSTER_KEY" }
      f.nodes = [{ id: "00A0", peer: { host: "fd00::1", port: 1 }, http: { host: "localhost", port: 65535 } }]
    })
    expect(Either.getOrThrow(loadClusterFile(single)).key).toEqual({ env: "KV_CLUSTER_KEY" })
  })

  it("names each mistaken id: malformed, lowercase, the broadcast address, a duplicate", () => {
    expect(reason(edited((f) => (f.nodes[1]!.id = "1")))).toBe(`nodes.1.id: expected four uppercase hex digits, such as "0001"`)
    expect(reason(edited((f) => (f.nodes[1]!.id = "00ab")))).toBe(`nodes.1.id: expected four uppercase hex digits, such as "0001"`)
    expect(reason(edited((f) => (f.nodes[1]!.id = "FFFF")))).toBe("nodes.1.id: FFFF is the broadcast address, not a node's id")
    expect(reason(edited((f) => (f.nodes[2]!.id = "0000")))).toBe("nodes.2.id: the same as nodes.0.id")
  })

  it("names each mistaken address: a port out of range or missing, a host with its port, unspecified, in brackets, shared", () => {
    expect(reason(edited((f) => (f.nodes[0]!.peer.port = 70_000)))).toBe("nodes.0.peer.port: Expected a number between 1 and 65535, actual 70000")
    expect(reason(edited((f) => (f.nodes[0]!.http!.port = 80.5)))).toBe("nodes.0.http.port: Expected an integer, actual 80.5")
    expect(reason(edited((f) => delete f.nodes[0]!.http!.port))).toBe("nodes.0.http.port: is missing")
    expect(reason(edited((f) => delete f.nodes[1]!.http))).toBe("nodes.1.http: is missing")
    expect(reason(edited((f) => (f.nodes[0]!.peer.host = "10.0.1.10:7400")))).toBe("nodes.0.peer.host: expected the host alone; the port goes in port")
    expect(reason(edited((f) => (f.nodes[0]!.peer.host = "0.0.0.0")))).toBe(
      "nodes.0.peer.host: expected an address other nodes can reach, not an unspecified one (0.0.0.0, ::)"
    )
    expect(reason(edited((f) => (f.nodes[0]!.peer.host = "[::1]")))).toBe("nodes.0.peer.host: expected a host name or an IP address, IPv6 without brackets")
    expect(reason(edited((f) => (f.nodes[0]!.peer.host = "")))).toBe("nodes.0.peer.host: expected a host name or an IP address, IPv6 without brackets")
    expect(reason(edited((f) => (f.nodes[2]!.peer = f.nodes[1]!.peer)))).toBe("nodes.2.peer: the same as nodes.1.peer")
    expect(reason(edited((f) => (f.nodes[2]!.http = f.nodes[0]!.http!)))).toBe("nodes.2.http: the same as nodes.0.http")
  })

  it("refuses the key itself, or both sources at once, without repeating the key in the error", () => {
    const key = "4f".repeat(32)
    const expected = `key: expected {"file": "<path of a key file>"} or {"env": "<environment variable name>"}; the key itself never goes in the cluster file`
    expect(reason(edited((f) => (f.key = key)))).toBe(expected)
    expect(reason(edited((f) => (f.key = { hex: key })))).toBe(expected)
    expect(reason(edited((f) => (f.key = { file: "cluster.key", env: "KV_CLUSTER_KEY" })))).toBe(expected)
    expect(reason(edited((f) => (f.key = { env: "KV CLUSTER KEY" })))).toBe(expected)
    expect(reason(edited((f) => (f.key = { file: "" })))).toBe(expected)
  })

  it("says what else is wrong: not JSON, no nodes, a bad cluster name, an unknown field; one message per mistake", () => {
    expect(reason("{")).toMatch(/^not JSON/)
    expect(reason("[]")).toMatch(/^cluster file: Expected/)
    expect(reason(edited((f) => (f.nodes = [])))).toBe("nodes: Expected an array of at least 1 item(s), actual []")
    expect(reason(edited((f) => (f.cluster = "kv main")))).toBe("cluster: expected 1 to 64 letters, digits, '.', '_' or '-'")
    expect(reason(edited((f) => (f.nodes[0]!.peers = f.nodes[0]!.peer)))).toBe(`nodes.0.peers: is unexpected, expected: "id" | "peer" | "http"`)
    const two = reason(
      edited((f) => {
        f.cluster = ""
        f.nodes[1]!.peer.port = 0
      })
    )
    expect(two.split("; ")).toEqual([
      "cluster: expected 1 to 64 letters, digits, '.', '_' or '-'",
      "nodes.1.peer.port: Expected a number between 1 and 65535, actual 0"
    ])
  })
})
