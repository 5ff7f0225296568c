import { createHash } from 'node:crypto'
import { MAX_IDENTIFIER_LENGTH, quoteIdent } from '../../mysql/identifiers'

/**
 * Foreign key names are unique per database (InnoDB refuses a second `orders_ibfk_1` with
 * ER_FK_FAIL_ADD_SYSTEM), so a copy of `orders` renamed to `orders_copy`, into a database that
 * still holds `orders`, cannot keep the source's constraint names. A renamed copy's constraints are
 * named after the copy: the source table's name at the front of a constraint name becomes the
 * target's (`orders_ibfk_1` -> `orders_copy_ibfk_1`), any other name gets the target's name in front
 * (`fk_customer` -> `orders_copy_fk_customer`). Deterministic (every run and every attempt of a
 * job gives the same names) and cut to 64 characters with a hash of the whole name when longer.
 */
export function renamedConstraintName(name: string, source: string, target: string): string {
  if (source === target) return name
  const wanted = name.startsWith(`${source}_`) ? `${target}${name.slice(source.length)}` : `${target}_${name}`
  const chars = [...wanted]
  if (chars.length <= MAX_IDENTIFIER_LENGTH) return wanted
  const hash = createHash('sha1').update(wanted).digest('hex').slice(0, 8)
  return `${chars.slice(0, MAX_IDENTIFIER_LENGTH - 9).join('')}_${hash}`
}

const CLAUSE = /^ADD CONSTRAINT `((?:[^`]|``)+)` /

/** `ADD CONSTRAINT ... FOREIGN KEY ...` clauses with the names a copy into `target` uses. */
export function renameForeignKeys(clauses: string[], source: string, target: string): string[] {
  if (source === target) return clauses
  return clauses.map((c) =>
    c.replace(CLAUSE, (_all, name: string) => `ADD CONSTRAINT ${quoteIdent(renamedConstraintName(name.replace(/``/g, '`'), source, target))} `)
  )
}

/** The constraint name of an `ADD CONSTRAINT` clause. */
export function clauseConstraintName(clause: string): string | null {
  const m = CLAUSE.exec(clause)
  return m ? m[1]!.replace(/``/g, '`') : null
}
