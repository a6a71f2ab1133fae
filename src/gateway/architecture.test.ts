// The house rules that hold the structure (docs/architecture.md): no import circles between files or
// between folders, and no import from a lower layer to a higher one. Type-only imports count too: a
// type is a dependency on its owner.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'

const root = import.meta.dirname

/** Lowest first. A folder (or a root file) may import only from its own layer or the ones before it. */
export const LAYERS: readonly (readonly string[])[] = [
  ['util', 'model', 'errors.ts'],
  ['http', 'http2', 'tls', 'programs', 'store'],
  ['config'],
  ['upstream'],
  ['health', 'stats', 'l4'],
  ['balancers'],
  ['policies'],
  ['router'],
  ['pipeline'],
  ['server'],
  ['core.ts'],
  ['openapi', 'discovery', 'record'],
  ['admin', 'export'],
  ['services.ts'],
  ['index.ts'],
  ['doctor', 'run'],
  ['cli.ts'],
]

const rankOf = new Map(LAYERS.flatMap((names, rank) => names.map((n) => [n, rank] as const)))

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sources(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/** The unit a file belongs to: its top folder under src/gateway, or the root file itself. */
function unitOf(file: string): string {
  const rel = relative(root, file)
  const slash = rel.indexOf('/')
  return slash < 0 ? rel : rel.slice(0, slash)
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(IMPORT)) out.push(resolve(dirname(file), (m[1] ?? m[2]) as string))
  return out
}

const files = sources(root)
const graph = new Map(files.map((f) => [f, importsOf(f)]))

function cycles(nodes: readonly string[], edges: (n: string) => readonly string[]): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (n: string) => {
    state.set(n, 'open')
    stack.push(n)
    for (const m of edges(n)) {
      if (m === n) continue
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m])
      else if (!state.has(m)) visit(m)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of nodes) if (!state.has(n)) visit(n)
  return found
}

test('every folder and root file of src/gateway has a layer', () => {
  const units = new Set(files.map(unitOf))
  assert.deepEqual(
    [...units].filter((u) => !rankOf.has(u)),
    [],
    'add it to LAYERS here and to docs/architecture.md',
  )
})

test('no import from a lower layer to a higher one', () => {
  const wrong: string[] = []
  for (const [file, imports] of graph) {
    const from = unitOf(file)
    for (const target of imports) {
      const to = unitOf(target)
      if ((rankOf.get(to) ?? 0) > (rankOf.get(from) ?? 0))
        wrong.push(`${relative(root, file)} → ${relative(root, target)}`)
    }
  }
  assert.deepEqual(wrong, [])
})

test('no import circles between files', () => {
  const found = cycles([...graph.keys()], (f) => graph.get(f) ?? [])
  assert.deepEqual(
    found.map((c) => c.map((f) => relative(root, f)).join(' → ')),
    [],
  )
})

test('no import circles between folders', () => {
  const edges = new Map<string, Set<string>>()
  for (const [file, imports] of graph) {
    const from = unitOf(file)
    const set = edges.get(from) ?? new Set()
    for (const target of imports) set.add(unitOf(target))
    edges.set(from, set)
  }
  const found = cycles([...edges.keys()], (u) => [...(edges.get(u) ?? [])])
  assert.deepEqual(
    found.map((c) => c.join(' → ')),
    [],
  )
})

// tls/index.ts carries the local CA and its X.509 library (~100 ms and ~15 MB at start): outside
// tls/ it is only ever loaded when HTTPS is asked for (`await import`). A static import of it put the
// library on every start once; import the one file needed instead (e.g. tls/key-pair-files.ts).
test('the tls/ index is loaded on demand only', () => {
  const index = join(root, 'tls/index.ts')
  const STATIC = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'(\.[^']+)'/g
  const found: string[] = []
  for (const file of files) {
    if (unitOf(file) === 'tls') continue
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC))
      if (!/^\s*(?:import|export) type\b/.test(m[0]) && resolve(dirname(file), m[1] as string) === index)
        found.push(relative(root, file))
  }
  assert.deepEqual(found, [])
})

// ioredis costs ~120 ms and ~28 MB at start: only a gateway with `store.redis` loads it, through
// store/redis-connection.ts, which is imported with `await import` (or `import type`) everywhere else.
test('the Redis client is loaded on demand only', () => {
  const connection = join(root, 'store/redis-connection.ts')
  const STATIC = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'/g
  const found: string[] = []
  for (const file of files)
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
      if (/^\s*(?:import|export) type\b/.test(m[0])) continue
      const target = m[1] as string
      const loadsClient = target === 'ioredis' && file !== connection
      const loadsConnection = target.startsWith('.') && resolve(dirname(file), target) === connection
      if (loadsClient || loadsConnection) found.push(relative(root, file))
    }
  assert.deepEqual(found, [])
})

// The dashboard is a client of the admin HTTP/WS API: it shares the gateway's types (model/), never its
// code, so nothing of the gateway ends up in the browser bundle.
test('the renderer imports gateway code as types only', () => {
  const renderer = join(root, '../renderer/src')
  const gateway = root
  const STATIC = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'(\.[^']+)'/g
  const found: string[] = []
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
    )
  for (const file of walk(renderer))
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
      if (/^\s*(?:import|export) type\b/.test(m[0])) continue
      const target = resolve(dirname(file), m[1] as string)
      if (target.startsWith(`${gateway}/`))
        found.push(`${relative(renderer, file)} → ${relative(gateway, target)}`)
    }
  assert.deepEqual(found, [])
})
