// How much CPU did *other* work take while a tool was being measured? On a 2-core machine a test suite
// or a build running next to the benchmark changes the numbers by 2x; we cannot stop that, but we can
// see it and say so next to the numbers.
//
// others = (all busy CPU time on the machine) - (our servers' CPU time) - (this process and the children
// it has reaped: the tool under test, /usr/bin/time, bash, mysqldump ...). Linux charges a reaped child's
// time to its parent's cutime/cstime, so once a tool has exited its whole tree is in our own numbers.
import { readFileSync } from 'node:fs'

/** utime+stime (+cutime+cstime) of a process in clock ticks, 0 if it is gone. */
function procTicks(pid, withChildren) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // f[0] is field 3 (state)
    const own = Number(f[11]) + Number(f[12]) // fields 14, 15
    return withChildren ? own + Number(f[13]) + Number(f[14]) : own // fields 16, 17
  } catch {
    return 0
  }
}

/** A point-in-time reading; compare two with othersShare(). */
export function cpuSnapshot(serverPids = []) {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number)
    const total = user + nice + system + idle + iowait + irq + softirq + steal
    // Steal counts as busy: time the hypervisor gave to someone else is time the benchmark did not get.
    const busy = total - idle - iowait
    const ours = procTicks('self', true) + serverPids.reduce((sum, pid) => sum + procTicks(pid, false), 0)
    return { total, busy, ours }
  } catch {
    return null // not Linux: no reading, no warning
  }
}

/** Share of the whole machine's CPU capacity (all cores) used by others between two snapshots, 0..1. */
export function othersShare(a, b) {
  if (!a || !b || b.total <= a.total) return null
  const others = b.busy - a.busy - (b.ours - a.ours)
  return Math.min(1, Math.max(0, others / (b.total - a.total)))
}
