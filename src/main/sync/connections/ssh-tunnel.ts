import { createHash } from 'node:crypto'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2'
import { AppError } from '../../../shared/errors'
import type { Logger } from '../logging/logger'
import { classifyConnectError } from './error-map'
import type { ResolvedSsh } from './model'

/**
 * An SSH tunnel to one MySQL server: a local listener on 127.0.0.1 (random port) whose every
 * accepted socket is forwarded through one ssh2 client (`direct-tcpip`) to the MySQL host as the
 * SSH server sees it. mysql2 (single connections and pools alike) then simply connects to the
 * local port. The ssh client is opened on first use and again after it drops, so a pool survives
 * an SSH server restart the same way it survives a MySQL restart.
 *
 * The host key is checked against the pinned SHA256 fingerprint before any credential is sent;
 * without a pin the key is accepted and its fingerprint reported, for the user to pin.
 */

export function sshFingerprint(hostKey: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')
}

function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '')
}

export interface SshTunnelOptions {
  ssh: ResolvedSsh
  /** The MySQL server, as seen from the SSH server. */
  dstHost: string
  dstPort: number
  /** Bound on the SSH handshake (TCP, key exchange, authentication). */
  readyTimeoutMs: number
  logger: Logger
}

export class SshTunnel {
  /** Fingerprint the SSH server presented on the last handshake. */
  presentedFingerprint: string | null = null
  /** Why the last forwarded socket could not be opened (read when mysql2 only saw a closed socket). */
  lastError: AppError | null = null
  private server: Server | null = null
  private client: Client | null = null
  private connecting: Promise<Client> | null = null
  private readonly sockets = new Set<Socket>()
  private closed = false

  constructor(private readonly opts: SshTunnelOptions) {}

  private get label(): string {
    return `${this.opts.ssh.user}@${this.opts.ssh.host}:${this.opts.ssh.port}`
  }

