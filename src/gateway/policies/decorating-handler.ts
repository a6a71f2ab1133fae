// A handler that passes everything on to the one it wraps; interceptors extend it and override only
// what they watch or change (undici's DecoratorHandler).
import type { Duplex } from 'node:stream'
import type { DispatchController, DispatchHandler, ResponseHeaders } from '../upstream/types.ts'

export class DecoratingHandler implements DispatchHandler {
  readonly inner: DispatchHandler

  constructor(inner: DispatchHandler) {
    this.inner = inner
  }

  onRequestStart(controller: DispatchController): void {
    this.inner.onRequestStart?.(controller)
  }

  onResponseInterim(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    this.inner.onResponseInterim?.(controller, statusCode, headers)
  }

  onResponseStart(controller: DispatchController, statusCode: number, headers: ResponseHeaders): void {
    this.inner.onResponseStart(controller, statusCode, headers)
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    this.inner.onResponseData(controller, chunk)
  }

  onResponseEnd(controller: DispatchController, trailers?: ResponseHeaders): void {
    this.inner.onResponseEnd(controller, trailers)
  }

  onResponseError(controller: DispatchController, err: Error): void {
    this.inner.onResponseError(controller, err)
  }

  onUpgrade(
    controller: DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
    socket: Duplex,
    head: Buffer,
  ): void {
    if (this.inner.onUpgrade) this.inner.onUpgrade(controller, statusCode, headers, socket, head)
    else socket.destroy()
  }
}
