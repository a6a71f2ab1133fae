// The upstream of the openapi-stall scenario: serves a generated OpenAPI document of api.github.com's
// size (deterministic: same seed, same bytes), answers If-None-Match with 304 and changes the document
// on every third fetch, and answers anything else with a small 200 (the proxied request).
//   node bench/lib/openapi-stall-upstream.mjs PORT
import http from 'node:http'
import { prng } from './prng.mjs'

const SYLLABLES = 'ka ri to mo ne su la vi po de ga hu shi ro ze na bi fu yo te ma ku li so ra'.split(' ')

/**
 * ~13 MB of OpenAPI 3.0.3 shaped like GitHub's: ~800 paths, ~1,000 operations, ~900 schemas that $ref
 * each other, shared parameters, responses and examples, and several thousand distinct property names.
 */
export function generateDocument({ seed = 19, paths = 810, schemas = 1400 } = {}) {
  const rnd = prng(seed)
  const pick = (list) => list[Math.floor(rnd() * list.length)]
  const word = (n = 2 + Math.floor(rnd() * 3)) => Array.from({ length: n }, () => pick(SYLLABLES)).join('')
  const sentence = (n) => Array.from({ length: n }, () => word()).join(' ')
  const names = [...new Set(Array.from({ length: 6000 }, () => `${word()}_${word(2)}`))]
  const schemaNames = Array.from({ length: schemas }, (_, i) => `${word()}-${i}`)
  const ref = (kind, name) => ({ $ref: `#/components/${kind}/${name}` })

  const components = { schemas: {}, parameters: {}, responses: {}, examples: {} }
  schemaNames.forEach((name, i) => {
    const properties = {}
    const count = 25 + Math.floor(rnd() * 60)
    for (let p = 0; p < count; p++) {
      const r = rnd()
      const prop = pick(names)
      if (r < 0.15 && i > 0) properties[prop] = ref('schemas', schemaNames[Math.floor(rnd() * i)])
      else if (r < 0.25)
        properties[prop] = {
          type: 'array',
          items: r < 0.2 && i > 0 ? ref('schemas', schemaNames[i - 1]) : { type: 'string' },
        }
      else if (r < 0.35) properties[prop] = { type: 'string', enum: [word(), word(), word()] }
      else if (r < 0.5)
        properties[prop] = { type: 'integer', format: 'int64', example: Math.floor(rnd() * 1e6) }
      else
        properties[prop] = {
          type: 'string',
          description: sentence(10 + Math.floor(rnd() * 16)),
          example: word(),
        }
    }
    components.schemas[name] = {
      title: name,
      description: sentence(12),
      type: 'object',
      properties,
      required: Object.keys(properties).slice(0, 3),
    }
  })
  for (let i = 0; i < 150; i++)
    components.parameters[`param-${i}`] = {
      name: pick(names),
      in: i % 5 === 0 ? 'header' : 'query',
      description: sentence(8),
      schema: { type: i % 2 ? 'integer' : 'string' },
    }
  for (let i = 0; i < 60; i++)
    components.responses[`response-${i}`] = {
      description: sentence(6),
      content: { 'application/json': { schema: ref('schemas', pick(schemaNames)) } },
    }
  for (let i = 0; i < 600; i++) {
    const value = {}
    for (let k = 0; k < 60; k++) value[pick(names)] = rnd() < 0.5 ? word() : Math.floor(rnd() * 1000)
    components.examples[`example-${i}`] = { value }
  }

  const doc = {
    openapi: '3.0.3',
    info: { title: 'Generated GitHub-sized API', version: '1.0.0', description: sentence(40) },
    servers: [{ url: 'https://api.example.invalid' }],
    tags: Array.from({ length: 40 }, () => ({ name: word(), description: sentence(10) })),
    paths: {},
    components,
  }
  for (let i = 0; i < paths; i++) {
    const base = `/${word()}/{owner}/${word()}-${i}`
    const path = rnd() < 0.6 ? `${base}/{id}` : base
    const item = {}
    const params = [
      { name: 'owner', in: 'path', required: true, schema: { type: 'string' } },
      ...(path.endsWith('{id}')
        ? [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }]
        : []),
    ]
    for (const method of ['get', 'post', 'patch', 'delete']) {
      if (method !== 'get' && rnd() < 0.75) continue
      const schema = pick(schemaNames)
      item[method] = {
        operationId: `${method}-${word()}-${i}`,
        summary: sentence(5),
        description: sentence(80 + Math.floor(rnd() * 80)),
        tags: [doc.tags[Math.floor(rnd() * doc.tags.length)].name],
        parameters: [...params, ref('parameters', `param-${Math.floor(rnd() * 150)}`)],
        ...(method === 'post' || method === 'patch'
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: ref('schemas', schema) } },
              },
            }
          : {}),
        responses: {
          200: {
            description: 'ok',
            content: {
              'application/json': {
                schema: ref('schemas', schema),
                examples: { default: ref('examples', `example-${Math.floor(rnd() * 600)}`) },
              },
            },
          },
          404: ref('responses', `response-${Math.floor(rnd() * 60)}`),
        },
        'x-github': {
          githubCloudOnly: false,
          enabledForGitHubApps: rnd() < 0.5,
          category: word(),
          subcategory: word(),
        },
      }
    }
    doc.paths[path] = item
  }
  return doc
}

function distinctKeys(value, into = new Set()) {
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (!Array.isArray(value)) into.add(k)
      distinctKeys(v, into)
    }
  return into
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 19310)
  const doc = generateDocument()
  // Two versions serialised once, served alternately: this process must not stall the proxied request.
  const bodies = ['1.0.0', '1.0.1'].map((v) =>
    Buffer.from(JSON.stringify({ ...doc, info: { ...doc.info, version: v } })),
  )
  let version = 0
  const body = () => bodies[version % 2]
  const info = {
    bytes: bodies[0].length,
    paths: Object.keys(doc.paths).length,
    operations: Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0),
    schemas: Object.keys(doc.components.schemas).length,
    distinctKeys: distinctKeys(doc).size,
    fetches: 0,
    served200: 0,
    served304: 0,
    changes: 0,
  }
  http
    .createServer((req, res) => {
      if (req.url === '/_doc-info')
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info))
      if (req.url !== '/openapi.json') return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      info.fetches++
      // Every third fetch after the first finds a new version: new bytes, new ETag.
      if (info.fetches > 1 && info.fetches % 3 === 0) {
        version++
        info.changes++
      }
      const etag = `"v${version}"`
      if (req.headers['if-none-match'] === etag) {
        info.served304++
        return res.writeHead(304, { etag }).end()
      }
      info.served200++
      res.writeHead(200, { 'content-type': 'application/json', etag }).end(body())
    })
    .listen(port, '127.0.0.1')
}
