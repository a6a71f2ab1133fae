// Ports and URLs shared by the Playwright config, the global setup and the specs.
export const GATEWAY_PORT = Number(process.env.SALLYPORT_E2E_PORT ?? 18788)
export const UPSTREAM_PORT = 18790
export const GATEWAY = `http://127.0.0.1:${GATEWAY_PORT}`
export const DASHBOARD = `${GATEWAY}/gateway/`
