import { describe, expect, it } from 'vitest'
import { buildLoadDdl, diffCreate, normalizeCreate, parseCreateTable } from '../../../src/main/sync/engine/schema/ddl'
import { globToRegExp } from '../../../src/main/sync/engine/plan'

const CREATE = [
  'CREATE TABLE `order items` (',
  '  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,',
  '  `order_id` int(11) NOT NULL,',
  "  `note` varchar(100) DEFAULT 'a,b' COMMENT 'with ``tick``',",
  '  `secret` text DEFAULT NULL,',
  '  `total` decimal(10,2) GENERATED ALWAYS AS (`order_id` * 2) VIRTUAL,',
  '  PRIMARY KEY (`id`),',
  '  UNIQUE KEY `uk` (`order_id`,`note`),',
  '  KEY `by_note` (`note`),',
  '  KEY `by_secret` (`secret`(10)),',
  '  FULLTEXT KEY `ft` (`note`),',
  '  CONSTRAINT `fk_order` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE,',
  '  CONSTRAINT `chk` CHECK (`order_id` > 0)',
  ') ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci'
].join('\n')

describe('SHOW CREATE TABLE handling', () => {
  it('classifies every definition line', () => {
    const p = parseCreateTable(CREATE)
    expect(p.lines.map((l) => l.kind)).toEqual(['column', 'column', 'column', 'column', 'column', 'primary', 'unique', 'index', 'index', 'fulltext', 'foreign', 'check'])
    expect(p.lines[6]).toMatchObject({ name: 'uk', columns: ['order_id', 'note'] })
    expect(p.lines[10]).toMatchObject({ name: 'fk_order', columns: ['order_id'] })
  })

  it('defers secondary indexes on InnoDB, splits off foreign keys, keeps the chunk key', () => {
    const ddl = buildLoadDdl(CREATE, 'shadow', { engine: 'InnoDB', chunkKey: 'PRIMARY' })
    expect(ddl.create).toContain('CREATE TABLE `shadow` (')
    expect(ddl.create).toContain('PRIMARY KEY (`id`)')
    expect(ddl.create).toContain('CONSTRAINT `chk` CHECK')
    expect(ddl.create).not.toContain('FOREIGN KEY')
    expect(ddl.create).not.toContain('KEY `by_note`')
    expect(ddl.create).toContain('AUTO_INCREMENT=42')
    expect(ddl.deferredIndexes).toEqual([
      'ADD UNIQUE KEY `uk` (`order_id`,`note`)',
      'ADD KEY `by_note` (`note`)',
      'ADD KEY `by_secret` (`secret`(10))',
      'ADD FULLTEXT KEY `ft` (`note`)'
    ])
    expect(ddl.foreignKeys).toEqual(['ADD CONSTRAINT `fk_order` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE'])
  })

  it('keeps a unique chunk key and does not defer on MyISAM', () => {
    expect(buildLoadDdl(CREATE, 's', { engine: 'InnoDB', chunkKey: 'uk' }).deferredIndexes).not.toContain('ADD UNIQUE KEY `uk` (`order_id`,`note`)')
    const myisam = buildLoadDdl(CREATE.replace('ENGINE=InnoDB', 'ENGINE=MyISAM'), 's', { engine: 'MyISAM', chunkKey: 'PRIMARY' })
    expect(myisam.deferredIndexes).toEqual([])
    expect(myisam.disableKeys).toBe(true)
  })

  it('drops excluded columns and everything that refers to them', () => {
    const ddl = buildLoadDdl(CREATE, 's', { engine: 'InnoDB', excludeColumns: ['secret', 'note'], chunkKey: 'PRIMARY' })
    expect(ddl.create).not.toContain('`secret`')
    expect(ddl.create).not.toContain('`note`')
    expect(ddl.deferredIndexes).toEqual([])
    expect(ddl.foreignKeys).toHaveLength(1)
  })

  it('compares definitions without names and AUTO_INCREMENT counters', () => {
    const other = CREATE.replace('`order items`', '`x`').replace('AUTO_INCREMENT=42', 'AUTO_INCREMENT=7')
    expect(normalizeCreate(other)).toBe(normalizeCreate(CREATE))
    expect(diffCreate(CREATE, other)).toEqual([])
    const changed = other.replace("DEFAULT 'a,b'", "DEFAULT 'a'").replace('  KEY `by_note` (`note`),\n', '')
    const diffs = diffCreate(CREATE, changed)
    expect(diffs).toContain("target lacks: `note` varchar(100) DEFAULT 'a,b' COMMENT 'with ``tick``'")
    expect(diffs).toContain('target lacks: KEY `by_note` (`note`)')
    expect(diffs.some((d) => d.startsWith('target has extra: `note`'))).toBe(true)
  })
})

describe('table globs', () => {
  it('matches whole names with * and ?', () => {
    expect(globToRegExp('orders_*').test('orders_2024')).toBe(true)
    expect(globToRegExp('orders_*').test('old_orders_2024')).toBe(false)
    expect(globToRegExp('tmp?').test('tmp1')).toBe(true)
    expect(globToRegExp('tmp?').test('tmp12')).toBe(false)
    expect(globToRegExp('a.b').test('axb')).toBe(false)
  })
})
