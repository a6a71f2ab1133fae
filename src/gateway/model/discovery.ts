// Wire shapes of the discovery and OpenAPI parts of the native API (bastion document shapes).
import Type from 'typebox'

/** Body of POST /gateway/api/discovery/register (bastion push registration, snake_case). */
export const ServiceRegistration = Type.Object({
  service_id: Type.Optional(Type.String()),
  service_name: Type.Optional(Type.String()),
  service_version: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
  port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  tags: Type.Optional(Type.Array(Type.String())),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  farp_enabled: Type.Optional(Type.Boolean()),
})
export type ServiceRegistration = Type.Static<typeof ServiceRegistration>

/** One entry of GET /gateway/api/discovery/services. */
export const DiscoveredServiceView = Type.Object({
  name: Type.String(),
  version: Type.String(),
  address: Type.String(),
  port: Type.Number(),
  protocols: Type.Array(Type.String()),
  schemaTypes: Type.Array(Type.String()),
  capabilities: Type.Array(Type.String()),
  healthy: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
  routeCount: Type.Number(),
  discoveredAt: Type.String(),
  /** How the gateway learned about it: `mdns` or `push`. */
  source: Type.String(),
  instances: Type.Number(),
  farpEnabled: Type.Boolean(),
  /** Set while the service is gone but its routes are kept (grace period). */
  vanishedAt: Type.Optional(Type.String()),
  /** Why its FARP manifest could not be used (the flat TXT keys are used instead). */
  manifestError: Type.Optional(Type.String()),
})
export type DiscoveredServiceView = Type.Static<typeof DiscoveredServiceView>

/** One entry of GET /gateway/api/openapi/services. */
export const ContractChange = Type.Object({
  kind: Type.String(),
  /** `GET /users/{id}`. */
  operation: Type.String(),
  detail: Type.String(),
  /** A client written against the previous document can fail. */
  breaking: Type.Boolean(),
})

export const ContractChangeRecord = Type.Object({
  /** When the gateway saw the new document. */
  at: Type.String(),
  fromVersion: Type.Optional(Type.String()),
  toVersion: Type.Optional(Type.String()),
  added: Type.Number(),
  removed: Type.Number(),
  changed: Type.Number(),
  breaking: Type.Number(),
  changes: Type.Array(ContractChange),
  /** More changes than listed. */
  truncated: Type.Boolean(),
})
export type ContractChangeRecord = Type.Static<typeof ContractChangeRecord>

export const OperationViolations = Type.Object({
  operation: Type.String(),
  count: Type.Number(),
  lastMessage: Type.String(),
  lastAt: Type.String(),
})
export type OperationViolations = Type.Static<typeof OperationViolations>

export const OpenApiServiceView = Type.Object({
  service: Type.String(),
  url: Type.String(),
  /** The gateway path the service's operations appear under in the merged document. */
  prefix: Type.String(),
  routeId: Type.String(),
  /** Every route of the service (routeId is the one whose document reference won). */
  routeIds: Type.Optional(Type.Array(Type.String())),
  status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('pending')]),
  error: Type.Optional(Type.String()),
  /** The version the document declared before it was upgraded to 3.1 (`2.0`, `3.0.3`, …). */
  specVersion: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  operations: Type.Number(),
  fetchedAt: Type.Optional(Type.String()),
  validate: Type.Optional(Type.String()),
  /** Responses that did not match the document, when responses are validated. */
  contractViolations: Type.Optional(Type.Number()),
  /** The same per operation (`GET /users/{id}`), most violated first, with the last failure. */
  violationsByOperation: Type.Optional(Type.Array(OperationViolations)),
  /** How the document changed while the gateway watched it, newest first (the last 10). */
  contractChanges: Type.Optional(Type.Array(ContractChangeRecord)),
})
export type OpenApiServiceView = Type.Static<typeof OpenApiServiceView>

export const OpenApiValidateMode = Type.Union([
  Type.Literal('off'),
  Type.Literal('request'),
  Type.Literal('response'),
  Type.Literal('both'),
])
export type OpenApiValidateMode = Type.Static<typeof OpenApiValidateMode>
