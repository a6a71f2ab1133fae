import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boundsFromStored, DEFAULT_BOUNDS, fitBounds, MIN_SIZE } from './window-state.ts'

const screen = { x: 0, y: 0, width: 1920, height: 1080 }

test('stored bounds parse, junk falls back to defaults', () => {
  assert.deepEqual(boundsFromStored({ x: 10, y: 20, width: 900, height: 700, maximized: true }), {
    x: 10,
    y: 20,
    width: 900,
    height: 700,
    maximized: true,
  })
  assert.deepEqual(boundsFromStored('nope'), DEFAULT_BOUNDS)
  assert.deepEqual(boundsFromStored({ x: 'a', width: Number.NaN }), DEFAULT_BOUNDS)
})

test('a window on an unplugged monitor is brought back (position dropped)', () => {
  const fitted = fitBounds({ x: 3000, y: 100, width: 1000, height: 700, maximized: false }, [screen])
  assert.equal(fitted.x, undefined)
  assert.equal(fitted.width, 1000)
})

test('visible positions are kept; sizes are clamped to the display and the minimum', () => {
  assert.deepEqual(fitBounds({ x: 100, y: 100, width: 5000, height: 100, maximized: false }, [screen]), {
    x: 100,
    y: 100,
    width: 1920,
    height: MIN_SIZE.height,
    maximized: false,
  })
})

test('a second display counts', () => {
  const right = { x: 1920, y: 0, width: 1280, height: 1024 }
  assert.equal(
    fitBounds({ x: 2000, y: 50, width: 800, height: 600, maximized: false }, [screen, right]).x,
    2000,
  )
})
