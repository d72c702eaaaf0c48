import { Either, Schema } from "effect"
import { fieldErrors } from "./schemaErrors.ts"

/**
 * Decodes the text of a JSON file a person writes by hand (a config, a cluster file) against
 * `schema`. Unknown fields are refused, so that a misspelt one cannot silently do nothing; the
 * reason for a refusal names every mistaken field and what was expected there, with `root`
 * standing for the file as a whole.
 */
export const jsonFileDecoder = <A, I>(schema: Schema.Schema<A, I>, root: string): ((text: string) => Either.Either<A, string>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })
  return (text) => {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      return Either.left(`not JSON (${error instanceof Error ? error.message : String(error)})`)
    }
    return Either.mapLeft(decode(json), (error) => fieldErrors(error, root))
  }
}
