// Reads Parquet files written by server/outbound/parquet.c with two
// independent readers, DuckDB (@duckdb/node-api) and hyparquet (with
// hyparquet-compressors for ZSTD), so tests/check_parquet.c can hold our
// writer to what real readers make of its files.
//
//   node tests/parquet/read.mjs FILE.parquet
//       prints {"duckdb": {schema, rows, kv}, "hyparquet": {rows, kv}}
//       as JSON (values in the canonical form below, by DuckDB's types)
//   node tests/parquet/read.mjs --check DIR
//       for every DIR/NAME.parquet with a DIR/NAME.json of expectations
//       ({"columns": [...], "rows": [...], "schema"?: [[name, duckdb
//       type]...], "kv"?: {key: value}}), reads the file with both
//       readers and compares every value; prints each difference and
//       exits 1 if there is any, else prints "parquet: N files match"
//
// Canonical values (what the C side writes in its expectations): null;
// int32 and bool as JSON; int64 as a decimal string; double as the 16 hex
// digits of its IEEE-754 bits ("nan" for any NaN); string as itself;
// binary as lower-case hex; a group as an object of its children, or null.
// A column is {"name", "type": int32|int64|double|bool|string|binary|
// group, "children"?: [columns]}.
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const hex = (u8) => Buffer.from(u8).toString('hex')

function doubleCanon (v) {
  if (Number.isNaN(v)) return 'nan'
  const dv = new DataView(new ArrayBuffer(8))
  dv.setFloat64(0, v)
  return dv.getBigUint64(0).toString(16).padStart(16, '0')
}

// ${v} as read (DuckDB's or hyparquet's JS value) in canonical form for a
// column of ${col}.
function canon (v, col) {
  if (v === null || v === undefined) return null
  switch (col.type) {
    case 'int32': return typeof v === 'bigint' ? Number(v) : v
    case 'int64': return String(v)
    case 'double': return typeof v === 'number' ? doubleCanon(v) : `not a number: ${v}`
    case 'bool': return v
    case 'string': return typeof v === 'string' ? v : `not a string: ${v}`
    case 'binary': {
      if (v.bytes) return hex(v.bytes) // DuckDBBlobValue
      if (v instanceof Uint8Array) return hex(v)
      if (typeof v === 'string') return hex(Buffer.from(v, 'utf8'))
      return `not binary: ${v}`
    }
    case 'group': {
      const src = v.entries ?? v // DuckDBStructValue or a plain object
      const out = {}
      for (const c of col.children) out[c.name] = canon(src[c.name], c)
      return out
    }
    default: throw new Error(`unknown column type ${col.type}`)
  }
}

// A column description guessed from a DuckDB type, for printing a file
// without expectations.
function colOfDuck (name, type) {
  const t = String(type)
  if (t === 'INTEGER') return { name, type: 'int32' }
  if (t === 'BIGINT') return { name, type: 'int64' }
  if (t === 'DOUBLE') return { name, type: 'double' }
  if (t === 'BOOLEAN') return { name, type: 'bool' }
  if (t === 'VARCHAR') return { name, type: 'string' }
  if (t === 'BLOB') return { name, type: 'binary' }
  const m = /^STRUCT\((.*)\)$/.exec(t)
  if (m) {
    const children = m[1].split(', ').map((f) => {
      const [, n, ft] = /^"?([^" ]+)"? (.*)$/.exec(f)
      return colOfDuck(n, ft)
    })
    return { name, type: 'group', children }
  }
  return { name, type: 'unknown ' + t }
}

let duck = null
async function duckConn () {
  if (!duck) duck = await (await DuckDBInstance.create(':memory:')).connect()
  return duck
}

// What DuckDB reads in ${path}: {schema: [[name, type]...], rows, kv}.
export async function readDuck (path, columns) {
  const c = await duckConn()
  const desc = await c.runAndReadAll('DESCRIBE SELECT * FROM read_parquet($1)', [path])
  const schema = desc.getRowObjects().map((r) => [r.column_name, r.column_type])
  const cols = columns ?? schema.map(([n, t]) => colOfDuck(n, t))
  const res = await c.runAndReadAll('SELECT * FROM read_parquet($1)', [path])
  const names = res.columnNames()
  const rows = res.getRows().map((r) => {
    const o = {}
    cols.forEach((col) => { o[col.name] = canon(r[names.indexOf(col.name)], col) })
    return o
  })
  const kvr = await c.runAndReadAll('SELECT key, value FROM parquet_kv_metadata($1)', [path])
  const kv = {}
  for (const r of kvr.getRowObjects()) {
    kv[Buffer.from(r.key.bytes).toString('utf8')] = Buffer.from(r.value.bytes).toString('utf8')
  }
  return { schema, rows, kv }
}

