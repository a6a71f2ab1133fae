// Conformance with expr-lang (github.com/expr-lang/expr) for the subset programs use. Every row is an
// expression and the result expr-lang gives, taken from its own tests and documentation: `expr_test.go`
// (TestExpr, TestExpr_optional_chaining*, TestRun_NilCoalescingOperator), `docs/language-definition.md`,
// `parser/lexer/lexer_test.go`, `parser/parser_test.go` and `vm/runtime`'s messages; the few rows no test
// spells out follow from its operator table (`parser/operator/operator.go`) or its VM (`vm/vm.go`), as
// their group's comment says. Numbers compare by value (expr's float64(256) is 256 here).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Budget, evaluate } from './interpreter.ts'
import { parseExpression } from './parser.ts'

class Header {
  #values: Map<string, string>
  constructor(values: Record<string, string>) {
    this.#values = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]))
  }
  Get(name: string): string {
    return this.#values.get(name.toLowerCase()) ?? ''
  }
}

class Request {
  Method = 'GET'
  Host = 'api.local'
  Header = new Header({ 'X-Token': 'abc', Authorization: 'Bearer t' })
}

const env = (): Record<string, unknown> => ({
  Int: 0,
  One: 1,
  Two: 2,
  Float64: 0.5,
  String: 'string',
  Bool: true,
  NilAny: null,
  ArrayOfInt: [1, 2, 3, 4, 5],
  Foo: { Bar: { Baz: 'baz' } },
  foo: { bar: 'value', id: 1, list: [null, { baz: 'baz' }] },
  request: new Request(),
  Add: (a: number, b: number) => a + b,
})

const run = (source: string, values: Record<string, unknown> = env()) =>
  evaluate(parseExpression(source), values, new Budget({ maxSteps: 100_000, maxMs: 1_000 }))

