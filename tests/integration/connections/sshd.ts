import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { freePort } from '../../helpers/mariadb'
import { removeDir, tempDir } from './support'

/**
 * A real OpenSSH server for tunnel tests: its own host key, config, authorized_keys and pid file in
 * a temp dir, listening on a free loopback port only, public-key login for the current user.
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
  stop(): Promise<void>
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

export async function startSshd(): Promise<TestSshd> {
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
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
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
  const proc = spawn(SSHD, ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' })
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
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      }
      removeDir(dir)
    }
  }
}
