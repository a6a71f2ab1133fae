// The built-in functions of expr-lang (builtin/builtin.go) that gateway programs use, by the same names
// and with the same results: string handling, conversions, base64 and a few collection helpers.
import { isMap, length, ProgramRuntimeError, typeName } from './values.ts'

export type Builtin = (args: readonly unknown[]) => unknown

const BASIC_TYPES = new Set(['nil', 'bool', 'int', 'float', 'string', 'array', 'map', 'func'])
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function arity(name: string, args: readonly unknown[], min: number, max = min): void {
  if (args.length < min) throw new ProgramRuntimeError(`not enough arguments to call ${name}`)
  if (args.length > max) throw new ProgramRuntimeError(`too many arguments to call ${name}`)
}

function str(name: string, v: unknown): string {
  if (typeof v !== 'string')
    throw new ProgramRuntimeError(`invalid argument for ${name} (type ${typeName(v)})`)
  return v
}

function arr(name: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new ProgramRuntimeError(`invalid argument for ${name} (type ${typeName(v)})`)
  return v
}

function num(name: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new ProgramRuntimeError(`invalid argument for ${name} (type ${typeName(v)})`)
  return v
}

/** Go's strings.Trim family: strip any of `cutset`'s characters from one or both ends. */
function trimSet(s: string, cutset: string, start: boolean, end: boolean): string {
  const chars = Array.from(s)
  const set = new Set(Array.from(cutset))
  let a = 0
  let b = chars.length
  while (start && a < b && set.has(chars[a] as string)) a++
  while (end && b > a && set.has(chars[b - 1] as string)) b--
  return chars.slice(a, b).join('')
}

/** Go's strings.SplitN: n < 0 means all parts, n == 0 none, otherwise at most n. */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return []
  const all = sep === '' ? Array.from(s) : s.split(sep)
  if (n < 0 || all.length <= n) return all
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)]
}

/** Go's strings.Index counts bytes of UTF-8, not characters. */
const utf8Offset = (s: string, utf16Index: number) => Buffer.byteLength(s.slice(0, utf16Index), 'utf8')

/** fmt's %v for the values a program sees. */
export function format(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return `[${v.map(format).join(' ')}]`
  if (isMap(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${format(v[k])}`)
      .join(' ')}]`
  return String(v)
}

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  [
    'len',
    (a) => {
      arity('len', a, 1)
      return length(a[0])
    },
  ],
  [
    'type',
    (a) => {
      arity('type', a, 1)
      const name = typeName(a[0])
      return BASIC_TYPES.has(name) ? name : 'struct'
    },
  ],
  [
    'abs',
    (a) => {
      arity('abs', a, 1)
      return Math.abs(num('abs', a[0]))
    },
  ],
  [
    'int',
    (a) => {
      arity('int', a, 1)
      const v = a[0]
      if (typeof v === 'number') return Math.trunc(v)
      if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return Number.parseInt(v.trim(), 10)
      throw new ProgramRuntimeError(`invalid operation: int(${typeName(v)} ${format(v)})`)
    },
  ],
  [
    'float',
    (a) => {
      arity('float', a, 1)
      const v = a[0]
      if (typeof v === 'number') return v
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
      throw new ProgramRuntimeError(`invalid operation: float(${typeName(v)} ${format(v)})`)
    },
  ],
  [
    'string',
    (a) => {
      arity('string', a, 1)
      return format(a[0])
    },
  ],
  [
    'trim',
    (a) => {
      arity('trim', a, 1, 2)
      const s = str('trim', a[0])
      return a.length === 2 ? trimSet(s, str('trim', a[1]), true, true) : s.trim()
    },
  ],
  [
    'trimPrefix',
    (a) => {
      arity('trimPrefix', a, 2)
      const [s, p] = [str('trimPrefix', a[0]), str('trimPrefix', a[1])]
      return s.startsWith(p) ? s.slice(p.length) : s
    },
  ],
  [
    'trimSuffix',
    (a) => {
      arity('trimSuffix', a, 2)
      const [s, p] = [str('trimSuffix', a[0]), str('trimSuffix', a[1])]
      return p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s
    },
  ],
  [
    'upper',
    (a) => {
      arity('upper', a, 1)
      return str('upper', a[0]).toUpperCase()
    },
  ],
  [
    'lower',
    (a) => {
      arity('lower', a, 1)
      return str('lower', a[0]).toLowerCase()
    },
  ],
  [
    'split',
    (a) => {
      arity('split', a, 2, 3)
      return splitN(str('split', a[0]), str('split', a[1]), a.length === 3 ? num('split', a[2]) : -1)
    },
  ],
  [
    'replace',
    (a) => {
      arity('replace', a, 3)
      return str('replace', a[0]).replaceAll(str('replace', a[1]), str('replace', a[2]))
    },
  ],
  [
    'indexOf',
    (a) => {
      arity('indexOf', a, 2)
      const [s, sub] = [str('indexOf', a[0]), str('indexOf', a[1])]
      const i = s.indexOf(sub)
      return i < 0 ? -1 : utf8Offset(s, i)
    },
  ],
  [
    'lastIndexOf',
    (a) => {
      arity('lastIndexOf', a, 2)
      const [s, sub] = [str('lastIndexOf', a[0]), str('lastIndexOf', a[1])]
      const i = s.lastIndexOf(sub)
      return i < 0 ? -1 : utf8Offset(s, i)
    },
  ],
  [
    'hasPrefix',
    (a) => {
      arity('hasPrefix', a, 2)
      return str('hasPrefix', a[0]).startsWith(str('hasPrefix', a[1]))
    },
  ],
  [
    'hasSuffix',
    (a) => {
      arity('hasSuffix', a, 2)
      return str('hasSuffix', a[0]).endsWith(str('hasSuffix', a[1]))
    },
  ],
  [
    'join',
    (a) => {
      arity('join', a, 1, 2)
      const items = arr('join', a[0]).map((v) => str('join', v))
      return items.join(a.length === 2 ? str('join', a[1]) : '')
    },
  ],
  [
    'toBase64',
    (a) => {
      arity('toBase64', a, 1)
      return Buffer.from(str('toBase64', a[0]), 'utf8').toString('base64')
    },
  ],
  [
    'fromBase64',
    (a) => {
      arity('fromBase64', a, 1)
      const s = str('fromBase64', a[0])
      if (!BASE64.test(s)) throw new ProgramRuntimeError('illegal base64 data')
      return Buffer.from(s, 'base64').toString('utf8')
    },
  ],
  [
    'keys',
    (a) => {
      arity('keys', a, 1)
      if (!isMap(a[0])) throw new ProgramRuntimeError(`cannot get keys from ${typeName(a[0])}`)
      return Object.keys(a[0])
    },
  ],
  [
    'values',
    (a) => {
      arity('values', a, 1)
      const m = a[0]
      if (!isMap(m)) throw new ProgramRuntimeError(`cannot get values from ${typeName(m)}`)
      return Object.keys(m).map((k) => m[k] ?? null)
    },
  ],
  [
    'first',
    (a) => {
      arity('first', a, 1)
      // expr-lang answers nil for anything without a first item (nil, [], a non-array)
      return Array.isArray(a[0]) ? (a[0][0] ?? null) : null
    },
  ],
  [
    'last',
    (a) => {
      arity('last', a, 1)
      const items = a[0]
      return Array.isArray(items) ? (items[items.length - 1] ?? null) : null
    },
  ],
])