const CASES: readonly (readonly [string, unknown])[] = [
  // literals (docs: Literals, Strings; lexer_test.go)
  ['1', 1],
  ['-.5', -0.5],
  ['0x2A', 42],
  ['0o52', 42],
  ['0b101010', 42],
  ['1_000_000', 1_000_000],
  ['1e3', 1000],
  ['"foo"', 'foo'],
  ["'bar'", 'bar'],
  ['"Hello\\nWorld"', 'Hello\nWorld'],
  ['"\\u263A"', '☺'],
  ['`raw\\n`', 'raw\\n'],
  ['true', true],
  ['nil', null],
  ['[1, 2, 3]', [1, 2, 3]],
  ['{foo: 0, bar: 1}', { foo: 0, bar: 1 }],
  ['{a: 1, a: 2}.a', 2], // a Go map literal: the later key wins
  ['1 /* one */ + 2 // two', 3],
  // arithmetic and precedence (TestExpr)
  ['2 + 2 == 4', true],
  ['8 % 3', 2],
  ['2 ** 8', 256],
  ['2 ^ 8', 256],
  ['2^3 == 8', true],
  ['4/2 == 2', true],
  ['-(2-5)**3-2/(+4-3)+-2', 23],
  ['"hello" + " " + "world"', 'hello world'],
  ['(true ? 0+1 : 2+3) + (false ? -1 : -2)', -1],
  ['(One * Two) * 3 == One * (Two * 3)', true],
  ['Int + 0', 0],
  ['0 <= Float64', true],
  ['Float64 < 1', true],
  ['1 + 1', 2],
  // comparison chains (TestExpr)
  ['1 < 2 < 3', true],
  ['1 > 2 < 3', false],
  ['1 < 2 < 3 > 4', false],
  ['1 < 2 < 3 > 2', true],
  ['1 < 2 < 3 == true', true],
  ['"a" < "b"', true],
  ['"a" != "b"', true],
  // and / or / not (operator table: not 50, and 15, or 10; vm.go OpNot on a bool)
  ['true && false || false', false],
  ['"a" != "b" || 1 == 2', true],
  ['not false', true],
  ['!true', false],
  ['not (1 == 2) and 2 == 2', true],
  ['true or false and false', true],
  // in, ranges (TestExpr)
  ['0 in -1..1 and 1 in 1..1', true],
  ['Int in 0..1', true],
  ['1 in [1, 2, 3] && "foo" in {foo: 0, bar: 1}', true],
  ['1 in [1.5] || 1 not in [1]', false],
  ['One in 0..1 && Two not in 0..1', true],
  ['Two not    in 0..1', true],
  ['-1 not in [1]', true],
  ['4 in 5..1', false],
  ['4..0', []],
  ['1..3 == [1, 2, 3]', true],
  ['(0..10)[5]', 5],
  ['.5 in 0..1', false],
  ['.5 in ArrayOfInt', false],
  ['"name" in {"name": "John", "age": 30}', true],
  // matches, contains, startsWith, endsWith (TestExpr; `not contains` parser_test.go)
  ['String matches "s.+"', true],
  ['String matches ("^" + String + "$")', true],
  ["'foo' + 'bar' not matches 'foobar'", false],
  ['"foobar" contains "bar"', true],
  ['"foobar" startsWith "foo"', true],
  ['"foobar" endsWith "bar"', true],
  ['"foobar" not contains "baz"', true],
  // member, index, slice, method and function calls (TestExpr; docs: Membership Operator; the request
  // rows are TestExpr's Foo.MethodWithArgs over a header class like the original gateway's)
  ['Foo.Bar.Baz', 'baz'],
  ['Foo["Bar"]["Baz"]', 'baz'],
  ['Add(10, 5) + 0', 15],
  ['ArrayOfInt[1]', 2],
  ['ArrayOfInt[-1]', 5],
  ['ArrayOfInt[0] < ArrayOfInt[1]', true],
  ['ArrayOfInt[1:4]', [2, 3, 4]],
  ['ArrayOfInt[-4:-1]', [2, 3, 4]],
  ['ArrayOfInt[:3]', [1, 2, 3]],
  ['ArrayOfInt[3:]', [4, 5]],
  ['ArrayOfInt[:] == ArrayOfInt', true],
  ['String[:3]', 'str'],
  ['String[3:9]', 'ing'],
  ['"hello"[1:3]', 'el'],
  ['request.Header.Get("X-Token") == ""', false],
  ['request.Header.Get("X-Missing") == ""', true],
  ['request.Method == "GET" && request.Host endsWith ".local"', true],
  // nil handling (TestExpr, TestExpr_optional_chaining*, TestRun_NilCoalescingOperator, ast/print_test.go,
  // compiler_test.go; nil operands of contains/matches/in: vm.go OpContains/OpMatches, runtime.In)
  ['NilAny == nil && nil == NilAny && nil == nil', true],
  ['0 == nil || "str" == nil || true == nil', false],
  ['[1, 2, 3]?.[0]', 1],
  ['[[1, 2], 3, 4]?.[0]?.[1]', 2],
  ['[nil, 3, 4]?.[0]?.[1]', null],
  ['unknown?.bar.baz', null],
  ['unknown?.list[1:2]', null],
  ['foo.missing?.baz', null],
  ['foo?.list[foo?.id]?.baz', 'baz'],
  ['foo.bar ?? "default"', 'value'],
  ['foo.baz ?? "default"', 'default'],
  ['unknown?.bar ?? "default"', 'default'],
  ['(nil ?? 1) > 0', true],
  ['true ?? nil ?? nil ?? nil', true],
  ['nil contains "a"', false],
  ['"a" matches nil', false],
  ['"x" in nil', false],
  // built-ins (docs: String Functions, Conversion, Array Functions; TestExpr)
  ['len([1, 2, 3])', 3],
  ['len("hello, world")', 12],
  ["len('北京')", 2],
  ["len('👍🏻')", 2],
  ['len({a: 1, b: 2, c: 2})', 3],
  ['trim("  Hello  ") == "Hello"', true],
  ['trim("__Hello__", "_") == "Hello"', true],
  ['trimPrefix("HelloWorld", "Hello") == "World"', true],
  ['trimSuffix("HelloWorld", "World") == "Hello"', true],
  ['upper("hello") == "HELLO"', true],
  ['lower("HELLO") == "hello"', true],
  ['split("apple,orange,grape", ",") == ["apple", "orange", "grape"]', true],
  ['split("apple,orange,grape", ",", 2) == ["apple", "orange,grape"]', true],
  ['replace("Hello World", "World", "Universe") == "Hello Universe"', true],
  ['indexOf("apple pie", "pie") == 6', true],
  ['lastIndexOf("apple pie apple", "apple") == 10', true],
  ['indexOf("北京abc", "abc")', 6], // strings.Index counts bytes
  ['first([])', null], // first/last recover to nil
  ['last(nil)', null],
  ['hasPrefix("HelloWorld", "Hello") == true', true],
  ['hasSuffix("HelloWorld", "World") == true', true],
  ['join(["apple", "orange", "grape"], ",") == "apple,orange,grape"', true],
  ['first([1, 2, 3]) == 1', true],
  ['last([1, 2, 3]) == 3', true],
  ['abs(-5) == 5', true],
  ['type(42) == "int"', true],
  ['int("123") == 123', true],
  ['float("123.45") == 123.45', true],
  ['string(123) == "123"', true],
  ['toBase64("Hello World") == "SGVsbG8gV29ybGQ="', true],
  ['fromBase64("SGVsbG8gV29ybGQ=") == "Hello World"', true],
]

