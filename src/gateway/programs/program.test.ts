import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type CompiledProgram, compileProgram, RunBudget } from './index.ts'

const LIMITS = { maxSteps: 10_000, maxMs: 1_000 }

function compile(source: string): CompiledProgram {
  const result = compileProgram(source)
  if (!result.ok) assert.fail(`${source}: ${JSON.stringify(result.error)}`)
  return result.program
}

class Header {
  #values: Map<string, string[]>
  constructor(values: Record<string, string>) {
    this.#values = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), [v]]))
  }
  Get(name: string): string {
    return this.#values.get(name.toLowerCase())?.[0] ?? ''
  }
  Set(name: string, value: string): void {
    this.#values.set(name.toLowerCase(), [value])
  }
}

/** The shape of the service-management environment (request, terminate_if), as the lead will wire it. */
function environment(headers: Record<string, string> = {}) {
  const calls: string[] = []
  return {
    calls,
    env: {
      request: { Method: 'GET', Host: 'api.local', URL: '/v1/users', Header: new Header(headers) },
      terminate_if: (flag: boolean, reason?: string) =>
        flag ? new Error(reason || 'request terminated') : null,
      logger: {
        Info: (...args: unknown[]) => {
          calls.push(`info ${args.join(' ')}`)
          return true
        },
      },
    },
  }
}

test('statements run in order; true, nil and other values let the run go on', () => {
  const { env, calls } = environment({ 'X-Token': 'abc' })
  const program = compile('logger.Info("one"); nil; "text"; 1 + 1; logger.Info("two");')
  assert.deepEqual(program.run(env, LIMITS), { ok: true })
  assert.deepEqual(calls, ['info one', 'info two'])
})

test('a false statement stops the run with its position and text; later ones do not run', () => {
  const { env, calls } = environment()
  const program = compile('logger.Info("before")\n; request.Method == "POST"; logger.Info("after")')
  assert.deepEqual(program.run(env, LIMITS), {
    ok: false,
    cause: 'false',
    reason: 'statement 2 is false: request.Method == "POST"',
  })
  assert.deepEqual(calls, ['info before'])
})

test('terminate_if: a host function that yields an Error stops the run with that reason', () => {
  const program = compile('terminate_if(request.Header.Get("X-Token") == "", "token required")')
  assert.deepEqual(program.run(environment().env, LIMITS), {
    ok: false,
    cause: 'refused',
    reason: 'token required',
  })
  // compiled once, run again against another request
  assert.deepEqual(program.run(environment({ 'x-token': 'abc' }).env, LIMITS), { ok: true })
})

test('a statement that fails (a type error, a throwing host function) stops the run with the error', () => {
  const failing = compile('request.Method == "GET"; request.Header.Nope')
  assert.deepEqual(failing.run(environment().env, LIMITS), {
    ok: false,
    cause: 'error',
    reason: 'statement 2 failed: cannot fetch Nope from Header (1:41)',
  })
  const throwing = compile('boom()')
  const result = throwing.run(
    {
      boom: () => {
        throw new Error('host says no')
      },
    },
    LIMITS,
  )
  assert.deepEqual(result, { ok: false, cause: 'error', reason: 'statement 1 failed: host says no' })
})

test('a ";" inside a string does not split statements', () => {
  const program = compile('"a;b" contains ";"; \'x;\' endsWith ";"')
  assert.deepEqual(program.statements, ['"a;b" contains ";"', '\'x;\' endsWith ";"'])
  assert.deepEqual(program.run({}, LIMITS), { ok: true })
})

test('a program that does not parse names line, column and what was expected', () => {
  assert.deepEqual(compileProgram('request.Method == "GET";\nrequest.Header.Get("X"'), {
    ok: false,
    error: { line: 2, column: 23, message: 'expected "," or ")" but found end of input' },
  })
  assert.deepEqual(compileProgram('1 +* 2'), {
    ok: false,
    error: { line: 1, column: 4, message: 'expected a value but found "*"' },
  })
  assert.deepEqual(compileProgram('"open'), {
    ok: false,
    error: { line: 1, column: 1, message: 'literal not terminated' },
  })
  assert.deepEqual(compileProgram('a b'), {
    ok: false,
    error: { line: 1, column: 3, message: 'expected an operator, ";" or the end but found "b"' },
  })
  assert.deepEqual(compileProgram('request.Host matches "(unclosed"'), {
    ok: false,
    error: {
      line: 1,
      column: 22,
      message: 'invalid regular expression: Invalid regular expression: /(unclosed/: Unterminated group',
    },
  })
  assert.equal(compileProgram('x matches "(?=lookahead)"').ok, false)
})

test('a run is cut off at its step budget: a huge range allocates nothing', () => {
  const program = compile('len(1..100000000) > 0')
  assert.deepEqual(program.run({}, { maxSteps: 10_000, maxMs: 60_000 }), {
    ok: false,
    cause: 'limit',
    reason: 'program exceeded its budget of 10000 steps',
  })
})

