import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, statfsSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ConfigError } from '../config/config-error'

/**
 * Prepares the data dir once, before anything is written into it (store, logs, secret key, server
 * token): it must be a directory we can create files in, on a real filesystem, and private to its
 * owner. Each problem is one ConfigError naming the directory and where its path came from, so the
 * CLI exits 2 with one line instead of a stack trace.
 *
 * Why not `mkdirSync(dir, { recursive: true })`: under /proc it never returns (Node 20 and 24 retry the
 * ENOENT it gets there forever), and its errors say nothing about which setting to fix. Components
 * are created one at a time instead, after the nearest existing ancestor was checked.
 */

export interface PreparedDataDir {
  path: string
  /** For the log: what was changed (a mode tightened) or could not be. */
  warnings: string[]
}

/** Filesystems that hold kernel state, not files (statfs f_type, linux/magic.h). */
const PSEUDO_FILESYSTEMS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x6e736673: 'nsfs',
  0x42494e4d: 'binfmt_misc',
  0xf97cff8c: 'selinuxfs',
  0x19800202: 'mqueue'
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EIO: 'input/output error'
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code && ERRNO_TEXT[code]) return `${ERRNO_TEXT[code]} (${code})`
  return code ?? (err as Error)?.message ?? String(err)
}

/**
 * `origin` says where the path came from (`--data-dir`, `DBT_DATA_DIR`, `config.yaml:3`, or the
 * default), for the message.
 */
export function prepareDataDir(dir: string, origin: string): PreparedDataDir {
  const fail = (why: string): never => {
    throw new ConfigError(`data dir ${dir} (${origin}) ${why}`)
  }
  if (dir.includes('\0')) fail('contains a NUL character')
  const warnings: string[] = []

  // The nearest existing ancestor, and the components to create below it.
  const missing: string[] = []
  let existing = dir
  let stats: Stats
  for (;;) {
    try {
      stats = statSync(existing)
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT') return fail(`cannot be used: ${reason(err)}`)
      if (isDanglingLink(existing)) return fail(`cannot be created: ${existing} is a symbolic link to nothing`)
      const parent = dirname(existing)
      if (parent === existing) return fail('cannot be created: no part of its path exists')
      missing.unshift(basename(existing))
      existing = parent
    }
  }
  if (!stats.isDirectory()) {
    fail(existing === dir ? `is not a directory (it is ${kindOf(stats)})` : `cannot be created: ${existing} is not a directory`)
  }
  const fs = pseudoFilesystem(existing)
  if (fs) fail(`is on a ${fs} filesystem, which holds kernel state, not files; choose a directory on a disk`)

  let path = existing
  for (const name of missing) {
    path = join(path, name)
    try {
      mkdirSync(path, { mode: 0o700 })
    } catch (err) {
      // Another process may have created it meanwhile; a directory is all we need.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !isDirectory(path)) fail(`cannot be created: ${reason(err)}`)
    }
  }

  tightenMode(dir, warnings)
  probeWritable(dir, fail)
  return { path: dir, warnings }
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

function kindOf(s: Stats): string {
  if (s.isFile()) return 'a regular file'
  if (s.isFIFO()) return 'a named pipe'
  if (s.isSocket()) return 'a socket'
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device'
  return 'not a directory'
}

function pseudoFilesystem(p: string): string | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return PSEUDO_FILESYSTEMS[statfsSync(p).type]
  } catch {
    // statfs unavailable here: the write probe still decides.
    return undefined
  }
}

/**
 * The data dir holds sealed secrets, the job history and the server token: a directory others can
 * list or enter (often made by hand, 0755) is tightened to 0700, and the log says so.
 */
function tightenMode(dir: string, warnings: string[]): void {
  if (process.platform === 'win32') return
  const mode = statSync(dir).mode & 0o777
  if ((mode & 0o077) === 0) return
  const was = mode.toString(8).padStart(4, '0')
  try {
    chmodSync(dir, 0o700)
    warnings.push(`data dir ${dir} was mode ${was}, open to other users; tightened to 0700`)
  } catch (err) {
    warnings.push(`data dir ${dir} is mode ${was}, open to other users, and could not be tightened to 0700: ${reason(err)}`)
  }
}

/**
 * Creates, writes and removes a private file: the only reliable answer to "can we write here"
 * (access(2) says yes to root on a read-only mount, and ACLs or quotas say nothing to a mode check).
 */
function probeWritable(dir: string, fail: (why: string) => never): void {
  const probe = join(dir, `.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`)
  let fd: number | undefined
  try {
    fd = openSync(probe, 'wx', 0o600)
    writeSync(fd, 'ok\n')
  } catch (err) {
    fail(`is not writable: ${reason(err)}`)
  } finally {
    try {
      if (fd !== undefined) closeSync(fd)
    } finally {
      try {
        unlinkSync(probe)
      } catch {
        // Never created.
      }
    }
  }
}
