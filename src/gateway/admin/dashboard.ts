// Serves the built dashboard at <base>/ when headless (the Electron window loads the same URL).
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** out/renderer next to the running code: out/main/cli.js when built, src/gateway/... in tests. */
export function findDashboardDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [
    resolve(here, '../renderer'),
    resolve(here, '../../out/renderer'),
    resolve(here, '../../../out/renderer'),
  ]
  return candidates.find((dir) => existsSync(join(dir, 'index.html')))
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Sallyport</title>
<body style="font:16px system-ui;margin:3rem"><h1>Sallyport is running</h1>
<p>The dashboard has not been built. Run <code>npm run build</code>, then reload.</p>
<p>The admin API answers at <a href="api/routes">api/routes</a>.</p></body>`

export async function registerDashboard(
  app: FastifyInstance,
  basePath: string,
  dir: string | undefined,
): Promise<void> {
  app.get(basePath, (_req, reply) => reply.redirect(`${basePath}/`, 308))
  if (!dir) {
    app.get(`${basePath}/`, (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT))
    return
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: `${basePath}/`,
    index: ['index.html'],
    decorateReply: false,
    wildcard: false,
    cacheControl: true,
    maxAge: 0,
  })
}
