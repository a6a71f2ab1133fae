import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { sampleSchema, type SampleOptions } from './schema-sample.ts'
import { seededRandom } from './seeded-random.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

const options = (seed = 7, useExamples = false): SampleOptions => ({
  random: seededRandom(seed),
  useExamples,
  direction: 'response',
})

/** Validates against the document's components with the same Ajv setup as the gateway's validator. */
function checker(doc: Record<string, unknown>) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }))
  ajv.addSchema(doc, 'https://t.invalid/doc.json')
  return (name: string, value: unknown) => {
    const check = ajv.getSchema(`https://t.invalid/doc.json#/components/schemas/${name}`)
    if (!check) throw new Error(`no schema ${name}`)
    return check(value) ? [] : (check.errors ?? [])
  }
}

const doc = {
  components: {
    schemas: {
      Pet: {
        type: 'object',
        required: ['id', 'name', 'tags'],
        properties: {
          id: { type: 'integer', format: 'int64', minimum: 1 },
          name: { type: 'string', minLength: 3, maxLength: 12 },
          kind: { enum: ['cat', 'dog', 'bird'] },
          tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 4, uniqueItems: true },
          born: { type: 'string', format: 'date' },
          seen: { type: 'string', format: 'date-time' },
          id2: { type: 'string', format: 'uuid' },
          mail: { type: 'string', format: 'email' },
          home: { type: 'string', format: 'uri' },
          ip: { type: 'string', format: 'ipv4' },
          ip6: { type: 'string', format: 'ipv6' },
          host: { type: 'string', format: 'hostname' },
          weight: { type: 'number', exclusiveMinimum: 0, maximum: 80, multipleOf: 0.5 },
          age: { type: ['integer', 'null'], minimum: 0, maximum: 30 },
          code: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' },
          secret: { type: 'string', writeOnly: true },
          parent: { $ref: '#/components/schemas/Pet' },
        },
      },
      Tree: {
        type: 'object',
        required: ['name', 'children'],
        properties: {
          name: { type: 'string' },
          children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } },
        },
      },
      Shape: {
        oneOf: [
          {
            type: 'object',
            required: ['kind', 'r'],
            properties: { kind: { const: 'circle' }, r: { type: 'number' } },
          },
          {
            type: 'object',
            required: ['kind', 'w'],
            properties: { kind: { const: 'square' }, w: { type: 'number' } },
          },
        ],
      },
      Named: {
        allOf: [
          { $ref: '#/components/schemas/Shape' },
          { type: 'object', required: ['label'], properties: { label: { type: 'string', maxLength: 4 } } },
        ],
      },
    },
  },
}

test('a sample is valid for its schema: types, formats, enums, bounds, patterns, $ref, allOf/oneOf', () => {
  const check = checker(doc)
  for (const name of ['Pet', 'Tree', 'Shape', 'Named']) {
    for (let seed = 1; seed <= 25; seed++) {
      const value = sampleSchema(doc, { $ref: `#/components/schemas/${name}` }, options(seed))
      assert.deepEqual(check(name, value), [], `${name} seed ${seed}: ${JSON.stringify(value)}`)
    }
  }
})

test('the same seed gives the same sample; another seed another one', () => {
  const a = sampleSchema(doc, { $ref: '#/components/schemas/Pet' }, options(42))
  const b = sampleSchema(doc, { $ref: '#/components/schemas/Pet' }, options(42))
  const c = sampleSchema(doc, { $ref: '#/components/schemas/Pet' }, options(43))
  assert.deepEqual(a, b)
  assert.notDeepEqual(a, c)
})

test('examples, defaults and consts are used when asked; writeOnly members are left out of a response', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'string', example: 'from-example' },
      b: { type: 'integer', examples: [5, 6] },
      c: { type: 'boolean', default: true },
      d: { const: 'fixed' },
      e: { type: 'string', writeOnly: true },
    },
  }
  assert.deepEqual(sampleSchema({}, schema, options(1, true)), {
    a: 'from-example',
    b: 5,
    c: true,
    d: 'fixed',
  })
  const generated = sampleSchema({}, schema, options(1, false)) as Record<string, unknown>
  assert.notEqual(generated.a, 'from-example')
  assert.equal(generated.d, 'fixed')
})

test('a recursive $ref ends: optional members stop at maxDepth, required ones stay valid', () => {
  const value = sampleSchema(doc, { $ref: '#/components/schemas/Pet' }, options(3))
  let depth = 0
  for (let v = value as { parent?: unknown } | undefined; v; v = v.parent as typeof v) depth++
  assert.ok(depth <= 9, `nesting ${depth}`)
  const tree = sampleSchema(doc, { $ref: '#/components/schemas/Tree' }, { ...options(3), maxDepth: 3 })
  assert.ok(JSON.stringify(tree).length < 10_000)
})

test('a huge schema is bounded by maxNodes: a wide object with nested arrays stays small', () => {
  const properties: Record<string, unknown> = {}
  for (let i = 0; i < 500; i++)
    properties[`p${i}`] = { type: 'array', minItems: 0, items: { $ref: '#/components/schemas/Tree' } }
  const value = sampleSchema(doc, { type: 'object', properties }, { ...options(5), maxNodes: 300 })
  const size = JSON.stringify(value).length
  assert.ok(size < 50_000, `size ${size}`)
})

test('absurd minimums do not blow up: minLength and minItems are capped', () => {
  const s = sampleSchema({}, { type: 'string', minLength: 1e9 }, options()) as string
  assert.ok(s.length <= 65_536)
  const a = sampleSchema(
    {},
    { type: 'array', minItems: 1e9, items: { type: 'integer' } },
    options(),
  ) as unknown[]
  assert.ok(a.length <= 1000)
})

test('an allOf that refers back to itself (directly or through another schema) ends instead of overflowing the stack', () => {
  const loop = {
    components: {
      schemas: {
        A: {
          allOf: [
            { $ref: '#/components/schemas/A' },
            { type: 'object', properties: { a: { type: 'integer' } } },
          ],
        },
        B: { allOf: [{ $ref: '#/components/schemas/C' }] },
        C: {
          allOf: [{ $ref: '#/components/schemas/B' }],
          type: 'object',
          required: ['c'],
          properties: { c: { type: 'string' } },
        },
      },
    },
  }
  for (const name of ['A', 'B', 'C']) {
    const value = sampleSchema(loop, { $ref: `#/components/schemas/${name}` }, options())
    assert.equal(typeof value, 'object', name)
  }
})
