import type { GatewayStatsSummary, HostPhase } from './gateway-host.ts'

export type TrayAction =
  | 'open-dashboard'
  | 'copy-url'
  | 'pause'
  | 'resume'
  | 'toggle-notifications'
  | 'reveal-data-dir'
  | 'quit'

export type TrayItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; label: string; action: TrayAction; enabled: boolean }
  | { kind: 'checkbox'; label: string; action: TrayAction; checked: boolean }

export interface TrayState {
  phase: HostPhase
  /** Gateway URL (origin) while running. */
  url?: string | undefined
  port?: number | undefined
  stats?: GatewayStatsSummary | undefined
  /** Short reason while failed. */
  error?: string | undefined
  notifyUnhealthy: boolean
}

export interface TrayModel {
  tooltip: string
  /** Which tray image: attention when something needs a look (failure, unhealthy upstreams). */
  icon: 'normal' | 'attention' | 'paused'
  items: TrayItem[]
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

function statusLines(state: TrayState): string[] {
  switch (state.phase) {
    case 'running': {
      const lines = [`Running on port ${state.port ?? '?'}`]
      if (state.stats) {
        const unhealthy = Math.max(0, state.stats.totalUpstreams - state.stats.healthyUpstreams)
        lines.push(
          `${plural(state.stats.totalRoutes, 'route', 'routes')} · ${
            unhealthy === 0
              ? 'all upstreams healthy'
              : `${unhealthy} unhealthy ${unhealthy === 1 ? 'upstream' : 'upstreams'}`
          }`,
        )
      }
      return lines
    }
    case 'starting':
      return ['Starting…']
    case 'stopping':
      return ['Stopping…']
    case 'stopped':
      return ['Paused']
    case 'failed':
      return ['Not running', ...(state.error ? [state.error] : [])]
  }
}

/** The tray menu as data: main turns it into a native menu, tests read it directly. */
export function buildTrayModel(state: TrayState): TrayModel {
  const running = state.phase === 'running'
  const unhealthy = state.stats ? state.stats.totalUpstreams - state.stats.healthyUpstreams : 0
  const lines = statusLines(state)
  const canResume = state.phase === 'stopped' || state.phase === 'failed'
  const items: TrayItem[] = [
    ...lines.map((label): TrayItem => ({ kind: 'status', label })),
    { kind: 'separator' },
    { kind: 'action', label: 'Open dashboard', action: 'open-dashboard', enabled: true },
    {
      kind: 'action',
      label: 'Copy gateway URL',
      action: 'copy-url',
      enabled: running && state.url !== undefined,
    },
    canResume
      ? {
          kind: 'action',
          label: state.phase === 'failed' ? 'Retry' : 'Resume gateway',
          action: 'resume',
          enabled: true,
        }
      : { kind: 'action', label: 'Pause gateway', action: 'pause', enabled: running },
    { kind: 'separator' },
    {
      kind: 'checkbox',
      label: 'Notify when an upstream is down',
      action: 'toggle-notifications',
      checked: state.notifyUnhealthy,
    },
    { kind: 'action', label: 'Show data folder', action: 'reveal-data-dir', enabled: true },
    { kind: 'separator' },
    { kind: 'action', label: 'Quit Sallyport', action: 'quit', enabled: true },
  ]
  return {
    tooltip: `Sallyport — ${lines.join(' · ')}`,
    icon:
      state.phase === 'failed' || (running && unhealthy > 0) ? 'attention' : running ? 'normal' : 'paused',
    items,
  }
}
