import { describe, expect, it } from 'vitest'
import { evaluatePrivileges, likeMatches, parseGrant } from '../../../src/main/sync/connections/grants'

describe('SHOW GRANTS parsing', () => {
  it('reads global, database, wildcard and table grants', () => {
    expect(parseGrant("GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'")).toMatchObject({ db: null, table: '*' })
    expect(parseGrant('GRANT SELECT, INSERT ON `shop`.* TO `u`@`localhost`')).toMatchObject({ db: 'shop', table: '*', isPattern: false })
    expect(parseGrant('GRANT SELECT ON `app\\_%`.* TO `u`@`%`')).toMatchObject({ db: 'app\\_%', isPattern: true })
    expect(parseGrant('GRANT SELECT (a, b), UPDATE (a) ON `db`.`t` TO `u`@`%`')).toMatchObject({ db: 'db', table: 't' })
    expect([...parseGrant('GRANT SELECT (a, b), UPDATE (a) ON `db`.`t` TO `u`@`%`')!.privileges]).toEqual(['SELECT', 'UPDATE'])
    expect(parseGrant('GRANT `reader` TO `u`@`%`')).toBeNull()
    expect(parseGrant('GRANT EXECUTE ON PROCEDURE `db`.`p` TO `u`@`%`')).toMatchObject({ db: 'db', table: 'p' })
    expect(parseGrant('GRANT ALL PRIVILEGES ON `we``ird`.* TO `u`@`%` WITH GRANT OPTION')).toMatchObject({ db: 'we`ird' })
  })

  it('matches database patterns with LIKE rules and escapes', () => {
    expect(likeMatches('app\\_%', 'app_1')).toBe(true)
    expect(likeMatches('app\\_%', 'appx1')).toBe(false)
    expect(likeMatches('app_', 'appx')).toBe(true)
    expect(likeMatches('a.b', 'axb')).toBe(false)
  })

  it('counts ALL PRIVILEGES, global and database grants; RELOAD only globally', () => {
    const root = evaluatePrivileges(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'], null)
    expect(Object.values(root.source).every(Boolean) && Object.values(root.target).every(Boolean)).toBe(true)

    const dbAll = evaluatePrivileges(['GRANT USAGE ON *.* TO `u`@`%`', 'GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`'], 'shop')
    expect(dbAll.target).toEqual({ insert: true, update: true, delete: true, create: true, drop: true, alter: true, index: true })
    expect(dbAll.source).toEqual({ select: true, showView: true, reload: false, replicationClient: false })

    const otherDb = evaluatePrivileges(['GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`'], 'other')
    expect(otherDb.source.select).toBe(false)
    const noDb = evaluatePrivileges(['GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`'], null)
    expect(noDb.target.insert).toBe(false)

    const mixed = evaluatePrivileges(
      ['GRANT RELOAD, BINLOG MONITOR ON *.* TO `u`@`%`', 'GRANT SELECT, SHOW VIEW ON `app\\_%`.* TO `u`@`%`', 'GRANT INSERT ON `app_1`.`t` TO `u`@`%`'],
      'app_1'
    )
    expect(mixed.source).toEqual({ select: true, showView: true, reload: true, replicationClient: true })
    expect(mixed.target.insert).toBe(false) // a table grant is not a database grant
    expect(evaluatePrivileges(['GRANT REPLICATION CLIENT ON *.* TO `u`@`%`'], null).source.replicationClient).toBe(true)
  })
})
