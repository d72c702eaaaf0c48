// `npm run config-schema`: writes docs/config.schema.json from the Schema kvsim decodes configs
// with (src/domain/harness/config.ts); a test fails when the two drift apart.
import { writeFileSync } from "node:fs"
import { configJsonSchema } from "../src/domain/harness/config.ts"

writeFileSync("docs/config.schema.json", `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