// What hyparquet reads in ${path}: {rows, kv}.
export async function readHyparquet (path, columns) {
  const b = readFileSync(path)
  const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
  const meta = parquetMetadata(file)
  // utf8: false, or hyparquet decodes BYTE_ARRAY without a String
  // annotation (audio.bytes) as UTF-8 text too; annotated columns stay text.
  const raw = await parquetReadObjects({ file, compressors, utf8: false })
  const cols = columns ?? null
  const rows = raw.map((r) => {
    if (!cols) return r
    const o = {}
    for (const col of cols) o[col.name] = canon(r[col.name], col)
    return o
  })
  const kv = {}
  for (const { key, value } of meta.key_value_metadata ?? []) kv[key] = value
  return { rows, kv, num_rows: Number(meta.num_rows) }
}

// The differences between ${want} and ${got} (any JSON), as lines.
function diff (want, got, where, out) {
  if (out.length > 20) return out
  const w = JSON.stringify(want)
  const g = JSON.stringify(got)
  if (w === g) return out
  if (want && got && typeof want === 'object' && typeof got === 'object' &&
      Array.isArray(want) === Array.isArray(got)) {
    if (Array.isArray(want) && want.length !== got.length) {
      out.push(`${where}: ${want.length} entries wanted, ${got.length} read`)
    }
    const keys = new Set([...Object.keys(want), ...Object.keys(got)])
    for (const k of keys) diff(want[k], got[k], `${where}[${JSON.stringify(k)}]`, out)
    return out
  }
  out.push(`${where}: wanted ${w}, read ${g}`)
  return out
}

// The leaf columns of ${columns}: {path (as parquet_metadata names it),
// col, get (its canonical value in a canonical row)}.
function leaves (columns) {
  const out = []
  for (const col of columns) {
    if (col.type !== 'group') {
      out.push({ path: col.name, col, get: (r) => r[col.name] })
      continue
    }
    for (const ch of col.children) {
      out.push({ path: `${col.name}, ${ch.name}`, col: ch, get: (r) => r[col.name]?.[ch.name] ?? null })
    }
  }
  return out
}

const utf8len = (s) => Buffer.byteLength(s, 'utf8')

// The statistics DuckDB should read for ${leaf} over the canonical ${vals}
// (our writer's rules: NaN left out of the bounds; byte arrays bounded in
// unsigned byte order, and not at all once one is over 256 bytes; binary
// bounds are not compared, as DuckDB prints them escaped).
function wantStats (leaf, vals) {
  const some = vals.filter((v) => v !== null)
  const st = { nulls: String(vals.length - some.length), min: null, max: null }
  const t = leaf.col.type
  let lo, hi
  if (t === 'int32' || t === 'int64') {
    const xs = some.map((v) => BigInt(v))
    for (const x of xs) {
      if (lo === undefined || x < lo) lo = x
      if (hi === undefined || x > hi) hi = x
    }
  } else if (t === 'bool') {
    if (some.length) { lo = some.every((v) => v); hi = some.some((v) => v) }
  } else if (t === 'double') {
    for (const v of some) {
      if (v === 'nan') continue
      const dv = new DataView(new ArrayBuffer(8))
      dv.setBigUint64(0, BigInt('0x' + v))
      const x = dv.getFloat64(0)
      if (lo === undefined || x < lo) lo = x
      if (hi === undefined || x > hi) hi = x
    }
    if (lo !== undefined) return { ...st, min: lo, max: hi, num: true }
    return st
  } else if (t === 'string') {
    if (some.some((v) => utf8len(v) > 256)) return st
    for (const v of some) {
      if (lo === undefined || Buffer.compare(Buffer.from(v), Buffer.from(lo)) < 0) lo = v
      if (hi === undefined || Buffer.compare(Buffer.from(v), Buffer.from(hi)) > 0) hi = v
    }
  } else {
    return { ...st, skip: true }
  }
  if (lo === undefined) return st
  return { ...st, min: String(lo), max: String(hi) }
}

