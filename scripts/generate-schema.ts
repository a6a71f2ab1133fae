// Writes schema/gateway-config.schema.json from the TypeBox model (npm run schema).
import { writeFileSync } from 'node:fs'
import { editorSchema } from '../src/gateway/model/editor-schema.ts'

const file = new URL('../schema/gateway-config.schema.json', import.meta.url)
writeFileSync(file, `${JSON.stringify(editorSchema(), null, 2)}\n`)
console.log(`wrote ${file.pathname}`)
