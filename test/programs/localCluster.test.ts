import { describe, expect, it } from "vitest"
import { Either } from "effect"
// @ts-expect-error a plain .mjs script with no type declarations
import { localClusterFile } from "../../scripts/localCluster.mjs"
import { loadClusterFile } from "../../src/domain/cluster/clusterFile.ts"
import { LOCAL_ENDPOINTS } from "../../src/programs/kv/localEndpoints.ts"

describe("the local cluster of npm run cluster", () => {
  it("is a valid cluster file whose HTTP addresses are kv's default endpoints", () => {
    const file = Either.getOrThrow(loadClusterFile(JSON.stringify(localClusterFile())))
    expect(file.nodes.map((node) => `http://${node.http.host}:${node.http.port}`)).toEqual(LOCAL_ENDPOINTS)
  })
})
