/**
 * Tools a test needs that npm does not bring (pt-table-sync, mysqldump, mydumper): CI installs them
 * (.ci/run), so there a missing tool is a broken machine and the test fails; elsewhere the test is
 * skipped, loudly (a warning and a skipped count), never passed without looking.
 */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

export function requireTool(ctx: { skip(note?: string): never }, tool: string, why: string): never {
  const message = `${tool} is missing (${why})`
  if (IN_CI) throw new Error(`${message}: .ci/run installs it, so this CI machine is broken`)
  console.warn(`SKIPPED: ${message}; install it to run this test`)
  return ctx.skip(message)
}
