// Swagger UI at <base>/swagger: Swagger UI's assets (copied into the dashboard build by the build, or
// swagger-ui-dist from node_modules when running from source) plus our own page (theirs points at the
// petstore). A selector lists the merged document, every service as the gateway exposes it, and the
// gateway's own admin API last. With no service documented yet there is no merged entry (Swagger would
// say "No operations defined in spec!"): the admin API opens, under a note saying why.
// `?doc=<document url>` opens one entry; `?embedded=1` (the dashboard's API docs page, which has its own
// selector and empty state) hides Swagger's top bar and the note.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

function page(base: string): string {
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sallyport API explorer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${base}/swagger/swagger-ui.css">
<link rel="icon" type="image/png" href="${base}/swagger/favicon-32x32.png">
<style>body{margin:0}#no-services{font:14px/1.5 sans-serif;margin:12px 20px;padding:10px 14px;border:1px dashed #999;border-radius:6px}#no-services[hidden]{display:none}.embedded .swagger-ui .topbar{display:none}</style></head>
<body><p id="no-services" role="status" hidden>No service behind the gateway has an OpenAPI document yet, so
the merged document (<a href="${base}/openapi.json">${base}/openapi.json</a>) is empty: showing the
gateway's own admin API. The dashboard's <a href="${base}/#/api-docs">API docs</a> page says how to add one.</p>
<div id="swagger-ui"></div>
<script src="${base}/swagger/swagger-ui-bundle.js"></script>
<script src="${base}/swagger/swagger-ui-standalone-preset.js"></script>
<script>
(function () {
  var base = ${json(base)};
  var merged = { url: base + '/openapi.json', name: 'All services (merged)' };
  var adminApi = { url: base + '/api/openapi.json', name: 'Sallyport admin API (this gateway)' };
  var query = new URLSearchParams(location.search);
  var embedded = query.get('embedded') === '1';
  document.body.classList.toggle('embedded', embedded);
  function start(urls) {
    var wanted = urls.filter(function (u) { return u.url === query.get('doc'); })[0];
    var primary = (wanted || urls[0]).name;
    window.ui = SwaggerUIBundle({
      urls: urls,
      'urls.primaryName': primary,
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
      var services = (Array.isArray(list) ? list : []).filter(function (s) { return s.status === 'ok'; });
      var urls = services.length > 0 ? [merged] : [];
      services.forEach(function (s) {
        urls.push({ url: base + '/api/openapi/services/' + encodeURIComponent(s.service) + '?view=gateway', name: s.service });
      });
      urls.push(adminApi);
      document.getElementById('no-services').hidden = services.length > 0 || embedded;
      start(urls);
    });
})();
</script></body></html>`
}

/** Where Swagger UI's files are: the build's copy beside the dashboard, else swagger-ui-dist (a
 * devDependency: present when running from source, absent in the published package). */
export function swaggerAssetsDir(dashboardDir: string | undefined): string | undefined {
  const built = dashboardDir && join(dashboardDir, 'swagger')
  if (built && existsSync(join(built, 'swagger-ui-bundle.js'))) return built
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  } catch {
    return undefined
  }
}

export async function registerSwagger(
  app: FastifyInstance,
  base: string,
  dashboardDir: string | undefined,
): Promise<void> {
  const root = swaggerAssetsDir(dashboardDir)
  // A build without the assets (never in a published package) says so instead of showing a blank page.
  const html = root
    ? page(base)
    : `<!doctype html><title>Sallyport API explorer</title><p>Swagger UI's files are missing from this build: run <code>npm run build</code>. The documents themselves are at <a href="${base}/openapi.json">${base}/openapi.json</a>.</p>`
  const send = (
    _req: unknown,
    reply: { type(t: string): { header(k: string, v: string): { send(b: string): unknown } } },
  ) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
  app.get(`${base}/swagger`, send)
  app.get(`${base}/swagger/`, send)
  app.get(`${base}/swagger/index.html`, send)
  if (!root) return
  await app.register(fastifyStatic, {
    root,
    prefix: `${base}/swagger/`,
    index: false,
    decorateReply: false,
    wildcard: true,
    allowedPath: (path) => /^\/?swagger-ui[\w.-]*\.(js|css|map)$|^\/?favicon-[\w.-]+\.png$/.test(path),
  })
}
