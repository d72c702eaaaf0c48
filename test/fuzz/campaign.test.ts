import { describe, expect, it } from "vitest"
import { runCampaign } from "./fuzzRun.ts"

/** A slice of `npm run fuzz` (which sends a million): every category, against a live cluster, in a second or two. */
describe("hostile datagrams against a live five-replica cluster", () => {
  it("20,000 of them: no crash, nothing that must be turned away changes a replica, nothing accepted breaks Raft's safety", () => {
    const result = runCampaign({ seed: 20_241_122, count: 20_000 })
    expect(result.examples).toEqual([])
    expect(result.crashes).toBe(0)
    expect(result.violations).toBe(0)
    for (const category of result.categories) {
      expect(category.sent, category.name).toBeGreaterThan(300)
      if (category.expectation === "rejected") expect(category.rejected, category.name).toBe(category.sent)
      if (category.expectation === "unchanged") expect(category.unchanged, category.name).toBe(category.sent)
      // Accepted traffic really reached the replicas' state, not only their decoders.
      if (category.expectation !== "rejected" && category.expectation !== "unchanged") expect(category.changed, category.name).toBeGreaterThan(100)
    }
    // The cluster was alive around the fuzzing: a leader, commits, answered clients.
    expect(result.activity.elections).toBeGreaterThanOrEqual(1)
    expect(result.activity.maxCommit).toBeGreaterThan(100)
    expect(result.activity.clientOks).toBeGreaterThan(100)
  })
})
