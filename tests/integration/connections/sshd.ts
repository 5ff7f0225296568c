import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { freePort } from '../../helpers/mariadb'
import { removeDir, tempDir } from './support'

/**
 * A real OpenSSH server for tunnel tests: its own host key, config, authorized_keys and pid file in
 * a temp dir, listening on a free loopback port only, public-key login for the current user.
 *
 * With `password`, it also takes password logins for that user. sshd (UsePAM no) checks a password
 * against /etc/shadow, and this machine's account has none; so the server runs in a mount namespace
 * of its own where a copy of /etc/shadow with that password is bound over the real one. Only this
 * sshd and its children see the copy: the machine's accounts are never changed.
 */

export const SSHD = '/usr/sbin/sshd'

export interface TestSshd {
  port: number
  user: string
  dir: string
  /** Private key (OpenSSH PEM) that is authorized. */
  clientKey: string
  /** Authorized key protected by a passphrase. */
  encryptedKey: string
  encryptedKeyPassphrase: string
  /** A valid key that is not authorized. */
  strangerKey: string
  /** SHA256 fingerprint of the host key, as ssh-keygen prints it. */
  hostFingerprint: string
  /** Fingerprint of some other key, for the mismatch test. */
  otherFingerprint: string
  /** The password `user` logs in with (only when started with one). */
  password: string | null
  /** Processes serving open SSH sessions: every descendant of the listening sshd. */
  sessionPids(): number[]
  /** SIGKILLs every session process (each client's tunnel drops at once); the listener keeps accepting. Returns how many. */
  killSessions(): number
  /** SIGSTOPs the session processes: every tunnelled socket stays open but nothing moves. */
  freezeSessions(): number[]
  /** SIGCONTs what freezeSessions stopped. */
  thawSessions(pids: number[]): void
  stop(): Promise<void>
}

export interface SshdOptions {
  /** Also accept password logins with this password. */
  password?: string
}

function keygen(path: string, passphrase = ''): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'db-taxi-test', '-f', path], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`)
}

function fingerprint(pubPath: string): string {
  const r = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath], { encoding: 'utf8' })
  const m = /(SHA256:\S+)/.exec(r.stdout)
  if (!m) throw new Error(`ssh-keygen -l failed: ${r.stderr}`)
  return m[1]!
}

async function waitListening(port: number, proc: ChildProcess, logFile: string): Promise<void> {
  const until = Date.now() + 15_000
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`sshd exited with ${proc.exitCode}: ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
      s.once('data', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
      setTimeout(() => {
        s.destroy()
        resolve(false)
      }, 1000)
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('sshd did not start listening')
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && typeof process.getuid === 'function' && process.getuid() === 0
}

/** Every process whose parent chain leads to `root` (read from /proc). */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
  }
  const out: number[] = []
  const todo = [root]
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c)
      todo.push(c)
    }
  }
  return out
}

function signal(pids: number[], sig: NodeJS.Signals): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, sig)
      return true
    } catch {
      return false // already gone
    }
  })
}

/** A copy of /etc/shadow in which `user` has `password` (SHA-512 crypt, made by openssl). */
function shadowWithPassword(path: string, user: string, password: string): void {
  const r = spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: password, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl passwd failed: ${r.stderr}`)
  const hash = r.stdout.trim()
  const lines = readFileSync('/etc/shadow', 'utf8').split('\n').filter((l) => l !== '')
  const i = lines.findIndex((l) => l.startsWith(`${user}:`))
  if (i < 0) throw new Error(`no /etc/shadow entry for ${user}`)
  const fields = lines[i]!.split(':')
  fields[1] = hash
  lines[i] = fields.join(':')
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 })
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const password = options.password ?? null
  const dir = tempDir('sshd')
  for (const k of ['host', 'client', 'encrypted', 'stranger', 'other']) keygen(join(dir, k), k === 'encrypted' ? 'open sesame 42' : '')
  writeFileSync(
    join(dir, 'authorized_keys'),
    readFileSync(join(dir, 'client.pub'), 'utf8') + readFileSync(join(dir, 'encrypted.pub'), 'utf8'),
    { mode: 0o600 }
  )
  const port = await freePort()
  const user = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim()
  const config = join(dir, 'sshd_config')
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      `PasswordAuthentication ${password ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `PermitRootLogin ${password ? 'yes' : 'prohibit-password'}`,
      'AllowTcpForwarding yes',
      'X11Forwarding no',
      'PermitTTY no',
      'MaxStartups 50',
      'LogLevel ERROR',
      ''
    ].join('\n')
  )
  // sshd refuses to start without its privilege separation directory (normally made by the service).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const logFile = join(dir, 'sshd.log')
  const sshdArgs = ['-D', '-f', config, '-E', logFile]
  let proc: ChildProcess
  if (password) {
    const shadow = join(dir, 'shadow')
    shadowWithPassword(shadow, user, password)
    // unshare execs sh, which execs sshd: the spawned pid is the listening sshd itself.
    proc = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/shadow && shift && exec "$@"', 'sh', shadow, SSHD, ...sshdArgs],
      { stdio: 'ignore' }
    )
  } else {
    proc = spawn(SSHD, sshdArgs, { stdio: 'ignore' })
  }
  await waitListening(port, proc, logFile)
  return {
    port,
    user,
    dir,
    clientKey: readFileSync(join(dir, 'client'), 'utf8'),
    encryptedKey: readFileSync(join(dir, 'encrypted'), 'utf8'),
    encryptedKeyPassphrase: 'open sesame 42',
    strangerKey: readFileSync(join(dir, 'stranger'), 'utf8'),
    hostFingerprint: fingerprint(join(dir, 'host.pub')),
    otherFingerprint: fingerprint(join(dir, 'other.pub')),
    password,
    sessionPids: () => (proc.pid ? descendantsOf(proc.pid) : []),
    killSessions: () => signal(proc.pid ? descendantsOf(proc.pid) : [], 'SIGKILL').length,
    freezeSessions: () => signal(proc.pid ? descendantsOf(proc.pid) : [], 'SIGSTOP'),
    thawSessions: (pids) => void signal(pids, 'SIGCONT'),
    async stop() {
      // Sessions outlive the listener: end them first, so no tunnel is left behind.
      if (proc.pid) signal(descendantsOf(proc.pid), 'SIGKILL')
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      }
      removeDir(dir)
    }
  }
}
