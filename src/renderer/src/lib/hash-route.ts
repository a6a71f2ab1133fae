// Hash routing (`#/routes?source=manual`): works under /gateway/, inside Electron and from file://.
import { useSyncExternalStore } from 'react'

export const pages = [
  { id: 'overview', label: 'Overview' },
  { id: 'routes', label: 'Routes' },
  { id: 'upstreams', label: 'Upstreams' },
  { id: 'services', label: 'Services' },
  { id: 'traffic', label: 'Traffic' },
  { id: 'requests', label: 'Requests' },
  { id: 'api-docs', label: 'API docs' },
  { id: 'config', label: 'Config' },
] as const

export type PageId = (typeof pages)[number]['id']

export interface HashLocation {
  page: PageId
  params: URLSearchParams
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

const getHash = () => window.location.hash

export function parseHash(hash: string): HashLocation {
  const raw = hash.replace(/^#\/?/, '')
  const [name = '', query = ''] = raw.split('?', 2)
  const page = pages.find((p) => p.id === name)?.id ?? 'overview'
  return { page, params: new URLSearchParams(query) }
}

export function useHashLocation(): HashLocation {
  const hash = useSyncExternalStore(subscribe, getHash, getHash)
  return parseHash(hash)
}

export function hrefFor(page: PageId, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : ''
  return `#/${page}${query ? `?${query}` : ''}`
}

export interface PageProps {
  params: URLSearchParams
}
