// The request inspector's API:
//   GET  <base>/api/requests            recent requests, newest first by start (filters below)
//   GET  <base>/api/requests/live       the same, pushed as they are recorded (text/event-stream)
//   GET  <base>/api/requests.har        the same as an HTTP Archive 1.2 download (`ids=` for a selection)
//   GET  <base>/api/requests/:id        one request with its bodies
//   POST <base>/api/requests/:id/replay sends it again (body too) and compares the answers
// Filters: route, status (404 or 4xx), outcome, method (comma lists), q (text in the path), since (id),
// limit (the newest N).
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { GatewayCore } from '../../core.ts'
import { GatewayError } from '../../errors.ts'
import { HOP_BY_HOP } from '../../http/hop-headers.ts'
import type { ReplayResult, RequestDetail } from '../../model/index.ts'
import { curlCommand } from '../../stats/curl.ts'
import { toHar } from '../../stats/har.ts'
import { Redactor } from '../../stats/redaction.ts'
import type { RequestFilter, ReplaySource } from '../../stats/request-log.ts'
import { diffResponses } from '../../stats/response-diff.ts'
import { http } from '../../util/node-http.ts'

const BODY_LIMIT = 64 * 1024
const REPLAY_TIMEOUT_MS = 30_000
/** How often the live tail looks for new records, and sends a keep-alive comment when idle. */
const TAIL_EVERY_MS = 500
const TAIL_KEEPALIVE_MS = 15_000

type Filters = Omit<RequestFilter, 'ids' | 'limit'> & { ids?: string; limit?: string }

const filterOf = (q: Filters): RequestFilter => ({
  route: q.route,
  status: q.status,
  outcome: q.outcome,
  method: q.method,
  q: q.q,
  since: q.since,
  ids: q.ids ? q.ids.split(',') : undefined,
  limit: limitOf(q.limit),
})

/** `limit=N`: a whole number, else a clear 400 (nothing else changes). */
function limitOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new GatewayError(
      'SP_ERR_ADMIN_BAD_BODY',
      `limit must be a whole number, got "${value.slice(0, 40)}"`,
    )
  return n
}

function replay(
  base: string,
  source: ReplaySource,
  id: string,
  redactor: Redactor,
): Promise<ReplayResult['replay']> {
  const headers: IncomingHttpHeaders = {}
  for (const [k, v] of Object.entries(source.headers))
    if (!HOP_BY_HOP.has(k) && k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v
  headers['x-sallyport-replay'] = id
  const body = source.body ?? Buffer.alloc(0)
  if (body.length > 0) headers['content-length'] = String(body.length)
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
          headers: redactor.headers(endToEnd(res.headers)),
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
          requestBodyBytes: body.length,
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
    req.end(body.length > 0 ? body : undefined)
  })
}

/** The response's end-to-end fields: hop-by-hop ones describe the replay's own connection. */
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) out[k] = v
  return out
}

/** A body's text with secret JSON fields hidden (whole documents re-serialised as they were). */
function redactedText(text: string, redactor: Redactor): string {
  try {
    return JSON.stringify(redactor.json(JSON.parse(text)).value)
  } catch {
    return redactor.jsonText(text)
  }
}

export function registerRequestInspector(app: FastifyInstance, core: GatewayCore): void {
  const log = core.requestLog
  const tails = new Set<FastifyReply>()
  app.addHook('onClose', async () => {
    for (const reply of tails) reply.raw.end()
  })

  app.get<{ Querystring: Filters }>('/api/requests', async (req) => log.list(filterOf(req.query)))

  app.get<{ Querystring: Filters }>('/api/requests.har', async (req, reply) => {
    const details = log
      .list(filterOf(req.query))
      .map((r) => log.detail(r.id))
      .filter((d): d is RequestDetail => d !== undefined)
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="sallyport-requests-${stamp}.har"`)
    return toHar(details, core.url ?? `http://${req.headers.host ?? 'localhost'}`, core.version)
  })

  app.get<{ Querystring: Filters }>('/api/requests/live', (req, reply) => {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    })
    const filter = filterOf(req.query)
    // Starts from now (or from `since`): the page loads the list first, then follows.
    let since = req.query.since ?? log.newestId
    let quiet = 0
    res.write(`event: ready\ndata: ${JSON.stringify({ since })}\n\n`)
    const timer = setInterval(() => {
      if (log.newestId === since) {
        quiet += TAIL_EVERY_MS
        if (quiet >= TAIL_KEEPALIVE_MS) {
          quiet = 0
          res.write(': keep-alive\n\n')
        }
        return
      }
      quiet = 0
      const fresh = log.list({ ...filter, since })
      since = log.newestId
      if (fresh.length > 0) res.write(`event: requests\ndata: ${JSON.stringify(fresh)}\n\n`)
    }, TAIL_EVERY_MS)
    tails.add(reply)
    res.on('close', () => {
      clearInterval(timer)
      tails.delete(reply)
    })
  })

  app.get<{ Params: { id: string } }>('/api/requests/:id', async (req) => {
    const detail = log.detail(req.params.id)
    if (!detail) throw new GatewayError('SP_ERR_ADMIN_REQUEST_NOT_FOUND')
    // The proxy answers on the admin API's own port: the host the caller used reaches it.
    const origin = req.headers.host
      ? `${req.protocol}://${req.headers.host}`
      : (core.url ?? 'http://localhost')
    return { ...detail, curl: curlCommand(detail, origin) } satisfies RequestDetail
  })

  app.post<{ Params: { id: string } }>('/api/requests/:id/replay', async (req) => {
    const entry = log.get(req.params.id)
    if (!entry) throw new GatewayError('SP_ERR_ADMIN_REQUEST_NOT_FOUND')
    if (!core.url) throw new GatewayError('SP_ERR_ADMIN_NOT_LISTENING')
    if (entry.record.note !== undefined)
      throw new GatewayError(
        'SP_ERR_ADMIN_REPLAY_INCOMPLETE',
        `request ${entry.record.id} cannot be sent again as it was: ${entry.record.note}`,
      )
    if (!entry.replay.bodyComplete)
      throw new GatewayError(
        'SP_ERR_ADMIN_REPLAY_INCOMPLETE',
        `request ${entry.record.id} had a ${entry.record.requestBodyBytes}-byte body and only ${entry.replay.body?.length ?? 0} bytes were kept (inspector.bodyLimit/bodyBudget): it cannot be sent again as it was`,
      )
    const settings = core.watcher.current.settings.inspector
    const redactor = new Redactor(settings.redactHeaders, settings.redactFields)
    const answer = await replay(core.url, entry.replay, entry.record.id, redactor)
    const result = { ...answer, body: redactedText(answer.body, redactor) }
    const original = entry.record
    const kept = entry.replay.responseBody
    const diff = diffResponses(
      {
        status: original.status,
        headers: original.responseHeaders,
        // Both sides cut at the same length, secrets hidden on both.
        body:
          kept === undefined
            ? undefined
            : redactedText(kept.subarray(0, BODY_LIMIT).toString('utf8'), redactor),
      },
      { status: result.status, headers: result.headers, body: result.body },
    )
    return { original, replay: result, diff } satisfies ReplayResult
  })
}
