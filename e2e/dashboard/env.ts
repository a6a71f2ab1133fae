// Ports and URLs shared by the Playwright config, the global setup and the specs. SALLYPORT_E2E_PORT
// moves all of them (the gateway on it, the upstream on +2, a spec's own gateway on +3; route-detail's on
// +4, contract's on +5), so two runs
// on one machine do not collide.
export const GATEWAY_PORT = Number(process.env.SALLYPORT_E2E_PORT ?? 18788)
export const UPSTREAM_PORT = GATEWAY_PORT + 2
/** For specs that start a gateway of their own. */
export const SPARE_PORT = GATEWAY_PORT + 3
export const GATEWAY = `http://127.0.0.1:${GATEWAY_PORT}`
export const DASHBOARD = `${GATEWAY}/gateway/`
