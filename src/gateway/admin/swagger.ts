// Swagger UI at <base>/swagger: swagger-ui-dist's assets plus our own page (theirs points at the
// petstore). A selector lists the merged document and every service as the gateway exposes it.
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

function page(base: string): string {
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sallyport API explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${base}/swagger/swagger-ui.css">
<style>body{margin:0}</style></head>
<body><div id="swagger-ui"></div>
<script src="${base}/swagger/swagger-ui-bundle.js"></script>
<script src="${base}/swagger/swagger-ui-standalone-preset.js"></script>
<script>
(function () {
  var base = ${json(base)};
  var merged = { url: base + '/openapi.json', name: 'All services (merged)' };
  function start(urls) {
    window.ui = SwaggerUIBundle({
      urls: urls,
      'urls.primaryName': merged.name,
      dom_id: '#swagger-ui',
      deepLinking: true,
      validatorUrl: null,
      tryItOutEnabled: false,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: 'StandaloneLayout'
    });
  }
  fetch(base + '/api/openapi/services', { headers: { accept: 'application/json' } })
    .then(function (r) { return r.ok ? r.json() : []; })
    .catch(function () { return []; })
    .then(function (list) {
      var urls = [merged];
      (Array.isArray(list) ? list : []).forEach(function (s) {
        if (s.status === 'ok')
          urls.push({ url: base + '/api/openapi/services/' + encodeURIComponent(s.service) + '?view=gateway', name: s.service });
      });
      start(urls);
    });
})();
</script></body></html>`
}

export async function registerSwagger(app: FastifyInstance, base: string): Promise<void> {
  const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  const html = page(base)
  const send = (
    _req: unknown,
    reply: { type(t: string): { header(k: string, v: string): { send(b: string): unknown } } },
  ) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
  app.get(`${base}/swagger`, send)
  app.get(`${base}/swagger/`, send)
  app.get(`${base}/swagger/index.html`, send)
  await app.register(fastifyStatic, {
    root,
    prefix: `${base}/swagger/`,
    index: false,
    decorateReply: false,
    wildcard: true,
    allowedPath: (path) => /^\/?swagger-ui[\w.-]*\.(js|css|map)$|^\/?favicon-[\w.-]+\.png$/.test(path),
  })
}
