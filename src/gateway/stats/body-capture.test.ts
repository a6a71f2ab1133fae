import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BodyArena } from './body-arena.ts'
import { BodyCapture, captureOf } from './body-capture.ts'

const arenaOf = (capacity: number, dropped: number[] = []) =>
  new BodyArena(capacity, (token) => dropped.push(token))
const kept = (c: BodyCapture) => c.arena.read(c.offset, c.kept)

test('a capture copies the first bytes up to the cap into the arena and only counts the rest', () => {
  const c = new BodyCapture(arenaOf(1024), 10)
  const chunk = Buffer.from('hello ')
  c.add(chunk)
  chunk.fill(0) // the sender reuses its buffer: the copy must not change
  c.add(Buffer.from('world, and more'))
  assert.equal(kept(c).toString(), 'hello worl')
  assert.equal(c.seen, 21)
  c.add(Buffer.alloc(1000))
  assert.equal(c.kept, 10)
  assert.equal(c.seen, 1021)
})

test('an announced length reserves just that; the rest of a cap reservation is given back', () => {
  const arena = arenaOf(1 << 16)
  const known = new BodyCapture(arena, 1 << 16, 300)
  for (let i = 0; i < 3; i++) known.add(Buffer.alloc(100, i))
  assert.equal(arena.used, 300)
  assert.equal(kept(known)[250], 2)
  const unknown = new BodyCapture(arena, 20_000)
  unknown.add(Buffer.alloc(1000, 7))
  assert.equal(arena.used, 20_300)
  arena.settle(unknown.token, unknown.kept, 1)
  assert.equal(arena.used, 1300)
  // The next reservation starts right after the settled body.
  const next = new BodyCapture(arena, 100)
  next.add(Buffer.from('x'))
  assert.equal(next.offset, 1300)
})

test('bodies streaming at once do not mix; one outlived by newer bodies keeps nothing more', () => {
  const dropped: number[] = []
  const arena = arenaOf(300, dropped)
  const a = new BodyCapture(arena, 100)
  const b = new BodyCapture(arena, 100)
  a.add(Buffer.from('aaa'))
  b.add(Buffer.from('bbb'))
  a.add(Buffer.from('AAA'))
  assert.equal(kept(a).toString(), 'aaaAAA')
  assert.equal(kept(b).toString(), 'bbb')
  arena.settle(b.token, b.kept, 7)
  // Two more bodies: the arena wraps and overwrites a's and b's reservations.
  new BodyCapture(arena, 100).add(Buffer.alloc(100))
  new BodyCapture(arena, 150).add(Buffer.alloc(150))
  assert.equal(arena.isLive(a.token), false)
  assert.deepEqual(dropped, [b.token], 'only owned bodies are reported')
  a.add(Buffer.from('late'))
  assert.equal(a.lost, true)
  assert.equal(a.kept, 6)
  // Larger than the whole arena: nothing kept.
  const huge = new BodyCapture(arena, 1000)
  huge.add(Buffer.alloc(500))
  assert.equal(huge.lost, true)
})

test('a body a policy already holds is copied in up to the cap', () => {
  const arena = arenaOf(1024)
  const whole = captureOf(arena, Buffer.from('{"a":1}'), 100)
  assert.equal(kept(whole).toString(), '{"a":1}')
  const cut = captureOf(arena, Buffer.alloc(50, 7), 10)
  assert.equal(kept(cut).length, 10)
  assert.equal(cut.seen, 50)
})

test('a body across a page boundary reads back whole', () => {
  const arena = arenaOf(3 * 1024 * 1024)
  const first = new BodyCapture(arena, 1_000_000)
  first.add(Buffer.alloc(1_000_000, 1))
  const body = Buffer.alloc(200_000)
  for (let i = 0; i < body.length; i++) body[i] = i % 251
  const across = new BodyCapture(arena, 1_000_000, body.length)
  for (let i = 0; i < body.length; i += 30_000) across.add(body.subarray(i, i + 30_000))
  assert.deepEqual(kept(across), body)
})
