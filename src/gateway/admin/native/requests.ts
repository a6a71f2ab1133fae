// The request inspector: GET <base>/api/requests lists recent proxied requests (newest first);
// POST <base>/api/requests/:id/replay sends one again through the gateway's own URL.
import type { IncomingHttpHeaders } from 'node:http'
import { http } from '../../util/node-http.ts'
import type { FastifyInstance } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import { GatewayError } from '../../errors.ts'
import type { ReplayResult } from '../../model/index.ts'
import { HOP_BY_HOP } from '../../http/hop-headers.ts'
import { redactHeaders, type ReplaySource } from '../../stats/request-log.ts'

const BODY_LIMIT = 64 * 1024
const REPLAY_TIMEOUT_MS = 30_000

function replay(base: string, source: ReplaySource, id: string): Promise<ReplayResult['replay']> {
  const headers: IncomingHttpHeaders = {}
  for (const [k, v] of Object.entries(source.headers))
    if (!HOP_BY_HOP.has(k) && k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v
  headers['x-sallyport-replay'] = id
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(source.url, base), { method: source.method, headers }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      let truncated = false
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(chunk.subarray(0, BODY_LIMIT - size))
        else truncated = true
        if (size + chunk.length > BODY_LIMIT) truncated = true
        size += chunk.length
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: redactHeaders(res.headers),
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
        }),
      )
      res.on('error', reject)
    })
    req.setTimeout(REPLAY_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${REPLAY_TIMEOUT_MS} ms`)),
    )
    req.on('error', (err) =>
      reject(new GatewayError('SP_ERR_ADMIN_REPLAY_FAILED', `replay failed: ${err.message}`)),
    )
    req.end()
  })
}

export function registerRequestInspector(app: FastifyInstance, core: GatewayCore): void {
  const log = core.requestLog
  app.get<{ Querystring: { route?: string; status?: string } }>('/api/requests', async (req) =>
    log.list({ route: req.query.route, status: req.query.status }),
  )
  app.post<{ Params: { id: string } }>('/api/requests/:id/replay', async (req) => {
    const entry = log.get(req.params.id)
    if (!entry) throw new GatewayError('SP_ERR_ADMIN_REQUEST_NOT_FOUND')
    if (!core.url) throw new GatewayError('SP_ERR_ADMIN_NOT_LISTENING')
    // Request bodies are streamed, not kept: a replay sends the method, path and headers only.
    return { original: entry.record, replay: await replay(core.url, entry.replay, entry.record.id) }
  })
}
