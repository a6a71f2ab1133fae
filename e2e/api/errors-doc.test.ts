// docs/errors.md lists every code in errors.ts with its status and message, and nothing else.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { errors } from '../../src/gateway/errors.ts'

test('docs/errors.md and errors.ts list the same codes', async () => {
  const doc = await readFile(join(import.meta.dirname, '../../docs/errors.md'), 'utf8')
  const rows = new Map<string, { status: number; message: string }>()
  for (const m of doc.matchAll(/^\| `(SP_ERR_[A-Z_]+)` *\| *(\d{3}) *\| *(.+?) *\|$/gm))
    rows.set(m[1] as string, { status: Number(m[2]), message: m[3] as string })
  assert.deepEqual([...rows.keys()].sort(), Object.keys(errors).sort())
  for (const [code, info] of Object.entries(errors))
    assert.deepEqual(rows.get(code), { status: info.status, message: info.message }, code)
})
