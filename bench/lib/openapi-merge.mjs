// Issue 5: merging 100 service documents into one 3.1 document (target ≤ 150 ms). In process, on the
// gateway's own merge (src/gateway/openapi, run by Node 22's type stripping); every service shares a
// clashing `Item` schema so renaming and $ref rewriting are part of the cost.
import { pathToFileURL } from 'node:url'
import path from 'node:path'

function serviceDoc(i) {
  const paths = {}
  for (let p = 0; p < 5; p++) {
    paths[`/items-${p}/{id}`] = {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: {
          200: {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
        },
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: `svc-${i}`, version: '1.0.0' },
    paths,
    components: {
      schemas: {
        Item: {
          type: 'object',
          properties: { id: { type: 'integer' }, name: { type: 'string' }, svc: { const: i } },
        },
      },
    },
  }
}

export async function openapiMergeScenario({ repo, docs = 100, runs = 7 }) {
  const mod = await import(pathToFileURL(path.join(repo, 'src/gateway/openapi/merge-documents.ts')).href)
  const sources = Array.from({ length: docs }, (_, i) => ({
    service: `svc-${i}`,
    prefix: `/svc-${i}`,
    document: serviceDoc(i),
  }))
  const times = []
  let paths = 0
  let errors = 0
  for (let r = 0; r < runs; r++) {
    // A fresh copy each run: the merge must not profit from work done on the same objects.
    const input = structuredClone(sources)
    const t0 = performance.now()
    const out = mod.mergeDocuments(input, { serverUrl: 'http://127.0.0.1:8080' })
    times.push(performance.now() - t0)
    paths = Object.keys(out.document.paths ?? {}).length
    errors = Object.keys(out.errors).length
  }
  const sorted = [...times].sort((a, b) => a - b)
  return { docs, runs, firstMs: times[0], medianMs: sorted[Math.floor(sorted.length / 2)], paths, errors }
}
