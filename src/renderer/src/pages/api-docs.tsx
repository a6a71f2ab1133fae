import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { adminUrl, seg } from '../api/client.ts'
import { useOpenApiServices } from '../api/queries.ts'
import { queryKeys } from '../api/query-keys.ts'
import type { OpenApiServiceView } from '../api/types.ts'
import { ContractChangeList } from '../components/contract-changes.tsx'
import { CodeLine, EmptyState, Loading, NotAvailable } from '../components/states.tsx'
import { openExternal } from '../lib/bridge.ts'

const SWAGGER = 'swagger/'

interface DocumentChoice {
  readonly label: string
  /** The document's path, as the Swagger page's `?doc=` names it. */
  readonly url: string
}

function pathOf(relative: string): string {
  const url = new URL(adminUrl(relative))
  return url.pathname + url.search
}

/** Merged document (when a service has one), each service as the gateway exposes it, the admin API last. */
function documentChoices(services: readonly OpenApiServiceView[]): DocumentChoice[] {
  const ok = services.filter((s) => s.status === 'ok')
  return [
    ...(ok.length > 0 ? [{ label: 'All services (merged)', url: pathOf('openapi.json') }] : []),
    ...ok.map((s) => ({
      label: s.service,
      url: pathOf(`api/openapi/services/${seg(s.service)}?view=gateway`),
    })),
    { label: 'Sallyport admin API (this gateway)', url: pathOf('api/openapi.json') },
  ]
}

export default function ApiDocsPage() {
  // probe first, so a gateway without Swagger UI gets an honest message instead of an error page in a frame
  const probe = useQuery({
    queryKey: queryKeys.swagger,
    queryFn: async () => (await fetch(adminUrl(SWAGGER), { method: 'GET' })).ok,
    staleTime: 60_000,
  })
  // 503 (aggregation off) or an older gateway: no service documents, the admin API still shows.
  const services = useOpenApiServices()
  const [chosen, setChosen] = useState<string>()
  const choices = documentChoices(services.data ?? [])
  const current = choices.find((c) => c.url === chosen) ?? (choices[0] as DocumentChoice)
  const failed = (services.data ?? []).filter((s) => s.status === 'error')
  const changed = (services.data ?? []).filter((s) => (s.contractChanges?.length ?? 0) > 0)
  const swaggerUrl = adminUrl(SWAGGER)
  const frameUrl = `${swaggerUrl}?embedded=1&doc=${encodeURIComponent(current.url)}`
  const mergedPath = pathOf('openapi.json')
  return (
    <div className="docs-page">
      <div className="page-header">
        <div>
          <h1>API docs</h1>
          <p className="subtitle">
            One OpenAPI document merged from every service behind the gateway, each service on its own, and
            the gateway's own admin API.
          </p>
        </div>
        <span className="actions">
          <a className="button ghost" href={current.url} target="_blank" rel="noreferrer">
            Raw JSON
          </a>
          <button
            type="button"
            className="button"
            onClick={() => openExternal(`${swaggerUrl}?doc=${encodeURIComponent(current.url)}`)}
          >
            Open in browser
          </button>
        </span>
      </div>
      {services.data && choices.length === 1 && (
        <EmptyState title="No service documents yet">
          <p>
            No service behind the gateway has published an OpenAPI document, so the merged document (
            <a href={mergedPath} target="_blank" rel="noreferrer">
              <code>{mergedPath}</code>
            </a>
            ) is empty. Below is the gateway's own admin API. A service's document is merged once its route
            names it:
          </p>
          <CodeLine>npx sallyport announce --name orders --port 3000 --openapi /openapi.json</CodeLine>
          <p>
            or a config route with <code>metadata: {'{ openapi: http://127.0.0.1:3000/openapi.json }'}</code>,
            or a push registration (<code>POST {pathOf('api/discovery/register')}</code>) with{' '}
            <code>metadata.openapi</code>.
          </p>
        </EmptyState>
      )}
      {failed.length > 0 && (
        <ul className="error-box" aria-label="Documents that could not be fetched">
          {failed.map((s) => (
            <li key={s.service}>
              {s.service}: {s.error ?? 'could not be fetched'}
            </li>
          ))}
        </ul>
      )}
      {changed.length > 0 && (
        <section className="contract-drift" aria-labelledby="drift-title">
          <h2 id="drift-title">Contract changes</h2>
          {changed.map((s) => (
            <ContractChangeList key={s.service} service={s} />
          ))}
        </section>
      )}
      <div className="filters">
        <label>
          Document
          <select value={current.url} onChange={(e) => setChosen(e.target.value)}>
            {choices.map((c) => (
              <option key={c.url} value={c.url}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {(probe.isPending || services.isPending) && <Loading what="Swagger UI" />}
      {(probe.data === false || probe.isError) && (
        <NotAvailable feature="Swagger UI" endpoint={`GET ${new URL(swaggerUrl).pathname}`} />
      )}
      {probe.data === true && services.data && (
        <iframe
          key={current.url}
          className="swagger-frame"
          title={`Swagger UI: ${current.label}`}
          src={frameUrl}
        />
      )}
    </div>
  )
}
