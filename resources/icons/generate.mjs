// Draws Sallyport's icons (a gate arch with a portcullis) as PNGs with node:zlib only.
// Run: node resources/icons/generate.mjs  → resources/icons/icon.png (+256/1024), resources/tray/tray*.png
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const trayDir = join(here, '..', 'tray')

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** RGBA pixels (Uint8Array, size*size*4) → PNG bytes. */
function encodePng(size, rgba) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// Shapes in unit coordinates (0..1), y down. Each returns true when the point is inside.
const roundedSquare = (r) => (x, y) => {
  const dx = Math.max(Math.abs(x - 0.5) - (0.5 - r), 0)
  const dy = Math.max(Math.abs(y - 0.5) - (0.5 - r), 0)
  return dx * dx + dy * dy <= r * r
}
const arch = (left, right, top, bottom) => (x, y) => {
  const cx = (left + right) / 2
  const rad = (right - left) / 2
  if (x < left || x > right || y > bottom) return false
  if (y >= top + rad) return true
  return (x - cx) ** 2 + (y - (top + rad)) ** 2 <= rad * rad
}
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r

/** Layers are [shape, [r,g,b,a]] painted in order, anti-aliased by supersampling. */
function render(size, layers, samples = 4) {
  const out = new Uint8Array(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size
          const y = (py + (sy + 0.5) / samples) / size
          let colour = [0, 0, 0, 0]
          for (const [shape, fill] of layers) if (shape(x, y)) colour = fill
          // Premultiplied accumulation keeps edges against transparency clean.
          const alpha = colour[3] / 255
          r += colour[0] * alpha
          g += colour[1] * alpha
          b += colour[2] * alpha
          a += alpha
        }
      }
      const i = (py * size + px) * 4
      const n = samples * samples
      out[i] = a ? Math.round(r / a) : 0
      out[i + 1] = a ? Math.round(g / a) : 0
      out[i + 2] = a ? Math.round(b / a) : 0
      out[i + 3] = Math.round((a / n) * 255)
    }
  }
  return out
}

const BLUE = [37, 99, 235, 255]
const WHITE = [255, 255, 255, 255]
const NAVY = [23, 37, 84, 255]
const GREY = [120, 128, 140, 255]
const ORANGE = [245, 130, 32, 255]

function portcullis(left, right, top, bottom, bars, width) {
  const gate = arch(left, right, top, bottom)
  const pitch = (right - left) / (bars + 1)
  return (x, y) => {
    if (!gate(x, y)) return false
    for (let i = 1; i <= bars; i++) if (Math.abs(x - (left + i * pitch)) <= width / 2) return true
    return Math.abs(y - (top + (bottom - top) * 0.55)) <= width / 2
  }
}

function appIcon(size) {
  return render(size, [
    [roundedSquare(0.2), BLUE],
    [arch(0.27, 0.73, 0.2, 0.82), WHITE],
    [arch(0.35, 0.65, 0.3, 0.82), NAVY],
    [portcullis(0.35, 0.65, 0.3, 0.82, 3, 0.035), WHITE],
  ])
}

function trayIcon(size, colour, dot) {
  const layers = [
    [arch(0.12, 0.88, 0.06, 0.96), colour],
    [arch(0.3, 0.7, 0.3, 0.96), [0, 0, 0, 0]],
  ]
  if (dot) layers.push([circle(0.78, 0.26, 0.24), dot])
  return render(size, layers, 8)
}

mkdirSync(trayDir, { recursive: true })
for (const size of [256, 512, 1024]) {
  writeFileSync(join(here, size === 512 ? 'icon.png' : `icon-${size}.png`), encodePng(size, appIcon(size)))
}
const variants = { tray: [BLUE, null], 'tray-attention': [BLUE, ORANGE], 'tray-paused': [GREY, null] }
for (const [name, [colour, dot]] of Object.entries(variants)) {
  writeFileSync(join(trayDir, `${name}.png`), encodePng(16, trayIcon(16, colour, dot)))
  writeFileSync(join(trayDir, `${name}@2x.png`), encodePng(32, trayIcon(32, colour, dot)))
}
