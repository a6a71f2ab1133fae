// Messages on WS /gateway/ws (bastion document): one tagged union, built once per tick.
import Type from 'typebox'
import { GatewayStats, RouteView } from './views.ts'

export const StatsMessage = Type.Object({ type: Type.Literal('stats'), data: GatewayStats })
export const RoutesMessage = Type.Object({ type: Type.Literal('routes'), data: Type.Array(RouteView) })
export const RealtimeMessage = Type.Union([StatsMessage, RoutesMessage])
export type RealtimeMessage = Type.Static<typeof RealtimeMessage>
