import { isMap, isSeq, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml'
import type { z } from 'zod'
import { configDocumentSchema, type ConfigDocument, type DocumentFormat, type DocumentProblem } from '../../../shared/config-document'
import { documentJsonSchema } from '../../../shared/config-document-json-schema'
import { closestName } from '../../../shared/closest-name'

/**
 * Configuration documents as text: YAML (which also reads JSON, so one parser gives both formats
 * line numbers) in, a checked ConfigDocument out, and every problem with the line and field it is at.
 * Duplicate keys, tabs in indentation, unknown fields and wrong types are problems, never guesses.
 */

export interface ParsedDocument {
  document?: ConfigDocument
  problems: DocumentProblem[]
  /** Line and column of a path into the document (the closest node that exists). */
  locate(path: (string | number)[]): { line?: number; column?: number }
}

/** Path segments as people read them: `connections[1].ssh.port`. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`
  return out || '(document)'
}

export function parseDocumentText(text: string): ParsedDocument {
  const lineCounter = new LineCounter()
  let doc: Document.Parsed
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true })
  } catch (err) {
    return { problems: [{ code: 'VALIDATION', message: `not a YAML or JSON document: ${(err as Error).message}`, path: '(document)' }], locate: () => ({}) }
  }
  const position = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {}
    const p = lineCounter.linePos(offset)
    return { line: p.line, column: p.col }
  }
  const locate = (path: (string | number)[]): { line?: number; column?: number } => {
    // The deepest node along the path that exists; for an object key, the key itself.
    let node: unknown = doc.contents
    let at: number | undefined = (node as Node | null)?.range?.[0]
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg)
        if (!pair) break
        at = (pair.key as Node | null)?.range?.[0] ?? at
        node = pair.value
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined
        if (!item) break
        at = item.range?.[0] ?? at
        node = item
      } else break
    }
    return position(at)
  }
  // Warnings count too: an unknown tag (`!foo`) would otherwise be read as if it were not there.
  const trouble = [...doc.errors, ...doc.warnings]
  if (trouble.length > 0) {
    // One bad indent makes the parser report every line after it: the first few say where to look.
    const shown = trouble.slice(0, 3)
    return {
      problems: [
        ...shown.map((e) => ({ code: 'VALIDATION' as const, message: syntaxMessage(e.code, e.message), path: '(document)', ...position(e.pos[0]) })),
        ...(trouble.length > shown.length
          ? [{ code: 'VALIDATION' as const, message: `and ${trouble.length - shown.length} more syntax problem(s) after these, often caused by the first`, path: '(document)' }]
          : [])
      ],
      locate
    }
  }
  let value: unknown
  try {
    // Aliases are expanded with a cap, so a small file cannot expand into gigabytes ("billion laughs").
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    return { problems: [{ code: 'VALIDATION', message: (err as Error).message, path: '(document)' }], locate }
  }
  if (value === null || value === undefined) return { problems: [{ code: 'VALIDATION', message: 'the document is empty', path: '(document)' }], locate }
  const checked = configDocumentSchema.safeParse(value)
  if (!checked.success) return { problems: byLine(schemaProblems(checked.error, locate)), locate }
  return { document: checked.data, problems: [], locate }
}

/** Problems in the order of the file, as an editor lists them. */
function byLine(problems: DocumentProblem[]): DocumentProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}

function syntaxMessage(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  if (code === 'DUPLICATE_KEY') return `a key is given twice (${first})`
  if (code === 'TAG_RESOLVE_FAILED') return `${first}: a document uses no YAML tags`
  return `YAML syntax: ${first}`
}

/** One problem per zod issue; an unknown key is reported at that key, by name. */
export function schemaProblems(error: z.ZodError, locate: ParsedDocument['locate']): DocumentProblem[] {
  const out: DocumentProblem[] = []
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = closestField(key)
        out.push({ code: 'VALIDATION', message: `unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, path: pathText([...path, key]), ...locate([...path, key]) })
      }
      continue
    }
    // "Invalid input: expected string, received undefined" is a field left out.
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message)
    const message = missing ? `required (${issue.expected})` : issue.message
    out.push({ code: 'VALIDATION', message, path: pathText(path), ...locate(path) })
  }
  return out
}

/** The document as text: YAML with a header comment, or JSON. */
export function formatDocument(doc: ConfigDocument, format: DocumentFormat): string {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n'
  const header =
    '# DB-Taxi configuration (docs/config-document.md). Apply with `db-taxi apply FILE`, or import in\n' +
    '# Settings > Import and export. Secrets are references (${NAME}, ${file:PATH}, ${sealed}), never values.\n'
  return header + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })
}

let fieldNames: string[] | undefined

/** Every field name the document schema knows, anywhere in it (for "did you mean"). */
function knownFields(): string[] {
  if (!fieldNames) {
    const names = new Set<string>()
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return
      const props = (node as { properties?: Record<string, unknown> }).properties
      if (props) for (const k of Object.keys(props)) names.add(k)
      for (const v of Object.values(node as Record<string, unknown>)) walk(v)
    }
    walk(documentJsonSchema())
    fieldNames = [...names]
  }
  return fieldNames
}

/** The known field a misspelt one most likely meant. */
export function closestField(key: string): string | null {
  return closestName(key, knownFields()) ?? null
}
