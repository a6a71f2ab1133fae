// Write hooks. Each one invalidates the keys it changes; the toggle also updates the cache at once.
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api, seg } from './client.ts'
import { queryKeys } from './query-keys.ts'
import type { ReplayResult, RouteInput, RouteView } from './types.ts'

export function useToggleRoute() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      api<{ status: string }>(`api/routes/${seg(id)}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' }),
    onMutate: async ({ id, enabled }) => {
      await queryClient.cancelQueries({ queryKey: queryKeys.routes })
      const previous = queryClient.getQueryData<RouteView[]>(queryKeys.routes)
      queryClient.setQueryData<RouteView[]>(queryKeys.routes, (routes) =>
        routes?.map((route) => (route.id === id ? { ...route, enabled } : route)),
      )
      return { previous }
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) queryClient.setQueryData(queryKeys.routes, context.previous)
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.routes }),
  })
}

export function useSaveRoute() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ id, input }: { id?: string; input: RouteInput }) =>
      id === undefined
        ? api<RouteView>('api/routes', { method: 'POST', body: input })
        : api<RouteView>(`api/routes/${seg(id)}`, { method: 'PUT', body: input }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: queryKeys.routes })
      queryClient.invalidateQueries({ queryKey: queryKeys.upstreams })
    },
  })
}

export function useDeleteRoute() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api<{ status: string }>(`api/routes/${seg(id)}`, { method: 'DELETE' }),
    onSuccess: (_data, id) => {
      queryClient.setQueryData<RouteView[]>(queryKeys.routes, (routes) =>
        routes?.filter((route) => route.id !== id),
      )
      queryClient.invalidateQueries({ queryKey: queryKeys.routes })
      queryClient.invalidateQueries({ queryKey: queryKeys.upstreams })
    },
  })
}

export function useResetCircuit() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (targetId: string) => api<unknown>(`api/circuits/${seg(targetId)}/reset`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.upstreams }),
  })
}

export function useRefreshDiscovery() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: () => api<{ status: string }>('api/discovery/refresh', { method: 'POST' }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: queryKeys.services })
      queryClient.invalidateQueries({ queryKey: queryKeys.routes })
    },
  })
}

export function useDeregisterService() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (name: string) =>
      api<{ status: string }>(`api/discovery/services/${seg(name)}`, { method: 'DELETE' }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: queryKeys.services })
      queryClient.invalidateQueries({ queryKey: queryKeys.routes })
    },
  })
}

export function useReplayRequest() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api<ReplayResult>(`api/requests/${seg(id)}/replay`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.requests }),
  })
}
