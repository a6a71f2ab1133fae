import { lazy, Suspense, useEffect, useRef } from 'react'
import { ConnectionBanner } from './components/connection-banner.tsx'
import { Loading } from './components/states.tsx'
import { hrefFor, type PageId, pages, useHashLocation } from './lib/hash-route.ts'

// every page is its own chunk: the shell paints first, recharts only loads with the pages that chart
const pageComponents = {
  overview: lazy(() => import('./pages/overview.tsx')),
  routes: lazy(() => import('./pages/routes.tsx')),
  upstreams: lazy(() => import('./pages/upstreams.tsx')),
  services: lazy(() => import('./pages/services.tsx')),
  traffic: lazy(() => import('./pages/traffic.tsx')),
  requests: lazy(() => import('./pages/requests.tsx')),
  'api-docs': lazy(() => import('./pages/api-docs.tsx')),
  config: lazy(() => import('./pages/config.tsx')),
} satisfies Record<PageId, unknown>

export function App() {
  const location = useHashLocation()
  const Page = pageComponents[location.page]
  const label = pages.find((p) => p.id === location.page)?.label ?? 'Overview'
  const mainRef = useRef<HTMLElement>(null)
  const firstRender = useRef(true)

  useEffect(() => {
    document.title = `${label} · Sallyport`
    // move focus to the new page for keyboard and screen-reader users, but not on first load
    if (firstRender.current) firstRender.current = false
    else mainRef.current?.focus()
  }, [label])

  return (
    <div className="shell">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <header className="topbar">
        <a className="brand" href={hrefFor('overview')}>
          <svg className="brand-mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M3 21V8l3-2v3h3V5l3-2 3 2v4h3V6l3 2v13h-7v-5a2 2 0 0 0-4 0v5z" fill="currentColor" />
          </svg>
          Sallyport
        </a>
        <nav aria-label="Main">
          <ul className="nav">
            {pages.map((page) => (
              <li key={page.id}>
                <a href={hrefFor(page.id)} aria-current={page.id === location.page ? 'page' : undefined}>
                  {page.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <ConnectionBanner />
      <main id="main" ref={mainRef} tabIndex={-1} className="content">
        <Suspense fallback={<Loading what={label} />}>
          <Page params={location.params} />
        </Suspense>
      </main>
    </div>
  )
}
