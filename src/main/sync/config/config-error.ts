/** A configuration problem the user must fix; the CLI exits with 2 and prints the message. */
export class ConfigError extends Error {
  readonly exitCode = 2
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}
