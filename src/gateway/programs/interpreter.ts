// Walks a parsed expression against an environment of plain values and host functions. Nothing is
// compiled to JavaScript (no eval, Function or vm); every node visited costs a step, collections built or
// scanned cost one step per item, and the clock is read every few steps, so a run stops at its budget.
import { type Builtin, BUILTINS } from './builtins.ts'
import type { Node } from './parser.ts'
import { compilePattern } from './pattern.ts'
import { contains, equal, fetch, isNil, ProgramRuntimeError, typeName } from './values.ts'

export interface RunLimits {
  /** Nodes visited plus items touched, for the whole run. */
  readonly maxSteps: number
  /** Wall-clock milliseconds for the whole run. */
  readonly maxMs: number
}

/** The run went over its step or time budget. */
export class ProgramLimitError extends Error {}

/** An error with the place in the source where it happened. */
export class ProgramPositionedError extends Error {
  readonly line: number
  readonly column: number
  constructor(cause: Error, line: number, column: number) {
    super(`${cause.message} (${line}:${column})`, { cause })
    this.line = line
    this.column = column
  }
}

const CLOCK_EVERY = 64

export class Budget {
  #steps: number
  #deadline: number
  #untilClock = CLOCK_EVERY
  readonly limits: RunLimits
  constructor(limits: RunLimits) {
    this.limits = limits
    this.#steps = limits.maxSteps
    this.#deadline = performance.now() + limits.maxMs
  }
  /** A host function may take long on its own: the clock is read right after each call. */
  checkClock(): void {
    this.#untilClock = 0
    this.spend(0)
  }
  spend(n: number): void {
    this.#steps -= n
    if (this.#steps < 0)
      throw new ProgramLimitError(`program exceeded its budget of ${this.limits.maxSteps} steps`)
    this.#untilClock -= n
    if (this.#untilClock <= 0) {
      this.#untilClock = CLOCK_EVERY
      if (performance.now() > this.#deadline)
        throw new ProgramLimitError(`program exceeded its time budget of ${this.limits.maxMs} ms`)
    }
  }
}

/** What an optional `?.` member of nil yields: it ends the whole chain with nil. */
const SHORT_CIRCUIT: unique symbol = Symbol('nil chain')

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new ProgramRuntimeError(`non-bool value ${typeName(v)} used in ${what}`)
  return v
}

function numbers(op: string, a: unknown, b: unknown): [number, number] {
  if (typeof a !== 'number' || typeof b !== 'number')
    throw new ProgramRuntimeError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`)
  return [a, b]
}

function ordered(op: string, a: unknown, b: unknown): boolean {
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
    throw new ProgramRuntimeError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`)
  if (op === '<') return a < b
  if (op === '<=') return a <= b
  if (op === '>') return a > b
  return a >= b
}

