// One place turns schema errors into one clear sentence naming the field, for the CLI, the file
// watcher and the admin API alike.
import { Compile } from 'typebox/compile'
import type { TSchema } from 'typebox'
import { GatewayConfig, RouteConfig, RouteInput } from '../model/index.ts'

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
  return { path, message: e.message }
}

function makeChecker(schema: TSchema) {
  const validator = Compile(schema)
  return (value: unknown): FieldProblem[] => {
    if (validator.Check(value)) return []
    const raw = [...validator.Errors(value)] as unknown as SchemaError[]
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

export const checkSettings = makeChecker(GatewayConfig)
export const checkRoute = makeChecker(RouteConfig)
export const checkRouteInput = makeChecker(RouteInput)
