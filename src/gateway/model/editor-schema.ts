// The JSON Schema editors use for config files: GatewayConfig with each route described in full.
// (At run time routes are checked one by one, so one bad route cannot reject the whole file.)
import { GatewayConfig, RouteConfig } from './config.ts'

export function editorSchema(): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(GatewayConfig)) as Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>
  }
  schema.$schema = 'https://json-schema.org/draft/2020-12/schema'
  schema.title = 'Sallyport gateway configuration'
  schema.properties.routes = {
    type: 'array',
    description: 'routes (see README: Configuration)',
    items: JSON.parse(JSON.stringify(RouteConfig)),
  }
  return schema
}
