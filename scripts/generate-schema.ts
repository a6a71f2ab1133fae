// Writes what is generated from the TypeBox model (npm run schema): the editor's JSON Schema
// (schema/gateway-config.schema.json) and the config checks the proxy runs without loading TypeBox
// (src/gateway/config/schema-checks.generated.ts). Tests fail while either is out of date.
import { writeFileSync } from 'node:fs'
import { editorSchema } from '../src/gateway/model/editor-schema.ts'
import { standaloneChecksSource } from '../src/gateway/model/standalone-checks.ts'

const outputs: [URL, string][] = [
  [
    new URL('../schema/gateway-config.schema.json', import.meta.url),
    `${JSON.stringify(editorSchema(), null, 2)}\n`,
  ],
  [new URL('../src/gateway/config/schema-checks.generated.ts', import.meta.url), standaloneChecksSource()],
]
for (const [file, text] of outputs) {
  writeFileSync(file, text)
  console.log(`wrote ${file.pathname}`)
}
