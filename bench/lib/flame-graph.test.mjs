import assert from 'node:assert/strict'
import { test } from 'node:test'
import { flameGraphSvg, stackTree } from './flame-graph.mjs'

// (root) → main → { forward (3 samples, 1 of them in parseHead), (garbage collector) (1 sample) }
const frame = (functionName, url = '', lineNumber = 0) => ({ functionName, url, lineNumber })
const prof = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('main', 'file:///app/out/main/cli.js', 9), children: [3] },
    { id: 3, callFrame: frame('forward', 'file:///app/out/main/gateway.js', 99), children: [4] },
    { id: 4, callFrame: frame('parseHead', 'file:///app/out/main/gateway.js', 199), children: [] },
    { id: 5, callFrame: frame('(garbage collector)'), children: [] },
  ],
  startTime: 0,
  endTime: 5000,
  samples: [3, 3, 4, 5, 3],
  timeDeltas: [1000, 1000, 1000, 1000, 1000],
}

test('samples merge into one stack tree; a time window leaves out samples outside it', () => {
  const root = stackTree(prof)
  assert.equal(root.us, 5000)
  const main = root.children.get('main out/main/cli.js:10')
  assert.equal(main.us, 4000)
  const forward = main.children.get('forward out/main/gateway.js:100')
  assert.equal(forward.us, 4000)
  assert.equal(forward.children.get('parseHead out/main/gateway.js:200').us, 1000)
  assert.equal(root.children.get('(garbage collector)').us, 1000)
  // samples end at 1000, 2000, ... 5000 µs: the window [2500, 4500] keeps the third and fourth
  const windowed = stackTree(prof, [2500, 4500])
  assert.equal(windowed.us, 2000)
  assert.equal(windowed.children.get('(garbage collector)').us, 1000)
})

test('each frame is a box as wide as its share of the time, named in its tooltip', () => {
  const svg = flameGraphSvg(prof, { title: 'test <profile>' })
  assert.match(svg, /^<svg /)
  // an accessible name first (the lint of the committed SVGs asks for it)
  assert.match(svg, /^<svg [^>]*role="img"[^>]*>\n<title>Flame graph: test &lt;profile&gt;<\/title>/)
  const box = (name) => {
    const m = svg.match(
      new RegExp(`<title>${name}[^<]*</title><rect x="([\\d.]+)" y="\\d+" width="([\\d.]+)"`),
    )
    assert.ok(m, `a box for ${name}`)
    return { x: Number(m[1]), w: Number(m[2]) }
  }
  assert.equal(box('all').w, 1200)
  assert.equal(box('forward out/main/gateway.js:100').w, 960)
  assert.equal(box('parseHead out/main/gateway.js:200').w, 240)
  assert.equal(box('\\(garbage collector\\)').x, 960)
  assert.match(svg, /forward out\/main\/gateway.js:100: 4.0 ms, 80.00 %/)
})
