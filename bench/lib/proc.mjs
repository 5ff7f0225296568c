// Child processes for the benchmark: timed runs, shell pipelines, and one place that remembers every
// process we started so Ctrl+C and crashes can stop exactly those (by pid, never by name).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

/** pid -> description of every child we started that has not exited yet. */
const live = new Map()

/**
 * Each child gets its own process group (detached), for two reasons: a terminal's Ctrl+C must not reach
 * the MariaDB servers before we stop them in order, and a pipeline (bash + mysqldump + mariadb) must be
 * killable as a whole through its group id, which is the pid we spawned.
 */
export function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { ...opts, detached: true })
  if (child.pid) {
    live.set(child.pid, `${cmd} ${args.slice(0, 3).join(' ')}`)
    child.once('exit', () => live.delete(child.pid))
  }
  return child
}

/** Kill one child's whole process group. */
export function killGroup(pid, signal = 'SIGKILL') {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      /* already gone */
    }
  }
}

/** Every child we started that is still running (minus `except`), by pid. Synchronous on purpose. */
export function killAllTracked(signal = 'SIGKILL', except = new Set()) {
  for (const pid of [...live.keys()]) if (!except.has(pid)) killGroup(pid, signal)
}

/**
 * Run a command to completion and time it from spawn to exit (what a user waits for).
 * Resolves {code, signal, stdout, stderr, ms, timedOut}; never rejects for a non-zero exit.
 */
export function run(cmd, args, { timeoutMs = 0, env, cwd, input, maxOutput = 4 << 20 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawnTracked(cmd, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    // Keep only the head of stdout and the tail of stderr: enough for JSON summaries and error messages.
    child.stdout.on('data', (d) => {
      if (stdout.length < maxOutput) stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-maxOutput)
    })
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true
            killGroup(child.pid)
          }, timeoutMs)
        : null
    child.on('error', (err) => {
      if (timer) clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, timedOut })
    })
    if (input !== undefined) child.stdin.end(input)
  })
}

/** Quote one word for bash. */
export function shq(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`
}

/** Run a shell pipeline (argument arrays joined by |) under pipefail, so any stage failing fails it. */
export function runPipeline(stages, opts) {
  const line = stages.map((argv) => argv.map(shq).join(' ')).join(' | ')
  return run('bash', ['-o', 'pipefail', '-c', line], opts)
}

/** Absolute path of a program on PATH, or null. */
export function which(name) {
  const r = spawnSync('bash', ['-c', `command -v ${shq(name)}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

/** GNU time (for a child's peak RSS) if installed: `/usr/bin/time -f %M -o FILE cmd ...`. */
export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null

/** Peak RSS in kB from a GNU time -o file (its last line is %M; a killed child adds a line before it). */
export function readPeakRssKb(file) {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    const kb = Number(lines[lines.length - 1])
    return Number.isFinite(kb) && kb > 0 ? kb : null
  } catch {
    return null
  }
}

/** Last non-empty lines of a text, for error messages. */
export function tail(text, n = 3) {
  return String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' / ')
}
