// The expr-lang subset's grammar (github.com/expr-lang/expr, parser/parser.go): precedence climbing over
// the same operator table, `not in`-style negated operators, chained comparisons (`1 < 2 < 3` means
// `1 < 2 && 2 < 3`), `??` that may not mix with other operators unparenthesised, the ternary and `?:`,
// and postfix member/index/slice/call chains where one `?.` makes the whole chain nil-safe.
import { ProgramSyntaxError, type Token, tokenize } from './lexer.ts'

export interface Position {
  readonly line: number
  readonly column: number
}

export type Node = Position &
  (
    | { readonly type: 'literal'; readonly value: unknown }
    | { readonly type: 'ident'; readonly name: string }
    | { readonly type: 'unary'; readonly op: string; readonly operand: Node }
    | { readonly type: 'binary'; readonly op: string; readonly left: Node; readonly right: Node }
    | { readonly type: 'member'; readonly object: Node; readonly property: Node; readonly optional: boolean }
    | { readonly type: 'slice'; readonly object: Node; readonly from?: Node; readonly to?: Node }
    | { readonly type: 'call'; readonly callee: Node; readonly args: readonly Node[] }
    | { readonly type: 'array'; readonly items: readonly Node[] }
    | { readonly type: 'map'; readonly entries: readonly (readonly [Node, Node])[] }
    | {
        readonly type: 'conditional'
        readonly test: Node
        readonly consequent: Node
        readonly otherwise: Node
      }
    | { readonly type: 'chain'; readonly node: Node }
  )

/** One statement of a program: its tree and the source text it came from. */
export interface Statement {
  readonly node: Node
  readonly text: string
}

// expr-lang's parser/operator/operator.go, minus the pipe `|`.
const BINARY: Record<string, { precedence: number; right?: true }> = {
  or: { precedence: 10 },
  '||': { precedence: 10 },
  and: { precedence: 15 },
  '&&': { precedence: 15 },
  '==': { precedence: 20 },
  '!=': { precedence: 20 },
  '<': { precedence: 20 },
  '>': { precedence: 20 },
  '>=': { precedence: 20 },
  '<=': { precedence: 20 },
  in: { precedence: 20 },
  matches: { precedence: 20 },
  contains: { precedence: 20 },
  startsWith: { precedence: 20 },
  endsWith: { precedence: 20 },
  '..': { precedence: 25 },
  '+': { precedence: 30 },
  '-': { precedence: 30 },
  '*': { precedence: 60 },
  '/': { precedence: 60 },
  '%': { precedence: 60 },
  '**': { precedence: 100, right: true },
  '^': { precedence: 100, right: true },
  '??': { precedence: 500 },
}
const UNARY: Record<string, number> = { not: 50, '!': 50, '-': 90, '+': 90 }
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith'])
const COMPARISON = new Set(['<', '>', '<=', '>='])
/** Guards the interpreter's recursion: a tree deeper than this is refused when it is parsed. */
const MAX_DEPTH = 256
const MAX_NODES = 10_000

const describe = (t: Token) => (t.kind === 'eof' ? 'end of input' : JSON.stringify(t.value))

class Parser {
  #tokens: Token[]
  #index = 0
  #depth = 0
  #nodes = 0
  constructor(tokens: Token[]) {
    this.#tokens = tokens
  }

