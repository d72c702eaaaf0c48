import { ParseResult } from "effect"

/**
 * A decode failure as one line for a person fixing a file by hand: `field: what is wrong`, one
 * entry per mistaken field, joined by "; ". `root` names the file itself, for a mistake that
 * has no field (the whole file is not an object).
 */
export const fieldErrors = (error: ParseResult.ParseError, root: string): string => {
  const byField = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const field = issue.path.length === 0 ? root : issue.path.join(".")
    byField.set(field, [...(byField.get(field) ?? []), issue.message])
  }
  // A wrong item inside a field also fails the field as a whole ("events: Expected undefined"):
  // only the deepest path says what is wrong.
  const fields = [...byField].filter(([field]) => ![...byField.keys()].some((other) => other.startsWith(`${field}.`)))
  return fields.map(([field, messages]) => `${field}: ${oneMessage(messages)}`).join("; ")
}

const EXPECTED = /^Expected (.+), actual (.+)$/

/**
 * One message per mistaken field: a value that matches none of several choices (an unknown
 * event type) is reported once, with every choice, not once per choice.
 */
const oneMessage = (messages: ReadonlyArray<string>): string => {
  const parsed = messages.map((message) => EXPECTED.exec(message))
  if (messages.length > 1 && parsed.every((match) => match !== null && match[2] === parsed[0]?.[2])) {
    return `expected one of ${parsed.map((match) => match?.[1]).join(", ")}; got ${parsed[0]?.[2]}`
  }
  return messages.join("; ")
}
