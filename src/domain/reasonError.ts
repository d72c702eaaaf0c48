import { Data } from "effect"

/**
 * A tagged error whose whole account is one sentence, `reason`, which is also its `message`:
 * loggers and `Cause.pretty` print the message, and a bare tagged error would print empty.
 *
 *   export class PeerLinksError extends ReasonError("PeerLinksError") {}
 */
export const ReasonError = <Tag extends string>(tag: Tag) =>
  class extends Data.TaggedError(tag)<{ readonly reason: string }> {
    override get message(): string {
      return this.reason
    }
  }
