/**
 * One logical client operation as a linearizability checker sees it: from the moment the
 * client first sent it to the `ok` that completed it, across any redirects and retries
 * with new MIDs in between. An operation that never completed may or may not have
 * taken effect, at any time after its invocation.
 */
export type Outcome =
  | { readonly _tag: "Ok"; readonly respondedAt: number; readonly value?: string }
  | { readonly _tag: "Unknown" }

export interface Operation {
  readonly id: number
  readonly client: string
  readonly key: string
  readonly kind: "get" | "put"
  /** The value a put writes. */
  readonly value?: string
  readonly invokedAt: number
  readonly outcome: Outcome
}

export type History = ReadonlyArray<Operation>