test('the step budget covers the whole run, not each statement', () => {
  const statement = Array.from({ length: 50 }, () => '1').join(' + ') + ' > 0'
  const one = compile(statement)
  assert.deepEqual(one.run({}, { maxSteps: 150, maxMs: 60_000 }), { ok: true })
  const three = compile(`${statement}; ${statement}; ${statement}`)
  const result = three.run({}, { maxSteps: 150, maxMs: 60_000 })
  assert.equal(result.ok, false)
  assert.equal(!result.ok && result.cause, 'limit')
})

test('a run is cut off at its time budget: 500 statements of 2 ms each stop near 20 ms', () => {
  const spin = () => {
    const end = performance.now() + 2
    while (performance.now() < end) {}
    return true
  }
  const program = compile(Array.from({ length: 500 }, () => 'spin()').join('; '))
  const result = program.run({ spin }, { maxSteps: 1_000_000, maxMs: 20 })
  assert.deepEqual(result, { ok: false, cause: 'limit', reason: 'program exceeded its time budget of 20 ms' })
})

test('sandbox: constructor, __proto__, prototype and Object/Function methods are unreachable', () => {
  class Host {
    field = 1
    method() {
      return 2
    }
  }
  const env = { host: new Host(), map: { a: 1 }, fn: () => 1, list: [1] }
  const denied = [
    'host.constructor',
    'host["__proto__"]',
    'host.constructor.constructor("return process")',
    'host.method.constructor',
    'host.toString()',
    'host.hasOwnProperty("field")',
    'host.__defineGetter__',
    'map.constructor',
    'map["__proto__"]',
    'map.prototype',
    'fn.constructor',
    'fn.call',
    'list.constructor',
    'list["length"]',
    '"s".constructor',
    '{a: 1}.constructor',
  ]
  for (const source of denied) {
    const result = compile(source).run(env, LIMITS)
    assert.equal(result.ok, false, source)
    assert.match(!result.ok ? result.reason : '', /cannot fetch|invalid operation/, source)
  }
  assert.deepEqual(compile('host.field == 1 && host.method() == 2').run(env, LIMITS), { ok: true })
  assert.deepEqual(compile('not ("constructor" in map) && not ("__proto__" in host)').run(env, LIMITS), {
    ok: true,
  })
})

test('sandbox: a map literal cannot pollute Object.prototype', () => {
  const program = compile(
    '{"__proto__": {polluted: true}, constructor: 1} != nil; {__proto__: 1}["__proto__"] == 1',
  )
  assert.deepEqual(program.run({}, LIMITS), {
    ok: false,
    cause: 'error',
    reason: 'statement 2 failed: cannot fetch __proto__ from map (1:71)',
  })
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('a tree too deep for the interpreter is refused when compiled, whatever its shape', () => {
  for (const source of [
    Array.from({ length: 2_000 }, () => '1').join(' + '),
    `a${'.b'.repeat(2_000)}`,
    `${'('.repeat(300)}1${')'.repeat(300)}`,
  ]) {
    const result = compileProgram(source)
    assert.equal(result.ok, false, source.slice(0, 20))
    assert.match(!result.ok ? result.error.message : '', /nests deeper than 256/)
  }
})

test('the original gateway documentation’s example program runs as documented', () => {
  // junqirao/api-gateway README, "可编程脚本 / 示例"
  const source = [
    'logger.Info(ctx, "hello %s", "world");',
    'response.Header.Set("X-Test-Header",upstream.HostName);',
    'terminate_if(request.Header.Get("Authorization") == "","authorization is empty");',
  ].join('\n')
  const program = compile(source)
  const run = (headers: Record<string, string>) => {
    const { env, calls } = environment(headers)
    const response = { Header: new Header({}) }
    const upstream = {
      Id: 'i-1',
      Host: '127.0.0.1',
      HostName: 'node-a',
      Port: 8080,
      ServiceName: 'test',
      Meta: {},
    }
    const result = program.run({ ...env, ctx: {}, response, upstream }, LIMITS)
    return { result, calls, header: response.Header.Get('X-Test-Header') }
  }
  assert.deepEqual(run({}), {
    result: { ok: false, cause: 'refused', reason: 'authorization is empty' },
    calls: ['info [object Object] hello %s world'],
    header: 'node-a',
  })
  assert.deepEqual(run({ Authorization: 'Bearer t' }).result, { ok: true })
})

test('firstArgumentsOf: what a program will pass to a host function, known before it runs', () => {
  const program = compile('jwt().MustSuccess(); jwt("X-Auth").Claims.sub == "a"; jwt(request.Host) != nil')
  assert.deepEqual(program.firstArgumentsOf('jwt'), [undefined, 'X-Auth', null])
  assert.deepEqual(program.firstArgumentsOf('other'), [])
})

test('a budget shared by several runs covers them all (the programs of one request)', () => {
  const statement = `${Array.from({ length: 50 }, () => '1').join(' + ')} > 0`
  const program = compile(statement)
  const budget = new RunBudget({ maxSteps: 150, maxMs: 60_000 })
  assert.deepEqual(program.run({}, budget), { ok: true })
  assert.deepEqual(program.run({}, budget), {
    ok: false,
    cause: 'limit',
    reason: 'program exceeded its budget of 150 steps',
  })
})
