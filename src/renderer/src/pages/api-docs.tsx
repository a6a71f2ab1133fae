import { useQuery } from '@tanstack/react-query'
import { adminUrl } from '../api/client.ts'
import { queryKeys } from '../api/query-keys.ts'
import { Loading, NotAvailable } from '../components/states.tsx'
import { openExternal } from '../lib/bridge.ts'

const SWAGGER = 'swagger/'

export default function ApiDocsPage() {
  // probe first, so a gateway without Swagger UI gets an honest message instead of an error page in a frame
  const probe = useQuery({
    queryKey: queryKeys.swagger,
    queryFn: async () => (await fetch(adminUrl(SWAGGER), { method: 'GET' })).ok,
    staleTime: 60_000,
  })
  const swaggerUrl = adminUrl(SWAGGER)
  const specUrl = adminUrl('openapi.json')
  return (
    <div className="docs-page">
      <div className="page-header">
        <div>
          <h1>API docs</h1>
          <p className="subtitle">
            One OpenAPI document merged from every service behind the gateway, plus the gateway's own admin
            API.
          </p>
        </div>
        <span className="actions">
          <a className="button ghost" href={specUrl} target="_blank" rel="noreferrer">
            openapi.json
          </a>
          <button type="button" className="button" onClick={() => openExternal(swaggerUrl)}>
            Open in browser
          </button>
        </span>
      </div>
      {probe.isPending && <Loading what="Swagger UI" />}
      {probe.data === false && (
        <NotAvailable feature="Swagger UI" endpoint={`GET ${new URL(swaggerUrl).pathname}`} />
      )}
      {probe.isError && (
        <NotAvailable feature="Swagger UI" endpoint={`GET ${new URL(swaggerUrl).pathname}`} />
      )}
      {probe.data === true && (
        <iframe
          className="swagger-frame"
          title="Swagger UI: merged OpenAPI of all services"
          src={swaggerUrl}
        />
      )}
    </div>
  )
}
