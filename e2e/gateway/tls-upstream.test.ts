import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { send, startGateway } from './helpers.ts'
import { selfSignedCertificate } from '../fixtures/certificates.ts'

const tls = selfSignedCertificate()

describe('HTTPS upstreams', {
  skip: tls ? false : 'openssl is not available to make a test certificate',
}, () => {
  const { key, cert, certFile } = tls ?? { key: '', cert: '', certFile: '' }
  const server = createServer({ key, cert }, (req, res) => res.end(`secure ${req.url}`))
  let origin = ''
  let gw: Awaited<ReturnType<typeof startGateway>>
  before(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    gw = await startGateway({ routes: [{ path: '/tls/*', stripPrefix: true, targets: [{ url: origin }] }] })
  })
  after(async () => {
    await gw.close()
    server.closeAllConnections()
    server.close()
  })

  test('an untrusted certificate is a 502 that says how to trust it', async () => {
    const r = await send(`${gw.base}/tls/hello`)
    assert.equal(r.status, 502)
    const detail = String(r.json().detail)
    assert.match(detail, /DEPTH_ZERO_SELF_SIGNED_CERT/)
    assert.match(detail, /NODE_EXTRA_CA_CERTS/)
  })

  test('with the certificate trusted (NODE_EXTRA_CA_CERTS) the upstream client speaks TLS to it', async () => {
    // Node reads NODE_EXTRA_CA_CERTS at start-up only: a child process with it set.
    const script = `
      import { requestStatus } from ${JSON.stringify(join(import.meta.dirname, '../../src/gateway/upstream/request.ts'))}
      import { UpstreamAgent } from ${JSON.stringify(join(import.meta.dirname, '../../src/gateway/upstream/agent.ts'))}
      const agent = new UpstreamAgent()
      console.log(await requestStatus(agent, ${JSON.stringify(`${origin}/ping`)}, { timeoutMs: 5000 }))
      await agent.close()`
    // Async: the upstream lives in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile },
        encoding: 'utf8',
      },
    )
    assert.equal(out.trim(), '200')
  })
})