  get current(): Token {
    return this.#tokens[this.#index] as Token
  }
  peek(): Token {
    return this.#tokens[Math.min(this.#index + 1, this.#tokens.length - 1)] as Token
  }
  next(): Token {
    const t = this.current
    if (this.#index < this.#tokens.length - 1) this.#index++
    return t
  }
  is(kind: Token['kind'], value?: string, t: Token = this.current): boolean {
    return t.kind === kind && (value === undefined || t.value === value)
  }
  fail(message: string, t: Token = this.current): never {
    throw new ProgramSyntaxError(message, t.line, t.column)
  }
  /** Between items of a list: a `,`, or the closing bracket (true when a trailing `,` ends the list). */
  separator(close: string): boolean {
    if (!this.is('operator', ',')) this.fail(`expected "," or "${close}" but found ${describe(this.current)}`)
    this.next()
    return this.is('bracket', close)
  }
  expect(kind: Token['kind'], value: string): Token {
    if (!this.is(kind, value)) this.fail(`expected "${value}" but found ${describe(this.current)}`)
    return this.next()
  }
  node<N extends Node>(n: N): N {
    if (++this.#nodes > MAX_NODES) this.fail(`expression has more than ${MAX_NODES} nodes`)
    return n
  }
  at(t: Token): Position {
    return { line: t.line, column: t.column }
  }

  /** Statements split on top-level `;`; empty ones (`a;;b`, a trailing `;`) are skipped. */
  statements(source: string): Statement[] {
    const out: Statement[] = []
    while (!this.is('eof')) {
      if (this.is('operator', ';')) {
        this.next()
        continue
      }
      const start = this.current.offset
      const node = this.expression(0)
      out.push({ node, text: source.slice(start, this.current.offset).trim() })
      if (!this.is('eof') && !this.is('operator', ';'))
        this.fail(`expected an operator, ";" or the end but found ${describe(this.current)}`)
    }
    return out
  }

  expression(precedence: number): Node {
    if (++this.#depth > MAX_DEPTH) this.fail(`expression nests deeper than ${MAX_DEPTH}`)
    let left = this.primary()
    let previous = ''
    for (;;) {
      let opToken = this.current
      if (opToken.kind !== 'operator') break
      let negate: Token | undefined
      if (opToken.value === 'not') {
        const after = this.peek()
        if (!(after.kind === 'operator' && NEGATABLE.has(after.value)))
          this.fail(`expected in, matches, contains, startsWith or endsWith after "not"`, after)
        if ((BINARY[after.value]?.precedence ?? -1) < precedence) break
        negate = opToken
        this.next()
        opToken = this.current
      }
      const op = BINARY[opToken.value]
      if (op === undefined || op.precedence < precedence) break
      this.next()
      if (previous === '??' && opToken.value !== '??')
        this.fail(
          `operator ${opToken.value} and coalesce expressions (??) cannot be mixed; wrap either in parentheses`,
          opToken,
        )
      if (COMPARISON.has(opToken.value)) {
        left = this.comparison(left, opToken, op.precedence)
      } else {
        const right = this.expression(op.right ? op.precedence : op.precedence + 1)
        left = this.node({ type: 'binary', op: opToken.value, left, right, ...this.at(opToken) })
        if (negate) left = this.node({ type: 'unary', op: 'not', operand: left, ...this.at(negate) })
      }
      previous = opToken.value
    }
    if (precedence === 0) left = this.conditional(left)
    this.#depth--
    return left
  }

  comparison(first: Node, token: Token, precedence: number): Node {
    let root: Node | undefined
    let left = first
    let opToken = token
    for (;;) {
      const right = this.expression(precedence + 1)
      const cmp: Node = this.node({ type: 'binary', op: opToken.value, left, right, ...this.at(opToken) })
      root =
        root === undefined
          ? cmp
          : this.node({ type: 'binary', op: '&&', left: root, right: cmp, ...this.at(opToken) })
      left = right
      if (!(this.current.kind === 'operator' && COMPARISON.has(this.current.value))) return root
      opToken = this.next()
    }
  }

  conditional(test: Node): Node {
    let node = test
    while (this.is('operator', '?')) {
      const q = this.next()
      if (this.is('operator', ':')) {
        this.next()
        node = this.node({
          type: 'conditional',
          test: node,
          consequent: node,
          otherwise: this.expression(0),
          ...this.at(q),
        })
      } else {
        const consequent = this.expression(0)
        this.expect('operator', ':')
        node = this.node({
          type: 'conditional',
          test: node,
          consequent,
          otherwise: this.expression(0),
          ...this.at(q),
        })
      }
    }
    return node
  }

  primary(): Node {
    const t = this.current
    if (t.kind === 'operator' && UNARY[t.value] !== undefined) {
      this.next()
      const operand = this.expression(UNARY[t.value] as number)
      return this.postfix(this.node({ type: 'unary', op: t.value, operand, ...this.at(t) }))
    }
    if (this.is('bracket', '(')) {
      this.next()
      const inner = this.expression(0)
      this.expect('bracket', ')')
      return this.postfix(inner)
    }
    return this.postfix(this.secondary())
  }

  secondary(): Node {
    const t = this.next()
    const pos = this.at(t)
    switch (t.kind) {
      case 'number':
        return this.node({ type: 'literal', value: t.number, ...pos })
      case 'string':
        return this.node({ type: 'literal', value: t.value, ...pos })
      case 'ident':
        if (t.value === 'true' || t.value === 'false')
          return this.node({ type: 'literal', value: t.value === 'true', ...pos })
        if (t.value === 'nil') return this.node({ type: 'literal', value: null, ...pos })
        if (this.is('bracket', '('))
          return this.node({
            type: 'call',
            callee: this.node({ type: 'ident', name: t.value, ...pos }),
            args: this.arguments(),
            ...pos,
          })
        return this.node({ type: 'ident', name: t.value, ...pos })
      case 'bracket':
        if (t.value === '[') return this.array(pos)
        if (t.value === '{') return this.map(pos)
    }
    return this.fail(`expected a value but found ${describe(t)}`, t)
  }

  arguments(): Node[] {
    this.expect('bracket', '(')
    const args: Node[] = []
    while (!this.is('bracket', ')')) {
      if (args.length > 0 && this.separator(')')) break
      args.push(this.expression(0))
    }
    this.expect('bracket', ')')
    return args
  }

  array(pos: Position): Node {
    const items: Node[] = []
    while (!this.is('bracket', ']')) {
      if (items.length > 0 && this.separator(']')) break
      items.push(this.expression(0))
    }
    this.expect('bracket', ']')
    return this.node({ type: 'array', items, ...pos })
  }

  map(pos: Position): Node {
    const entries: [Node, Node][] = []
    while (!this.is('bracket', '}')) {
      if (entries.length > 0 && this.separator('}')) break
      const k = this.current
      let key: Node
      if (k.kind === 'number' || k.kind === 'string' || k.kind === 'ident') {
        this.next()
        key = this.node({ type: 'literal', value: k.value, ...this.at(k) })
      } else if (this.is('bracket', '(')) {
        key = this.expression(0)
      } else {
        this.fail(
          `expected a map key (a name, a string, a number or a parenthesised expression) but found ${describe(k)}`,
        )
      }
      this.expect('operator', ':')
      entries.push([key, this.expression(0)])
    }
    this.expect('bracket', '}')
    return this.node({ type: 'map', entries, ...pos })
  }

  postfix(start: Node): Node {
    let node = start
    let optionalChain = false
    for (;;) {
      const t = this.current
      if (this.is('operator', '.') || this.is('operator', '?.')) {
        const optional = t.value === '?.'
        this.next()
        optionalChain ||= optional
        if (optional && this.is('bracket', '[')) {
          node = this.index(node, true)
          continue
        }
        const name = this.next()
        // word operators (`not`, `matches`, …) are valid property and method names
        if (name.kind !== 'ident' && !(name.kind === 'operator' && /^[A-Za-z_]\w*$/.test(name.value)))
          this.fail(`expected a property name after "${t.value}" but found ${describe(name)}`, name)
        const pos = this.at(name)
        const property = this.node({ type: 'literal', value: name.value, ...pos })
        node = this.node({ type: 'member', object: node, property, optional, ...pos })
        if (this.is('bracket', '('))
          node = this.node({ type: 'call', callee: node, args: this.arguments(), ...pos })
      } else if (this.is('bracket', '[')) {
        node = this.index(node, false)
      } else {
        break
      }
    }
    return optionalChain ? this.node({ type: 'chain', node, line: node.line, column: node.column }) : node
  }

  index(object: Node, optional: boolean): Node {
    const open = this.expect('bracket', '[')
    const pos = this.at(open)
    if (this.is('operator', ':')) {
      this.next()
      const to = this.is('bracket', ']') ? undefined : this.expression(0)
      this.expect('bracket', ']')
      return this.node({ type: 'slice', object, ...(to ? { to } : {}), ...pos })
    }
    const from = this.expression(0)
    if (this.is('operator', ':')) {
      this.next()
      const to = this.is('bracket', ']') ? undefined : this.expression(0)
      this.expect('bracket', ']')
      return this.node({ type: 'slice', object, from, ...(to ? { to } : {}), ...pos })
    }
    this.expect('bracket', ']')
    return this.node({ type: 'member', object, property: from, optional, ...pos })
  }
}

/** Parses a program's source into its statements; throws ProgramSyntaxError with the position. */
export function parseStatements(source: string): Statement[] {
  return new Parser(tokenize(source)).statements(source)
}

/** Parses one expression (no `;`); throws ProgramSyntaxError with the position. */
export function parseExpression(source: string): Node {
  const statements = parseStatements(source)
  if (statements.length !== 1) throw new ProgramSyntaxError('expected exactly one expression', 1, 1)
  return (statements[0] as Statement).node
}