function strings(op: string, a: unknown, b: unknown): [string, string] {
  if (typeof a !== 'string' || typeof b !== 'string')
    throw new ProgramRuntimeError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`)
  return [a, b]
}

export function evaluate(node: Node, env: Readonly<Record<string, unknown>>, budget: Budget): unknown {
  const v = visit(node, env, budget)
  return v === SHORT_CIRCUIT ? null : v
}

function visit(node: Node, env: Readonly<Record<string, unknown>>, budget: Budget): unknown {
  budget.spend(1)
  try {
    return step(node, env, budget)
  } catch (err) {
    if (err instanceof ProgramRuntimeError) throw new ProgramPositionedError(err, node.line, node.column)
    throw err
  }
}

function step(node: Node, env: Readonly<Record<string, unknown>>, budget: Budget): unknown {
  const run = (n: Node) => visit(n, env, budget)
  switch (node.type) {
    case 'literal':
      return node.value
    case 'ident':
      // Unknown names are nil, as in the original gateway (compiled without a typed environment).
      return Object.hasOwn(env, node.name) ? (env[node.name] ?? null) : null
    case 'chain': {
      const v = run(node.node)
      return v === SHORT_CIRCUIT ? null : v
    }
    case 'member': {
      const object = run(node.object)
      if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT
      if (node.optional && isNil(object)) return SHORT_CIRCUIT
      return fetch(object, run(node.property))
    }
    case 'slice': {
      const object = run(node.object)
      if (object === SHORT_CIRCUIT) return SHORT_CIRCUIT
      return slice(object, node.from && run(node.from), node.to && run(node.to), budget)
    }
    case 'call':
      return call(node, env, budget)
    case 'array': {
      budget.spend(node.items.length)
      return node.items.map(run)
    }
    case 'map': {
      budget.spend(node.entries.length)
      const out: Record<string, unknown> = Object.create(null)
      for (const [k, v] of node.entries) {
        const key = run(k)
        if (typeof key !== 'string' && typeof key !== 'number')
          throw new ProgramRuntimeError(`cannot use ${typeName(key)} as a map key`)
        // a null-prototype object has no __proto__ setter: every key, that one too, is an own entry
        out[String(key)] = run(v)
      }
      return out
    }
    case 'conditional':
      return bool(run(node.test), 'ternary') ? run(node.consequent) : run(node.otherwise)
    case 'unary': {
      const v = run(node.operand)
      if (node.op === 'not' || node.op === '!') return !bool(v, node.op)
      if (typeof v !== 'number') throw new ProgramRuntimeError(`invalid operation: ${node.op} ${typeName(v)}`)
      return node.op === '-' ? -v : v
    }
    case 'binary':
      return binary(node.op, node.left, node.right, run, budget)
  }
}

function binary(
  op: string,
  leftNode: Node,
  rightNode: Node,
  run: (n: Node) => unknown,
  budget: Budget,
): unknown {
  if (op === 'and' || op === '&&') return bool(run(leftNode), op) ? bool(run(rightNode), op) : false
  if (op === 'or' || op === '||') return bool(run(leftNode), op) ? true : bool(run(rightNode), op)
  if (op === '??') {
    const left = run(leftNode)
    return isNil(left) ? run(rightNode) : left
  }
  const a = run(leftNode)
  const b = run(rightNode)
  switch (op) {
    case '==':
      return equal(a, b)
    case '!=':
      return !equal(a, b)
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordered(op, a, b)
    case '+': {
      if (typeof a === 'string' && typeof b === 'string') return a + b
      const [x, y] = numbers(op, a, b)
      return x + y
    }
    case '-': {
      const [x, y] = numbers(op, a, b)
      return x - y
    }
    case '*': {
      const [x, y] = numbers(op, a, b)
      return x * y
    }
    case '/': {
      const [x, y] = numbers(op, a, b)
      return x / y
    }
    case '%': {
      const [x, y] = numbers(op, a, b).map(Math.trunc) as [number, number]
      if (y === 0) throw new ProgramRuntimeError('integer divide by zero')
      return x % y
    }
    case '**':
    case '^': {
      const [x, y] = numbers(op, a, b)
      return x ** y
    }
    case '..': {
      const [x, y] = numbers(op, a, b)
      if (!Number.isInteger(x) || !Number.isInteger(y))
        throw new ProgramRuntimeError(`invalid operation: ${typeName(a)} .. ${typeName(b)}`)
      const n = Math.max(0, y - x + 1)
      budget.spend(n)
      return Array.from({ length: n }, (_, i) => x + i)
    }
    case 'in':
      if (Array.isArray(b)) budget.spend(b.length)
      return contains(a, b)
    case 'matches': {
      if (isNil(a) || isNil(b)) return false
      const [s, pattern] = strings(op, a, b)
      budget.spend(Math.ceil(s.length / 64))
      return compilePattern(pattern).test(s)
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      if (isNil(a) || isNil(b)) return false
      const [s, part] = strings(op, a, b)
      return op === 'contains'
        ? s.includes(part)
        : op === 'startsWith'
          ? s.startsWith(part)
          : s.endsWith(part)
    }
  }
  throw new ProgramRuntimeError(`unknown operator ${op}`)
}

function slice(object: unknown, from: unknown, to: unknown, budget: Budget): unknown {
  if (typeof object !== 'string' && !Array.isArray(object))
    throw new ProgramRuntimeError(`cannot slice ${typeName(object)}`)
  const items = typeof object === 'string' ? Array.from(object) : object
  const bound = (v: unknown, fallback: number) => {
    if (v === undefined) return fallback
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new ProgramRuntimeError(`invalid slice index (type ${typeName(v)})`)
    const i = v < 0 ? items.length + v : v
    return Math.min(Math.max(i, 0), items.length)
  }
  const b = bound(to, items.length)
  const a = Math.min(bound(from, 0), b)
  budget.spend(b - a)
  const part = items.slice(a, b)
  return typeof object === 'string' ? part.join('') : part
}

function call(
  node: Extract<Node, { type: 'call' }>,
  env: Readonly<Record<string, unknown>>,
  budget: Budget,
): unknown {
  const { callee } = node
  let fn: unknown
  let self: unknown
  let name: string
  if (callee.type === 'ident') {
    name = callee.name
    fn = Object.hasOwn(env, name) ? env[name] : undefined
    if (typeof fn !== 'function') {
      const builtin: Builtin | undefined = BUILTINS.get(name)
      if (builtin === undefined) throw new ProgramRuntimeError(`unknown function ${name}()`)
      return builtin(node.args.map((a) => visit(a, env, budget)))
    }
  } else if (callee.type === 'member') {
    self = visit(callee.object, env, budget)
    if (self === SHORT_CIRCUIT || (callee.optional && isNil(self))) return SHORT_CIRCUIT
    const key = visit(callee.property, env, budget)
    name = String(key)
    fn = fetch(self, key)
  } else {
    name = 'value'
    fn = visit(callee, env, budget)
  }
  if (typeof fn !== 'function') throw new ProgramRuntimeError(`${name} is not a function (${typeName(fn)})`)
  const args = node.args.map((a) => visit(a, env, budget))
  budget.spend(1)
  const result = Reflect.apply(fn, self, args) ?? null
  budget.checkClock()
  return result
}
