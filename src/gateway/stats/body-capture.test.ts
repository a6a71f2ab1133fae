import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BodyCapture, captureOf } from './body-capture.ts'

const kept = (c: BodyCapture) => c.bytes?.subarray(0, c.kept) ?? Buffer.alloc(0)

test('a capture copies the first bytes up to the cap and only counts the rest', () => {
  const c = new BodyCapture(10)
  const chunk = Buffer.from('hello ')
  c.add(chunk)
  chunk.fill(0) // the sender reuses its buffer: the copy must not change
  c.add(Buffer.from('world, and more'))
  assert.equal(kept(c).toString(), 'hello worl')
  assert.equal(c.seen, 21)
  assert.equal(c.truncated, true)
  c.add(Buffer.alloc(1000))
  assert.equal(c.kept, 10)
  assert.equal(c.seen, 1021)
})

test('an announced length sizes the buffer once; an unknown one grows, never past the cap', () => {
  const known = new BodyCapture(1 << 16, 300)
  for (let i = 0; i < 3; i++) known.add(Buffer.alloc(100, i))
  assert.equal(known.bytes?.length, 300)
  assert.equal(kept(known).length, 300)
  const unknown = new BodyCapture(20_000)
  for (let i = 0; i < 30; i++) unknown.add(Buffer.alloc(1000, i))
  assert.equal(unknown.kept, 20_000)
  assert.ok((unknown.bytes?.length ?? 0) <= 20_000)
  assert.equal(kept(unknown)[19_999], 19)
  assert.equal(unknown.truncated, true)
})

test('a body a policy already holds is used as it is when it fits', () => {
  const body = Buffer.from('{"a":1}')
  const whole = captureOf(body, 100)
  assert.equal(whole.bytes, body, 'no copy')
  assert.deepEqual(kept(whole), body)
  const cut = captureOf(Buffer.alloc(50, 7), 10)
  assert.equal(kept(cut).length, 10)
  assert.equal(cut.seen, 50)
})
