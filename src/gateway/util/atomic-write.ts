import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

let counter = 0
/** Directories + names already swept of stale temp files by this process. */
const swept = new Set<string>()

/**
 * Writes a file so that a crash at any moment leaves either the old or the new content:
 * temp file in the same directory → write → fsync → rename → fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  if (!swept.has(path)) {
    swept.add(path)
    await sweepStaleTemps(dir, basename(path))
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++counter}.tmp`)
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(data, 'utf8')
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await syncDir(dir)
}

/**
 * A process killed between write and rename leaves its temp file behind; without this sweep every such
 * crash adds one to the data dir for good. Only temps of processes that are gone are removed.
 */
async function sweepStaleTemps(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue
    const pid = /^(\d+)\.\d+\.tmp$/.exec(entry.slice(prefix.length))?.[1]
    if (pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue
    await unlink(join(dir, entry)).catch(() => {})
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The rename is durable only once the directory entry is flushed (POSIX); Windows cannot open a directory. */
async function syncDir(dir: string): Promise<void> {
  let dh: FileHandle
  try {
    dh = await open(dir, 'r')
  } catch {
    return
  }
  try {
    await dh.sync()
  } catch {
    // Some file systems refuse fsync on directories; the data itself was already synced.
  } finally {
    await dh.close()
  }
}