  /**
   * Starts the local listener and opens the SSH session, so SSH problems surface here with their
   * own codes rather than as a closed MySQL socket later. Returns the local address to connect to.
   */
  async open(): Promise<{ host: string; port: number }> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'the SSH tunnel was closed')
    if (!this.server) {
      const server = createServer((sock) => this.forward(sock))
      server.on('error', (err) => this.opts.logger.warn('SSH tunnel listener error', { err, ssh: this.label }))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => {
          server.off('error', reject)
          resolve()
        })
      })
      server.unref()
      this.server = server
    }
    await this.ensureClient()
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port }
  }

  private forward(sock: Socket): void {
    this.sockets.add(sock)
    sock.on('close', () => this.sockets.delete(sock))
    sock.on('error', () => sock.destroy())
    sock.pause()
    this.ensureClient()
      .then(
        (client) =>
          new Promise<ClientChannel>((resolve, reject) => {
            try {
              client.forwardOut('127.0.0.1', 0, this.opts.dstHost, this.opts.dstPort, (err, ch) => (err ? reject(err) : resolve(ch)))
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)))
            }
          })
      )
      .then(
        (ch) => {
          if (sock.destroyed) {
            ch.close()
            return
          }
          this.lastError = null
          sock.pipe(ch).pipe(sock)
          ch.on('error', () => sock.destroy())
          ch.on('close', () => sock.destroy())
          sock.on('close', () => ch.close())
          sock.resume()
        },
        (err: unknown) => {
          this.lastError = this.channelError(err)
          sock.destroy()
        }
      )
  }

  /** A direct-tcpip channel refused by the SSH server: usually the MySQL host or port is wrong. */
  private channelError(err: unknown): AppError {
    if (err instanceof AppError) return err
    const e = err as Error & { reason?: number }
    const msg = e.message.replace(/^\(SSH\) Channel open failure: /, '')
    const endpoint = `${this.opts.dstHost}:${this.opts.dstPort}`
    if (/refused/i.test(msg)) {
      return new AppError('CONNECTION_REFUSED', `The SSH server ${this.label} could not reach ${endpoint}: connection refused.`)
    }
    if (e.reason === 1) return new AppError('SSH_AUTH_FAILED', `The SSH server ${this.label} does not allow TCP forwarding to ${endpoint}.`)
    return new AppError('HOST_UNREACHABLE', `The SSH server ${this.label} could not reach ${endpoint}: ${msg}.`)
  }

  private ensureClient(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client)
    if (!this.connecting) {
      this.connecting = this.connect().then(
        (c) => {
          this.connecting = null
          this.client = c
          return c
        },
        (err: unknown) => {
          this.connecting = null
          throw err
        }
      )
    }
    return this.connecting
  }

  private connect(): Promise<Client> {
    const { ssh } = this.opts
    return new Promise<Client>((resolve, reject) => {
      const client = new Client()
      let mismatch: string | null = null
      let settled = false
      // Whether key exchange finished: a connection that ends before it is the network's or the
      // server's capacity (sshd's MaxStartups drops connections this way), not a login problem.
      let keyExchanged = false
      client.on('handshake', () => {
        keyExchanged = true
      })
      const fail = (err: AppError): void => {
        if (settled) return
        settled = true
        client.end()
        reject(err)
      }
      const cfg: ConnectConfig = {
        host: ssh.host,
        port: ssh.port,
        username: ssh.user,
        readyTimeout: this.opts.readyTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer): boolean => {
          const fp = sshFingerprint(key)
          this.presentedFingerprint = fp
          if (ssh.hostKeyFingerprint && !sameFingerprint(fp, ssh.hostKeyFingerprint)) {
            mismatch = fp
            return false
          }
          return true
        }
      }
      if (ssh.password) {
        cfg.password = ssh.password
        // Many servers (PAM) offer passwords only as keyboard-interactive; answer every prompt with it.
        cfg.tryKeyboard = true
        const password = ssh.password
        client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)))
      }
      if (ssh.privateKey) {
        cfg.privateKey = ssh.privateKey
        if (ssh.passphrase) cfg.passphrase = ssh.passphrase
      }
      if (!ssh.password && !ssh.privateKey) {
        // Without a credential ssh2 would try "none" only; say what is missing instead.
        fail(new AppError('SSH_AUTH_FAILED', `No SSH password or private key is set for ${this.label}.`))
        return
      }
      client.on('ready', () => {
        if (settled) return
        settled = true
        if (this.closed) {
          client.end()
          reject(new AppError('UNAVAILABLE', 'the SSH tunnel was closed'))
          return
        }
        // After the handshake: a drop means the next forwarded socket reconnects.
        client.on('close', () => {
          if (this.client === client) this.client = null
        })
        resolve(client)
      })
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (settled) {
          this.opts.logger.debug('SSH session error', { ssh: this.label, message: err.message, level: err.level })
          if (this.client === client) this.client = null
          return
        }
        fail(this.handshakeError(err, mismatch, keyExchanged))
      })
      client.on('close', () =>
        fail(
          keyExchanged
            ? new AppError('SSH_AUTH_FAILED', `The SSH server ${this.label} closed the connection during the login.`)
            : this.droppedBeforeHandshake()
        )
      )
      try {
        client.connect(cfg)
      } catch (err) {
        // ssh2 parses the private key synchronously: a bad key or wrong passphrase lands here.
        fail(
          new AppError(
            'SSH_AUTH_FAILED',
            `The SSH private key for ${this.label} cannot be used: ${(err as Error).message.replace(/^Cannot parse privateKey: /, '')} (wrong passphrase, or not a private key?).`
          )
        )
      }
    })
  }

  /**
   * The SSH server (or something in front of it) accepted the TCP connection and closed it before
   * the SSH handshake. A contract code the job engine retries (CONNECTION_REFUSED): a tunnel whose
   * server restarts or is briefly overloaded while a job retries must not end the job as if the
   * connection settings were wrong.
   */
  private droppedBeforeHandshake(): AppError {
    return new AppError(
      'CONNECTION_REFUSED',
      `The SSH server ${this.label} closed the connection before the SSH handshake (restarting, overloaded, refusing this client, or the network dropped it).`
    )
  }

  private handshakeError(err: Error & { level?: string; code?: string }, mismatch: string | null, keyExchanged: boolean): AppError {
    const expected = this.opts.ssh.hostKeyFingerprint
    if (mismatch) {
      return new AppError(
        'SSH_HOST_KEY_MISMATCH',
        `The SSH server ${this.label} presented host key ${mismatch}, not the expected ${expected ?? ''}. ` +
          'If the server was reinstalled, check the new key with its administrator and update the fingerprint; otherwise someone may be intercepting the connection.'
      )
    }
    if (err.level === 'client-authentication') {
      return new AppError('SSH_AUTH_FAILED', `The SSH server ${this.label} refused the login (wrong user, password or key).`)
    }
    if (err.level === 'client-timeout') {
      return new AppError('TIMEOUT', `The SSH server ${this.label} did not complete the handshake in time.`)
    }
    // ssh2's words for a socket that closed before the server's greeting; a reset is the same case.
    if (!keyExchanged && (err.message === 'Connection lost before handshake' || err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      return this.droppedBeforeHandshake()
    }
    const b = classifyConnectError(err, { host: this.opts.ssh.host, port: this.opts.ssh.port })
    return new AppError(b.code, `SSH: ${b.message}`)
  }

  async close(): Promise<void> {
    this.closed = true
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    this.client?.end()
    this.client = null
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