// Compares the column chunk statistics DuckDB reads in ${path} with what
// the rows of ${want} imply, per row group; differences into ${out}.
async function checkStats (path, want, out) {
  const c = await duckConn()
  const md = (await c.runAndReadAll(
    'SELECT row_group_id, row_group_num_rows, path_in_schema, stats_null_count, ' +
    'stats_min_value, stats_max_value FROM parquet_metadata($1) ' +
    'ORDER BY row_group_id, column_id', [path])).getRowObjectsJson()
  const ls = leaves(want.columns)
  const starts = new Map()
  let start = 0
  for (const m of md) {
    if (!starts.has(m.row_group_id)) {
      starts.set(m.row_group_id, start)
      start += Number(m.row_group_num_rows)
    }
  }
  if (start !== want.rows.length) out.push(`${path}: row groups hold ${start} rows, wanted ${want.rows.length}`)
  for (const m of md) {
    const leaf = ls.find((l) => l.path === m.path_in_schema)
    if (!leaf) {
      out.push(`${path}: unknown column chunk ${m.path_in_schema}`)
      continue
    }
    const s0 = starts.get(m.row_group_id)
    const vals = want.rows.slice(s0, s0 + Number(m.row_group_num_rows)).map(leaf.get)
    const w = wantStats(leaf, vals)
    const where = `${path}: row group ${m.row_group_id} ${m.path_in_schema}`
    if (m.stats_null_count !== w.nulls) out.push(`${where}: null_count ${m.stats_null_count}, wanted ${w.nulls}`)
    if (w.skip) continue
    if (w.num) {
      // DuckDB leaves an infinite bound out (it reads it as unknown).
      const bound = (v, x) => v === null && !Number.isFinite(x) ? x : Number(v)
      const lo = bound(m.stats_min_value, w.min)
      const hi = bound(m.stats_max_value, w.max)
      if (lo !== w.min || hi !== w.max) out.push(`${where}: bounds ${m.stats_min_value}..${m.stats_max_value}, wanted ${w.min}..${w.max}`)
    } else if (m.stats_min_value !== w.min || m.stats_max_value !== w.max) {
      out.push(`${where}: bounds ${JSON.stringify([m.stats_min_value, m.stats_max_value])}, wanted ${JSON.stringify([w.min, w.max])}`)
    }
  }
}

// Checks ${path} against the expectations ${want}; the differences.
export async function checkFile (path, want) {
  const out = []
  let d, h
  try {
    d = await readDuck(path, want.columns)
  } catch (e) {
    return [`${path}: duckdb: ${e.message}`]
  }
  diff(want.rows, d.rows, `${path}: duckdb rows`, out)
  if (want.schema) diff(want.schema, d.schema, `${path}: duckdb schema`, out)
  if (want.kv) diff(want.kv, d.kv, `${path}: duckdb kv`, out)
  await checkStats(path, want, out)
  try {
    h = await readHyparquet(path, want.columns)
  } catch (e) {
    out.push(`${path}: hyparquet: ${e.message}`)
    return out
  }
  diff(want.rows, h.rows, `${path}: hyparquet rows`, out)
  if (want.kv) diff(want.kv, h.kv, `${path}: hyparquet kv`, out)
  if (h.num_rows !== want.rows.length) {
    out.push(`${path}: hyparquet: num_rows ${h.num_rows}, wanted ${want.rows.length}`)
  }
  return out
}

async function main (argv) {
  if (argv[0] === '--check' && argv[1]) {
    const dir = resolve(argv[1])
    const names = readdirSync(dir).filter((n) => n.endsWith('.parquet')).sort()
    let bad = 0
    let n = 0
    for (const name of names) {
      const exp = join(dir, name.replace(/\.parquet$/, '.json'))
      let want
      try {
        want = JSON.parse(readFileSync(exp, 'utf8'))
      } catch {
        continue
      }
      n++
      const d = await checkFile(join(dir, name), want)
      if (d.length) {
        bad++
        for (const line of d) console.log(line)
      }
    }
    if (n === 0) {
      console.log(`parquet: no files with expectations in ${dir}`)
      return 1
    }
    console.log(bad ? `parquet: ${bad} of ${n} files differ` : `parquet: ${n} files match`)
    return bad ? 1 : 0
  }
  if (argv.length !== 1) {
    console.error('usage: read.mjs FILE.parquet | --check DIR')
    return 2
  }
  const path = resolve(argv[0])
  const d = await readDuck(path)
  const h = await readHyparquet(path, d.schema.map(([n, t]) => colOfDuck(n, t)))
  console.log(JSON.stringify({ duckdb: d, hyparquet: h }, null, 1))
  return 0
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((rc) => { process.exitCode = rc }, (e) => {
    console.error(e.stack ?? String(e))
    process.exitCode = 1
  })
}
