// Serves the built dashboard at <base>/ when headless (the Electron window loads the same URL).
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

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
