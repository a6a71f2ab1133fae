// A program of the service-management dialect: statements split on `;`, compiled once, run many times.
// As in the original gateway (junqirao/api-gateway, internal/components/program), the statements run in
// order and the first that is `false`, yields an error value or fails ends the run with its reason;
// every other value (true, nil, a string…) lets the run go on.
import { Budget, evaluate, ProgramLimitError, type RunLimits } from './interpreter.ts'
import { ProgramSyntaxError } from './lexer.ts'
import { type Node, parseStatements, type Statement } from './parser.ts'
import { compilePattern } from './pattern.ts'

export type { RunLimits } from './interpreter.ts'
/** One budget shared by several runs (the programs of one request): `new RunBudget(limits)`. */
export { Budget as RunBudget } from './interpreter.ts'

/**
 * Why a run stopped: a statement was false; a statement yielded an error value (terminate_if, a
 * MustSuccess() that failed: the program refused on purpose); a statement failed (a runtime error, a
 * host function that threw); or a limit.
 */
export type RunCause = 'false' | 'refused' | 'error' | 'limit'

export type RunResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly cause: RunCause }

export interface CompiledProgram {
  /** The statements' source texts, in order. */
  readonly statements: readonly string[]
  /** Runs within `limits`, or within what is left of a budget shared with other runs. */
  run(env: Readonly<Record<string, unknown>>, limits: RunLimits | Budget): RunResult
  /**
   * The first argument of each call to the function `name` (a plain `name(…)` call): its text when it
   * is a string literal, undefined when the call has none, null when it is anything else. The host
   * learns what a program will ask for before it runs (the headers `jwt(…)` verifies, say).
   */
  firstArgumentsOf(name: string): readonly (string | undefined | null)[]
}

export interface ProgramCompileError {
  readonly line: number
  readonly column: number
  readonly message: string
}

export type CompileResult =
  | { readonly ok: true; readonly program: CompiledProgram }
  | { readonly ok: false; readonly error: ProgramCompileError }

/** Parses `source` and checks its constant regular expressions; never throws. */
export function compileProgram(source: string): CompileResult {
  let statements: Statement[]
  try {
    statements = parseStatements(source)
    for (const s of statements) checkTree(s.node, 0)
  } catch (err) {
    if (err instanceof ProgramSyntaxError)
      return { ok: false, error: { line: err.line, column: err.column, message: err.message } }
    throw err
  }
  return { ok: true, program: programOf(statements) }
}

function programOf(statements: readonly Statement[]): CompiledProgram {
  return {
    statements: statements.map((s) => s.text),
    run(env, limits) {
      const budget = limits instanceof Budget ? limits : new Budget(limits)
      for (const [i, s] of statements.entries()) {
        let value: unknown
        try {
          value = evaluate(s.node, env, budget)
        } catch (err) {
          if (err instanceof ProgramLimitError) return { ok: false, reason: err.message, cause: 'limit' }
          const message = err instanceof Error ? err.message : String(err)
          return { ok: false, reason: `statement ${i + 1} failed: ${message}`, cause: 'error' }
        }
        if (value === false)
          return { ok: false, reason: `statement ${i + 1} is false: ${s.text}`, cause: 'false' }
        // a host function's way to stop the run with its own words (terminate_if in the original)
        if (value instanceof Error) return { ok: false, reason: value.message, cause: 'refused' }
      }
      return { ok: true }
    },
    firstArgumentsOf(name) {
      const found: (string | undefined | null)[] = []
      const visit = (node: Node) => {
        if (node.type === 'call' && node.callee.type === 'ident' && node.callee.name === name) {
          const first = node.args[0]
          found.push(
            first === undefined
              ? undefined
              : first.type === 'literal' && typeof first.value === 'string'
                ? first.value
                : null,
          )
        }
        for (const child of children(node)) visit(child)
      }
      for (const s of statements) visit(s.node)
      return found
    },
  }
}

/** Guards the interpreter's recursion, whatever shape (left-deep `1+1+…`, long `a.b.c…`) made the tree deep. */
const MAX_TREE_DEPTH = 256

/**
 * Checks what expr-lang checks when it compiles: a literal pattern right of `matches` must compile; and
 * what the interpreter needs: a tree no deeper than MAX_TREE_DEPTH.
 */
function checkTree(node: Node, depth: number): void {
  if (depth > MAX_TREE_DEPTH)
    throw new ProgramSyntaxError(`expression nests deeper than ${MAX_TREE_DEPTH}`, node.line, node.column)
  if (node.type === 'binary' && node.op === 'matches' && node.right.type === 'literal') {
    const pattern = node.right.value
    if (typeof pattern === 'string') {
      try {
        compilePattern(pattern)
      } catch (err) {
        throw new ProgramSyntaxError((err as Error).message, node.right.line, node.right.column)
      }
    }
  }
  for (const child of children(node)) checkTree(child, depth + 1)
}

function children(node: Node): readonly Node[] {
  switch (node.type) {
    case 'literal':
    case 'ident':
      return []
    case 'unary':
      return [node.operand]
    case 'binary':
      return [node.left, node.right]
    case 'member':
      return [node.object, node.property]
    case 'slice':
      return [node.object, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])]
    case 'call':
      return [node.callee, ...node.args]
    case 'array':
      return node.items
    case 'map':
      return node.entries.flat()
    case 'conditional':
      return [node.test, node.consequent, node.otherwise]
    case 'chain':
      return [node.node]
  }
}
