import { setFlagsFromString } from 'node:v8'

/**
 * Keeps V8's young generation at the size it has now, for the rest of a one-shot copy command.
 *
 * Why: a copy streams millions of short-lived objects (driver packets, rows, buffer views). V8 grows
 * its young generation whenever the bytes that survived scavenges since the last growth exceed its
 * size; a stream always has a little in flight at every scavenge, so those bytes add up with the
 * number of rows, and somewhere past ~1M rows the young generation doubles (+16 MB of heap, and the
 * socket and packet buffers its objects point to live longer before they are freed). Peak RSS then
 * depended on the table's size (measured: 105 MB at 1M rows, 133 MB at 3M). The bigger young
 * generation buys nothing here, since almost nothing survives a scavenge, so it is not grown: peak
 * RSS stays flat (bench/full-copy --rss-scale, docs/benchmarks.md).
 *
 * `--max-semi-space-size` only works on the command line (V8 sizes the heap once, at start), but the
 * growth factor is read each time the young generation would grow, so a factor of 1 caps it from
 * here. A user who sets any semi-space flag (command line or NODE_OPTIONS) keeps their choice.
 */
export function capYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const own = /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/
  if (execArgv.some((a) => own.test(a)) || own.test(nodeOptions)) return false
  setFlagsFromString('--semi-space-growth-factor=1')
  return true
}
