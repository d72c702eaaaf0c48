import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** The package's version, read beside the bundle (dist/../package.json), where npm installs it. */
export const packageVersion = (): string => {
  try {
    const file = fileURLToPath(new URL("../package.json", import.meta.url))
    return String((JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version)
  } catch {
    return "unknown"
  }
}
