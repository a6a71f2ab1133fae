// Read hooks. The realtime stream keeps routes and stats fresh; the rest refetch on each tick while shown.
import { useQuery } from '@tanstack/react-query'
import { api, isMissingEndpoint } from './client.ts'
import { queryKeys } from './query-keys.ts'
import type {
  ConnectionStatus,
  EffectiveConfig,
  GatewayStats,
  OpenApiServiceView,
  RouteStats,
  RouteView,
  ServiceInfo,
  UpstreamView,
} from './types.ts'

/** While the socket is down, fall back to polling so the page is not frozen. */
function useFallbackInterval(ms: number): number | false {
  const connection = useConnection()
  return connection.status === 'open' ? false : ms
}

export function useConnection(): ConnectionStatus {
  const { data } = useQuery<ConnectionStatus>({
    queryKey: queryKeys.connection,
    queryFn: () => ({ status: 'connecting' }),
    initialData: { status: 'connecting' },
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  })
  return data
}

export function useRoutes() {
  return useQuery({
    queryKey: queryKeys.routes,
    queryFn: ({ signal }) => api<RouteView[]>('api/routes', { signal }),
    refetchInterval: useFallbackInterval(5000),
  })
}

export function useStats() {
  return useQuery({
    queryKey: queryKeys.stats,
    queryFn: ({ signal }) => api<GatewayStats>('api/stats', { signal }),
    refetchInterval: useFallbackInterval(5000),
  })
}

export function useRouteStats() {
  return useQuery({
    queryKey: queryKeys.routeStats,
    queryFn: ({ signal }) => api<Record<string, RouteStats>>('api/stats/routes', { signal }),
    refetchInterval: useFallbackInterval(5000),
  })
}

export function useUpstreams() {
  return useQuery({
    queryKey: queryKeys.upstreams,
    queryFn: ({ signal }) => api<UpstreamView[]>('api/upstreams', { signal }),
    refetchInterval: useFallbackInterval(5000),
  })
}

export function useServices() {
  return useQuery({
    queryKey: queryKeys.services,
    queryFn: ({ signal }) => api<ServiceInfo[]>('api/discovery/services', { signal }),
    refetchInterval: 10_000,
    retry: (count, error) => !isMissingEndpoint(error) && count < 2,
  })
}

/** Services with an OpenAPI document; 503 (aggregation off) or an older gateway: none. */
export function useOpenApiServices() {
  return useQuery({
    queryKey: queryKeys.openApiServices,
    queryFn: ({ signal }) =>
      api<OpenApiServiceView[]>('api/openapi/services', { signal }).catch((): OpenApiServiceView[] => []),
    refetchInterval: 10_000,
  })
}

export function useEffectiveConfig() {
  return useQuery({
    queryKey: queryKeys.config,
    queryFn: ({ signal }) => api<EffectiveConfig>('api/config', { signal }),
    // A save shows up (or its problems go away) within a few seconds of the gateway reading it.
    refetchInterval: 3_000,
    retry: (count, error) => !isMissingEndpoint(error) && count < 2,
  })
}