test('the table holds at least 60 expressions', () => assert.ok(CASES.length >= 60))

for (const [source, expected] of CASES) {
  test(`conformance: ${source}`, () => {
    const got = run(source)
    // map literals are null-prototype objects; compare their plain JSON shape
    assert.deepEqual(
      typeof got === 'object' && got !== null ? JSON.parse(JSON.stringify(got)) : got,
      expected,
    )
  })
}

// Failures expr-lang reports at run time, with its message (vm/runtime, expr_test.go).
const FAILURES: readonly (readonly [string, RegExp])[] = [
  ['unknown.bar', /cannot fetch bar from <nil>/],
  ['foo.bar.baz', /invalid operation: int\(string\)/],
  ['ArrayOfInt[7]', /index out of range: 7 \(array length is 5\)/],
  ['ArrayOfInt[-7]', /index out of range: -2 \(array length is 5\)/],
  ['Add.Value', /cannot fetch Value from func/],
  ['1 + "a"', /invalid operation: int \+ string/],
  ['"a" < 1', /invalid operation: string < int/],
  ['1 % 0', /integer divide by zero/],
  ['1 in 5', /operator "in" not defined on int/],
  ['request.Nope', /cannot fetch Nope from Request/],
]

test('conformance: run-time failures carry expr-lang’s message and their position', () => {
  for (const [source, message] of FAILURES) {
    assert.throws(() => run(source), message, source)
  }
  assert.throws(() => run('1 +\n  unknown.bar'), /cannot fetch bar from <nil> \(2:11\)/)
})

// Syntax errors: expr-lang's message and line:column (parser/parser_test.go, TestParse_error).
const SYNTAX_ERRORS: readonly (readonly [string, RegExp, number, number])[] = [
  ['{,}', /map key/, 1, 2],
  ['{foo:1, bar:2, ,}', /map key/, 1, 16],
  ['0b15', /bad number syntax: "0b15"/, 1, 4],
  ['0X10G', /bad number syntax: "0X10G"/, 1, 5],
  ['foo ?? bar || baz', /\|\| and coalesce expressions \(\?\?\) cannot be mixed/, 1, 12],
]

for (const [source, message, line, column] of SYNTAX_ERRORS) {
  test(`syntax error: ${source}`, () => {
    assert.throws(
      () => parseExpression(source),
      (err: Error & { line: number; column: number }) => {
        assert.match(err.message, message)
        assert.deepEqual([err.line, err.column], [line, column])
        return true
      },
    )
  })
}

test('precedence: unary not binds tighter than ==, unary minus looser than **', () => {
  // expr-lang's operator table: not 50 > == 20, so `not true == false` is `(not true) == false`
  assert.equal(run('not true == false'), true)
  assert.equal(run('-2 ** 2'), -4)
  assert.equal(run('2 ** 3 ** 2'), 512)
  assert.equal(run('1 + 2 * 3'), 7)
  assert.equal(run('10 - 4 - 3'), 3)
})
