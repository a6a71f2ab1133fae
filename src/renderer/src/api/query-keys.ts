// One place for every cache key: the WebSocket writes to the same keys the pages read.
export const queryKeys = {
  routes: ['routes'] as const,
  stats: ['stats'] as const,
  routeStats: ['route-stats'] as const,
  upstreams: ['upstreams'] as const,
  services: ['services'] as const,
  config: ['config'] as const,
  requests: ['requests'] as const,
  swagger: ['swagger-available'] as const,
  openApiServices: ['openapi-services'] as const,
  connection: ['realtime', 'connection'] as const,
}

/** Keys refetched on every realtime tick while a page is looking at them (invalidate only refetches active ones). */
export const tickedKeys = [queryKeys.upstreams, queryKeys.routeStats, queryKeys.requests] as const
