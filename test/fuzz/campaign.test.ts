import { describe, expect, it } from "vitest"
import { REPLICA_TYPES } from "../../src/fuzz/hostileMaterial.ts"
import { runCampaign } from "../../src/fuzz/fuzzRun.ts"

/** A slice of `npm run fuzz` (which sends a million): every category, against live clusters, in a few seconds. */
describe("hostile datagrams against live five-replica clusters", () => {
  it("20,000 of them: no crash, nothing that must be turned away changes a replica or answers, nothing but a lie breaks Raft's safety", () => {
    const result = runCampaign({ seed: 20_241_122, count: 20_000 })
    expect(result.examples).toEqual([])
    expect(result.crashes).toBe(0)
    expect(result.violations).toBe(0)
    for (const category of result.categories) {
      expect(category.sent, category.name).toBeGreaterThan(300)
      if (category.expectation === "rejected") expect(category.rejected, category.name).toBe(category.sent)
      if (category.expectation === "unchanged" || category.expectation === "refused") expect(category.unchanged, category.name).toBe(category.sent)
      // Accepted traffic really reached the replicas' state, not only their decoders.
      if (category.expectation === "safe" || category.expectation === "robust") expect(category.changed, category.name).toBeGreaterThan(100)
    }
    // Lies of every replica message type got past the decoder and were stepped on the real state.
    const lies = result.categories.find((category) => category.expectation === "robust")
    for (const type of REPLICA_TYPES) expect(lies?.decoded.get(type) ?? 0, type).toBeGreaterThan(10)
    // Their consequences were followed: some broke what only honest peers guarantee.
    expect(result.lieEffects.lies).toBeGreaterThan(1_000)
    expect(result.lieEffects.broken.size).toBeGreaterThan(0)
    // Both clusters were alive around the fuzzing: leaders, commits, answered clients.
    for (const activity of [result.activity.trusting, result.activity.lied]) {
      expect(activity.elections).toBeGreaterThanOrEqual(1)
      expect(activity.maxCommit).toBeGreaterThan(100)
      expect(activity.clientOks).toBeGreaterThan(100)
    }
  })
})
