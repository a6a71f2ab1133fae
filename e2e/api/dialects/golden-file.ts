// Golden files for the dialect documents: e2e/api/golden/<dialect>/<name>.json hold
// {status, body}; UPDATE_GOLDEN=1 rewrites them from the live answers.
import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const UPDATE = process.env.UPDATE_GOLDEN === '1'
const VOLATILE = new Set([
  'created_at',
  'updated_at',
  'startTime',
  'time',
  'uptime',
  'pid',
  'version',
  'path',
])

export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, VOLATILE.has(k) ? `<${typeof v}>` : normalize(v)]),
    )
  return value
}

export async function golden(dialect: string, name: string, status: number, body: unknown): Promise<void> {
  const dir = join(import.meta.dirname, '../golden', dialect)
  const file = join(dir, `${name}.json`)
  const actual = { status, body: normalize(body) }
  if (UPDATE) {
    await mkdir(dir, { recursive: true })
    await writeFile(file, `${JSON.stringify(actual, null, 2)}\n`)
    return
  }
  const expected = JSON.parse(await readFile(file, 'utf8')) as unknown
  assert.deepEqual(
    actual,
    expected,
    `${dialect}/${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`,
  )
}
