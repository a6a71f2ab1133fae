// Plain values, apart from the TypeBox schemas: the proxy's start-up path imports them without
// loading TypeBox.

/**
 * Route metadata keys the OpenAPI layer reads (route metadata is a string map):
 * `openapi`: the URL (or a path on the first target) of the service's OpenAPI 2.0/3.x document;
 * `openapiValidate`: `request` | `response` | `both` | `off` (default off): validate proxied traffic.
 */
export const OPENAPI_METADATA_KEY = 'openapi'
export const OPENAPI_VALIDATE_METADATA_KEY = 'openapiValidate'

/**
 * Route metadata key the router reads when it builds a table: while set, the route matches as usual
 * but sends nothing upstream and answers 503 with this value as the problem's detail (a dialect route
 * whose upstream cluster is not defined yet keeps a placeholder target that is never contacted).
 */
export const UNAVAILABLE_METADATA_KEY = 'unavailable'

/**
 * Metadata `sallyport run` puts on the services it push-registers, which the dashboard shows as "run by
 * sallyport" with the PID: `run.by` is `sallyport`, `run.pid` the PID of the command it started (its
 * process group), `run.command` that command, `run.cwd` where it runs.
 */
export const RUN_METADATA = { by: 'run.by', pid: 'run.pid', command: 'run.command', cwd: 'run.cwd' } as const
