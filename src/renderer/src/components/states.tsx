import type { ReactNode } from 'react'
import { errorText, isMissingEndpoint } from '../api/client.ts'

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section className="empty" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  )
}

/** Honest state for an endpoint this gateway build does not have yet: nothing fake is shown. */
export function NotAvailable({ feature, endpoint }: { feature: string; endpoint: string }) {
  return (
    <section className="empty unavailable" aria-label={`${feature} not available`}>
      <h2>{feature} is not available yet</h2>
      <p>
        This gateway does not answer <code>{endpoint}</code> (404), so there is nothing to show. It will
        appear here once the gateway supports it.
      </p>
    </section>
  )
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  )
}

export function ErrorMessage({ error, what }: { error: unknown; what: string }) {
  return (
    <div className="error-box" role="alert">
      Could not load {what}: {errorText(error)}
    </div>
  )
}

/** Loading / missing endpoint / error, or null when the data is there. */
export function queryGate(
  query: { isPending: boolean; isError: boolean; error: unknown },
  what: string,
  missing?: { feature: string; endpoint: string },
): ReactNode {
  if (query.isPending) return <Loading what={what} />
  if (query.isError) {
    if (missing && isMissingEndpoint(query.error)) return <NotAvailable {...missing} />
    return <ErrorMessage error={query.error} what={what} />
  }
  return null
}

export function CodeLine({ children }: { children: string }) {
  return (
    <pre className="code-line">
      <code>{children}</code>
    </pre>
  )
}
