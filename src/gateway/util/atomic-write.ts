import { type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

let counter = 0

/**
 * Writes a file so that a crash at any moment leaves either the old or the new content:
 * temp file in the same directory → write → fsync → rename → fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
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
