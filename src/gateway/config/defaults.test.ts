import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'
import { editorSchema } from '../model/editor-schema.ts'
import { resolveSettings } from './settings.ts'
import { validateSettings } from './snapshot.ts'

const root = new URL('../../../', import.meta.url)

test('resources/default-config.yaml says exactly what the embedded default does', () => {
  const file = parse(readFileSync(new URL('resources/default-config.yaml', root), 'utf8'))
  validateSettings(file)
  const { routes, ...fromFile } = file
  assert.deepEqual(routes, [])
  assert.deepEqual(resolveSettings(fromFile), resolveSettings({}))
})

test('schema/gateway-config.schema.json is up to date (npm run schema)', () => {
  const committed = JSON.parse(readFileSync(new URL('schema/gateway-config.schema.json', root), 'utf8'))
  assert.deepEqual(committed, JSON.parse(JSON.stringify(editorSchema())))
})
