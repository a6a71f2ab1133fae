// One place turns schema errors into one clear sentence naming the field, for the CLI, the file
// watcher and the admin API alike.
import { createRequire } from 'node:module'
import type { TSchema } from 'typebox'
import { generatedChecks } from './schema-checks.generated.ts'

export interface FieldProblem {
  /** Path segments from the validated value's root, e.g. ['targets', 0, 'url']. */
  readonly path: readonly (string | number)[]
  readonly message: string
}

interface SchemaError {
  keyword: string
  schemaPath: string
  instancePath: string
  params: Record<string, unknown>
  message: string
}

function splitPointer(pointer: string): (string | number)[] {
  if (!pointer) return []
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

/** `routes[0].targets[1].url` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p
  return out
}

function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root
  for (const part of splitPointer(schemaPath.replace(/^#/, ''))) {
    if (!node || typeof node !== 'object') return undefined
    node = (node as Record<string | number, unknown>)[part]
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined
}

function sentence(root: TSchema, e: SchemaError): FieldProblem {
  const path = splitPointer(e.instancePath)
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params.additionalProperties as string[] | undefined)?.[0] ?? '?'
    return { path: [...path, extra], message: `unknown field "${extra}"` }
  }
  if (e.keyword === 'required') {
    const missing =
      (e.params.requiredProperties as string[] | undefined)?.[0] ?? (e.params.missingProperty as string)
    return { path: missing ? [...path, missing] : path, message: 'is required' }
  }
  const schema = schemaAt(root, e.schemaPath)
  const description = typeof schema?.description === 'string' ? schema.description : undefined
  if ((e.keyword === 'pattern' || e.keyword === 'anyOf') && description)
    return { path, message: `must be ${description}` }
  // A value no branch of a described union accepts (a duration: a number or "5s") is told what the
  // union means, not what its first branch wanted ("must be integer").
  const branch = /^(.*)\/anyOf\/\d+$/.exec(e.schemaPath)
  const union = branch && schemaAt(root, branch[1] ?? '')
  if (typeof union?.description === 'string') return { path, message: `must be ${union.description}` }
  return { path, message: e.message }
}

type Explainer = { Errors(value: unknown): Iterable<unknown> }

/**
 * TypeBox is loaded (synchronously, from node_modules rather than the bundle) only to explain a value
 * that failed its generated check: a valid config never pays for it. `require` of an ES module fails if
 * an `import()` of the same module is still in flight; in the bundle nothing else loads TypeBox from
 * node_modules (the admin side bundles its own copy), so that cannot happen there.
 */
function explainer(schema: TSchema): Explainer {
  const { Compile } = createRequire(import.meta.url)('typebox/compile') as typeof import('typebox/compile')
  return Compile(schema)
}

function makeChecker(name: keyof typeof generatedChecks) {
  const { schema, check } = generatedChecks[name] as { schema: TSchema; check: (value: unknown) => boolean }
  let explain: Explainer | undefined
  return (value: unknown): FieldProblem[] => {
    if (check(value)) return []
    explain ??= explainer(schema)
    const raw = [...explain.Errors(value)] as unknown as SchemaError[]
    // "schema is false" duplicates the additionalProperties error; unions report every branch.
    const useful = raw.filter((e) => !(e.keyword === 'boolean' && e.message === 'schema is false'))
    const problems = useful.map((e) => sentence(schema, e))
    // Deepest first: the most specific field is the most helpful one to name.
    problems.sort((a, b) => b.path.length - a.path.length)
    const seen = new Set<string>()
    return problems.filter((p) => {
      const key = formatPath(p.path)
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
  }
}

export const checkSettings = makeChecker('GatewayConfig')
export const checkRoute = makeChecker('RouteConfig')
export const checkRouteInput = makeChecker('RouteInput')
