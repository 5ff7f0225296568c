/**
 * A streaming parser for Server-Sent Events (the subset of the WHATWG format our server speaks, plus the
 * parts any proxy may add): `event:` and `data:` fields, `id:`/`retry:`, comment lines starting with ':',
 * LF / CRLF / CR line endings, and chunks that split a line (or a CRLF) anywhere. Pure: feed it text,
 * it returns the frames completed by that text.
 */
export interface SseFrame {
  /** `message` when the frame had no `event:` line, as in the spec. */
  event: string
  /** Multiple `data:` lines are joined with '\n'. */
  data: string
  id?: string
  /** Reconnection time the server asked for, in ms. */
  retry?: number
}

export class SseParser {
  private buffer = ''
  private pendingLf = false
  private event = ''
  private data: string[] = []
  private id: string | undefined
  private retry: number | undefined

  /** Feeds decoded text; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    // The LF of a CRLF whose CR ended the previous chunk: that line was already handled.
    if (this.pendingLf && chunk.startsWith('\n')) chunk = chunk.slice(1)
    if (chunk !== '') this.pendingLf = false
    this.buffer += chunk
    const frames: SseFrame[] = []
    let start = 0
    for (;;) {
      const lf = this.buffer.indexOf('\n', start)
      const cr = this.buffer.indexOf('\r', start)
      let end: number
      let next: number
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr
        if (cr === this.buffer.length - 1) {
          // Maybe the first half of a CRLF split across chunks: end the line now, drop a leading LF later.
          this.pendingLf = true
          next = cr + 1
        } else {
          next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1
        }
      } else if (lf !== -1) {
        end = lf
        next = lf + 1
      } else {
        break
      }
      const frame = this.line(this.buffer.slice(start, end))
      if (frame) frames.push(frame)
      start = next
    }
    this.buffer = this.buffer.slice(start)
    return frames
  }

  /** Drops a half-received frame, as the spec says to at end of stream; call before reusing for a new stream. */
  reset(): void {
    this.buffer = ''
    this.pendingLf = false
    this.event = ''
    this.data = []
    this.id = undefined
    this.retry = undefined
  }

  private line(line: string): SseFrame | null {
    if (line === '') return this.dispatch()
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'event':
        this.event = value
        break
      case 'data':
        this.data.push(value)
        break
      case 'id':
        if (!value.includes('\0')) this.id = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value)
        break
      default:
      // Unknown fields are ignored, per spec.
    }
    return null
  }

  private dispatch(): SseFrame | null {
    const hasData = this.data.length > 0
    const frame: SseFrame = { event: this.event || 'message', data: this.data.join('\n') }
    if (this.id !== undefined) frame.id = this.id
    if (this.retry !== undefined) frame.retry = this.retry
    this.event = ''
    this.data = []
    this.retry = undefined
    // A blank line after only comments or an `event:` line carries nothing: the spec drops it.
    return hasData ? frame : null
  }
}
