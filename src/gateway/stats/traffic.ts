// Gateway-wide traffic state the proxy updates on every request.
import type { RateMeter, TrafficCounters } from './counters.ts'

export interface GatewayTraffic {
  readonly counters: TrafficCounters
  readonly rate: RateMeter
  /** Event streams (text/event-stream responses) open right now. */
  activeSse: number
  /** Upgraded connections (WebSocket tunnels) open right now. */
  activeWs: number
}
