// Shapes the admin API returns that src/gateway/model does not define yet. Model types are imported
// type-only from the gateway; these few local ones should move into the model when it gains them.
import type { ConfigView } from '../../../gateway/model/index.ts'

export type {
  CircuitState,
  ConfigIssue,
  DiscoveredServiceView as ServiceInfo,
  GatewayStats,
  OpenApiServiceView,
  ReplayResult,
  RequestRecord,
  RouteInput,
  RouteProtocol,
  RouteSource,
  RouteStats,
  RouteView,
  TargetView,
  UpstreamView,
} from '../../../gateway/model/index.ts'

/** GET api/config */
export type EffectiveConfig = ConfigView

/** The request inspector: one request with its bodies, who answered, a replay's differences. */
export type { BodyView, Outcome, RequestDetail, ResponseDiff } from '../../../gateway/model/index.ts'

export type ConnectionStatus =
  | { status: 'connecting' }
  | { status: 'open'; since: number }
  | { status: 'lost'; attempt: number; retryAt: number }
  | { status: 'unsupported' }
