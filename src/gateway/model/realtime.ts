// Messages on WS /gateway/ws (bastion document): one tagged union, built once per tick.
import Type from 'typebox'
import { HistorySampleView } from './stats.ts'
import { GatewayStats, RouteView } from './views.ts'

export const StatsMessage = Type.Object({ type: Type.Literal('stats'), data: GatewayStats })
export const RoutesMessage = Type.Object({ type: Type.Literal('routes'), data: Type.Array(RouteView) })
/** Every 10 s: the history points that tick added (the gateway total and each route). */
export const HistoryMessage = Type.Object({ type: Type.Literal('history'), data: HistorySampleView })
export const RealtimeMessage = Type.Union([StatsMessage, RoutesMessage, HistoryMessage])
export type RealtimeMessage = Type.Static<typeof RealtimeMessage>
