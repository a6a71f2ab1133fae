// Tokens of the expr-lang subset (github.com/expr-lang/expr, parser/lexer): the same literals, word
// operators and comments, so a program written for the original gateway lexes the same way here.

export type TokenKind = 'number' | 'string' | 'ident' | 'operator' | 'bracket' | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** The operator or identifier text; a string's unescaped value; a number's source text. */
  readonly value: string
  /** A number literal's value. */
  readonly number?: number
  readonly offset: number
  readonly line: number
  readonly column: number
}

/** A syntax error at a place in the source (line and column count from 1). */
export class ProgramSyntaxError extends Error {
  readonly line: number
  readonly column: number
  constructor(message: string, line: number, column: number) {
    super(message)
    this.line = line
    this.column = column
  }
}

const WORD_OPERATORS = new Set(['not', 'in', 'or', 'and', 'matches', 'contains', 'startsWith', 'endsWith'])
// Longest first, so `**` wins over `*` and `?.` over `?`.
const SYMBOLS = [
  '?.',
  '??',
  '||',
  '&&',
  '==',
  '!=',
  '<=',
  '>=',
  '**',
  '..',
  '?',
  ':',
  ',',
  ';',
  '%',
  '+',
  '-',
  '^',
  '!',
  '<',
  '>',
  '*',
  '/',
  '.',
  '|',
]
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
}

const isDigit = (c: string) => c >= '0' && c <= '9'
const isIdentStart = (c: string) => /[\p{L}_$]/u.test(c)
const isIdentPart = (c: string) => /[\p{L}\p{Nd}_$]/u.test(c)

export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const at = (offset: number) => {
    // line/column of an offset at or after lineStart
    return { line, column: offset - lineStart + 1 }
  }
  const fail = (message: string, offset: number): never => {
    const p = at(offset)
    throw new ProgramSyntaxError(message, p.line, p.column)
  }
  const push = (kind: TokenKind, value: string, offset: number, number?: number) => {
    const p = at(offset)
    tokens.push(number === undefined ? { kind, value, offset, ...p } : { kind, value, offset, number, ...p })
  }

  while (i < source.length) {
    const c = source[i] as string
    if (c === '\n') {
      i++
      line++
      lineStart = i
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++
      continue
    }
    if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) fail('unclosed comment', i)
      for (let k = i; k < end; k++) {
        if (source[k] === '\n') {
          line++
          lineStart = k + 1
        }
      }
      i = end + 2
      continue
    }
    if (c === '"' || c === "'") {
      const start = i
      const { value, end } = readQuoted(source, i, fail)
      push('string', value, start)
      i = end
      continue
    }
    if (c === '`') {
      const end = source.indexOf('`', i + 1)
      if (end < 0) fail('literal not terminated', i)
      push('string', source.slice(i + 1, end).replace(/\r\n?/g, '\n'), i)
      for (let k = i; k < end; k++) {
        if (source[k] === '\n') {
          line++
          lineStart = k + 1
        }
      }
      i = end + 1
      continue
    }
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      const start = i
      const { text, end } = scanNumber(source, i)
      // like expr-lang, point at the character that spoils the number (`0b15` → the 5)
      if (isIdentPart(source[end] ?? '')) fail(`bad number syntax: "${source.slice(start, end + 1)}"`, end)
      push(
        'number',
        text,
        start,
        numberValue(text, () => fail(`invalid number literal: ${text}`, start)),
      )
      i = end
      continue
    }
    if (isIdentStart(c)) {
      const start = i
      while (i < source.length && isIdentPart(source[i] as string)) i++
      const word = source.slice(start, i)
      push(WORD_OPERATORS.has(word) ? 'operator' : 'ident', word, start)
      continue
    }
    if ('([{'.includes(c) || ')]}'.includes(c)) {
      push('bracket', c, i)
      i++
      continue
    }
    const symbol = SYMBOLS.find((s) => source.startsWith(s, i))
    if (symbol === undefined) fail(`unrecognized character: ${JSON.stringify(c)}`, i)
    push('operator', symbol as string, i)
    i += (symbol as string).length
  }
  push('eof', '', i)
  return tokens
}

function scanNumber(source: string, start: number): { text: string; end: number } {
  let i = start
  let digits = /[0-9_]/
  if (source[i] === '0' && /[xXoObB]/.test(source[i + 1] ?? '')) {
    const base = (source[i + 1] as string).toLowerCase()
    digits = base === 'x' ? /[0-9a-fA-F_]/ : base === 'o' ? /[0-7_]/ : /[01_]/
    i += 2
    while (digits.test(source[i] ?? '')) i++
    return { text: source.slice(start, i), end: i }
  }
  while (digits.test(source[i] ?? '')) i++
  // `1..3` is a range, not the float `1.` followed by `.3`
  if (source[i] === '.' && source[i + 1] !== '.') {
    i++
    while (digits.test(source[i] ?? '')) i++
  }
  if (source[i] === 'e' || source[i] === 'E') {
    i++
    if (source[i] === '+' || source[i] === '-') i++
    while (digits.test(source[i] ?? '')) i++
  }
  return { text: source.slice(start, i), end: i }
}

function numberValue(text: string, bad: () => never): number {
  const clean = text.replaceAll('_', '')
  const lower = clean.toLowerCase()
  if (lower.startsWith('0x') || lower.startsWith('0o') || lower.startsWith('0b')) {
    if (clean.length === 2) bad()
    return Number(lower)
  }
  const value = Number(clean)
  if (!Number.isFinite(value)) bad()
  return value
}

function readQuoted(
  source: string,
  start: number,
  fail: (message: string, offset: number) => never,
): { value: string; end: number } {
  const quote = source[start]
  let out = ''
  let i = start + 1
  for (;;) {
    const c = source[i]
    if (c === undefined || c === '\n') return fail('literal not terminated', start)
    if (c === quote) return { value: out, end: i + 1 }
    if (c !== '\\') {
      out += c
      i++
      continue
    }
    const e = source[i + 1] ?? ''
    const simple = SIMPLE_ESCAPES[e]
    if (simple !== undefined) {
      out += simple
      i += 2
      continue
    }
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    if (hex > 0) {
      const digits = source.slice(i + 2, i + 2 + hex)
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) fail('invalid escape sequence', i)
      const code = Number.parseInt(digits, 16)
      if (code > 0x10ffff) fail('invalid escape sequence', i)
      out += String.fromCodePoint(code)
      i += 2 + hex
      continue
    }
    const octal = source.slice(i + 1, i + 4)
    if (/^[0-7]{3}$/.test(octal)) {
      out += String.fromCodePoint(Number.parseInt(octal, 8))
      i += 4
      continue
    }
    fail('invalid escape sequence', i)
  }
}
