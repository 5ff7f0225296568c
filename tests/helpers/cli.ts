import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** Runs the built `db-taxi` command the way a user does: `node bin/db-taxi.cjs ...`. */

export const ROOT = resolve(__dirname, '..', '..')
export const BIN = resolve(ROOT, 'bin', 'db-taxi.cjs')

/** Environment without the developer's DBT_* variables, so tests see only what they set. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DBT_')) env[k] = v
  return { ...env, ...extra }
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: timeoutMs })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export interface RunningServe {
  proc: ChildProcess
  baseUrl: string
  token: string
  port: number
  stdout: () => string
  stderr: () => string
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts `db-taxi serve` on a free port (--port 0 unless given) and waits for its banner. stdout is a
 * pipe here, so serve prints the URL without its token: the token is read from where the banner says
 * it is (the token file, or the --token flag / DBT_SERVER_TOKEN this call passed).
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServe> {
  const withPort = args.includes('--port') ? args : [...args, '--port', '0']
  const proc = spawn(process.execPath, [BIN, 'serve', ...withPort], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  const banner = await new Promise<{ url: string; where: 'file' | 'from'; detail: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 20s.\nstdout: ${out}\nstderr: ${err}`)), 20_000)
    const check = (): void => {
      const url = /serving at (http:\/\/\S+)\n/.exec(out)
      const token = /^Token (file|from): (.+)$/m.exec(out)
      if (url && token) {
        clearTimeout(timer)
        resolvePromise({ url: url[1]!, where: token[1] as 'file' | 'from', detail: token[2]! })
      }
    }
    proc.stdout!.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code} before listening.\nstdout: ${out}\nstderr: ${err}`))
    })
  })
  const parsed = new URL(banner.url)
  const flag = withPort.indexOf('--token')
  const token =
    new URLSearchParams(parsed.hash.slice(1)).get('token') ??
    (banner.where === 'file'
      ? readFileSync(banner.detail, 'utf8').trim()
      : banner.detail === '--token' && flag >= 0
        ? withPort[flag + 1]!
        : banner.detail === 'DBT_SERVER_TOKEN'
          ? (env.DBT_SERVER_TOKEN ?? '')
          : '')
  return {
    proc,
    baseUrl: `${parsed.protocol}//${parsed.host}`,
    token,
    port: Number(parsed.port),
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
      proc.kill(signal)
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))])
      if (code === 'timeout') {
        proc.kill('SIGKILL')
        throw new Error('serve did not stop within 20s')
      }
      return code
    }
  }
}

/** Makes sure out/cli is fresh (esbuild takes well under a second). */
export function buildCli(): void {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'scripts', 'build-cli.mjs')], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`building the CLI failed: ${r.stderr}`)
}

/**
 * Calls a contract method on a running `db-taxi serve` (POST /api/rpc/<method> with its token) and
 * answers `data`; an error envelope throws `<method>: <CODE> <message>`.
 */
export async function rpc<T>(serve: { baseUrl: string; token: string }, method: string, input: unknown = {}): Promise<T> {
  const res = await fetch(`${serve.baseUrl}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input)
  })
  const body = (await res.json()) as { ok: boolean; data?: T; error?: { code: string; message: string } }
  if (!body.ok) throw new Error(`${method}: ${body.error?.code} ${body.error?.message}`)
  return body.data as T
}
