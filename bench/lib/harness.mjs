// The shared peer harness (../shared/bench, read-only) runs from a writable copy: its setup wants
// `npm ci` inside peers/. The copy is refreshed when the source changes; peers are installed once.
import { execFileSync, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

function walk(dir, rel = '', out = []) {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name)
    if (r === path.join('peers', 'node_modules') || r === 'results' || e.name === '.git') continue
    if (e.isDirectory()) walk(dir, r, out)
    else if (e.isFile()) out.push(r)
  }
  return out.sort()
}

function hashFiles(dir, files) {
  const h = crypto.createHash('sha256')
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(dir, f)))
  return h.digest('hex')
}

/** Copy `src` to `dst` when its content changed; `npm ci` in peers/ when the lock file changed. */
export function prepareHarness(src, dst, log) {
  if (!fs.existsSync(path.join(src, 'run.mjs'))) {
    throw new Error(`shared harness not found at ${src} (expected <repo>/../shared/bench; set --harness DIR)`)
  }
  const files = walk(src)
  const stamp = hashFiles(src, files)
  const stampFile = path.join(dst, '.sallyport-stamp')
  if (!fs.existsSync(stampFile) || fs.readFileSync(stampFile, 'utf8') !== stamp) {
    log(`# copying harness ${src} -> ${dst}`)
    fs.mkdirSync(dst, { recursive: true })
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dst, f)), { recursive: true })
      fs.copyFileSync(path.join(src, f), path.join(dst, f))
    }
    fs.writeFileSync(stampFile, stamp)
  }
  const lock = path.join(dst, 'peers', 'package-lock.json')
  const lockHash = crypto.createHash('sha256').update(fs.readFileSync(lock)).digest('hex')
  const peersStamp = path.join(dst, 'peers', 'node_modules', '.sallyport-lock')
  if (!fs.existsSync(peersStamp) || fs.readFileSync(peersStamp, 'utf8') !== lockHash) {
    log('# installing Node peers (npm ci in the harness copy, once)')
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: path.join(dst, 'peers'),
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    fs.writeFileSync(peersStamp, lockHash)
  }
}

/** Run the harness driver; resolves its JSON result ({ meta, rows, runs }). Output streams to stderr. */
export function runHarness({ dir, nodeBin, args, outBase, env, limitMinutes }) {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin, [path.join(dir, 'run.mjs'), ...args, '--out', outBase], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    // the harness has its own --max-minutes; this is the backstop
    const kill = setTimeout(() => child.kill('SIGTERM'), (limitMinutes + 2) * 60_000)
    child.on('exit', (code) => {
      clearTimeout(kill)
      if (code !== 0) return reject(new Error(`harness exited ${code}\n${out}`))
      try {
        resolve(JSON.parse(fs.readFileSync(`${outBase}.json`, 'utf8')))
      } catch (e) {
        reject(e)
      }
    })
  })
}
