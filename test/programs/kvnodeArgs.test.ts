import { describe, expect, it } from "vitest"
import { Either, LogLevel } from "effect"
import { localClientId } from "../../src/domain/cluster/localClientId.ts"
import type { NodeId } from "../../src/domain/ids.ts"
import { parseKvnodeArgs } from "../../src/programs/kvnode/kvnodeArgs.ts"

describe("kvnode's arguments", () => {
  it("takes --flag value and --flag=value, the log level from the environment unless given", () => {
    expect(parseKvnodeArgs(["--id", "0002", "--cluster=c.json", "--data", "/var/kv"], { KV_LOG_LEVEL: "debug" })).toEqual(
      Either.right({ id: "0002", clusterFile: "c.json", dataDirectory: "/var/kv", logLevel: LogLevel.Debug })
    )
  })

  it("takes a fault-control file only when given one", () => {
    expect(parseKvnodeArgs(["--id", "0002", "--cluster", "c.json", "--data", "d", "--fault-control", "f.json"], {})).toEqual(
      Either.right({ id: "0002", clusterFile: "c.json", dataDirectory: "d", logLevel: LogLevel.Info, faultControl: "f.json" })
    )
    expect(Either.getOrThrow(parseKvnodeArgs(["--id", "0002", "--cluster", "c.json", "--data", "d"], {}))).not.toHaveProperty("faultControl")
  })

  it("says what is wrong", () => {
    expect(parseKvnodeArgs(["--id", "0002", "--cluster", "c.json"], {})).toEqual(Either.left("expected --id, --cluster and --data"))
    expect(parseKvnodeArgs(["--id", "FFFF", "--cluster", "c", "--data", "d"], {})).toEqual(Either.left(`"FFFF" is not a node id`))
    expect(parseKvnodeArgs(["--port", "1"], {})).toEqual(Either.left(`unknown argument "--port"`))
    expect(parseKvnodeArgs(["--id"], {})).toEqual(Either.left("--id needs a value"))
  })
})

describe("localClientId", () => {
  it("is the highest id below FFFF that no node has", () => {
    expect(localClientId(["0000", "0001"] as Array<NodeId>)).toBe("FFFE")
    expect(localClientId(["FFFE", "0001", "FFFD"] as Array<NodeId>)).toBe("FFFC")
  })
})
