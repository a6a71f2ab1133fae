// HTTPS for the gateway's port, set up once at start (a change to `server.tls` applies on restart):
// the certificate source (tls/, loaded only when HTTPS is on: it brings an X.509 library), the TLS
// front-end, and with `redirectHttp` a tiny HTTP/1.1 server that sends cleartext requests to https.
import type { Socket } from 'node:net'
import { resolve } from 'node:path'
import type { TLSSocket } from 'node:tls'
import type { Settings } from '../config/settings.ts'
import { GatewayError } from '../errors.ts'
import { http } from '../util/node-http.ts'
import { createTlsFront, type TlsFront } from './tls-front.ts'

export interface HttpsParts {
  /** Relative certificate paths are read from here (the config file's folder). */
  readonly configDir: string
  /** Where the local CA lives; without one it is made in memory for this run. */
  readonly dataDir: string | undefined
  readonly http2: (socket: TLSSocket) => void
  readonly http1: (socket: Socket) => void
}

export interface Https {
  readonly front: TlsFront
  /** The local CA's certificate file (auto mode with a data dir), for `sallyport trust` and clients. */
  readonly caFile: string | undefined
  /** Takes cleartext HTTP/1.x connections when `redirectHttp` is on. */
  readonly redirect: ((socket: Socket) => void) | undefined
}

export async function startHttps(settings: Settings, parts: HttpsParts): Promise<Https> {
  const tls = settings.tls
  if (tls === undefined) throw new Error('startHttps without server.tls')
  if (tls.mode === 'files' && (tls.cert === undefined || tls.key === undefined))
    throw new GatewayError(
      'SP_ERR_SERVER_TLS',
      `cannot set up HTTPS: server.tls names a ${tls.cert === undefined ? 'key' : 'cert'} but no ${tls.cert === undefined ? 'cert' : 'key'} (give both, or neither for the local CA)`,
      {},
    )
  let front: TlsFront
  let caFile: string | undefined
  try {
    const { createCertificateSource, tlsServerOptions } = await import('../tls/index.ts')
    const setting =
      tls.mode === 'files'
        ? {
            mode: 'files' as const,
            cert: resolve(parts.configDir, tls.cert as string),
            key: resolve(parts.configDir, tls.key as string),
          }
        : tls
    const source = await createCertificateSource(setting, parts.dataDir)
    caFile = source.caFile
    front = createTlsFront({
      ...(await tlsServerOptions(source)),
      handshakeTimeoutMs: settings.headTimeoutMs,
      http2: parts.http2,
      http1: parts.http1,
    })
  } catch (err) {
    throw new GatewayError(
      'SP_ERR_SERVER_TLS',
      `cannot set up HTTPS: ${(err as Error).message}`,
      {},
      { cause: err },
    )
  }
  return { front, caFile, redirect: settings.redirectHttp ? redirectServer() : undefined }
}

/** 308 to the same URL over https (RFC 9110 §15.4.9: the method and body stay as they were). */
function redirectServer(): (socket: Socket) => void {
  const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const host = req.headers.host
    if (host === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('a Host field is required\n')
      return
    }
    res.writeHead(308, { location: `https://${host}${req.url ?? '/'}`, 'content-length': '0' }).end()
  })
  return (socket) => server.emit('connection', socket)
}
