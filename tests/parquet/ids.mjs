// Reads the ids of release folders with DuckDB (@duckdb/node-api), a
// reader we did not write, for tests/check_fedrelease.c:
//
//   node tests/parquet/ids.mjs DIR...
//       prints {"DIR": {"configs": {CONFIG: [ids, sorted]},
//       "communities": {COMMUNITY: rows}, "kinds": {KIND: rows}}} as
//       JSON: every DIR/data/CONFIG/*.parquet; "communities" counts the
//       `community` column where the files have one; "kinds" reads every
//       file of a kind (text: with a `text` column, audio: with `audio`)
//       together WITHOUT union_by_name, so files of one kind with other
//       columns fail here, as they would in the `datasets` library's
//       default config.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const c = await (await DuckDBInstance.create(':memory:')).connect()
const q = async (sql, args) => (await c.runAndReadAll(sql, args)).getRowObjectsJson()
// A list of paths as a SQL literal (DuckDB binds no arrays of ANY).
const lit = (files) => '[' + files.map((f) => "'" + f.replace(/'/g, "''") + "'").join(',') + ']'
const out = {}
for (const dir of process.argv.slice(2)) {
  const res = { configs: {}, communities: {}, kinds: {} }
  const byKind = { text: [], audio: [] }
  for (const cfg of readdirSync(join(dir, 'data')).sort()) {
    const files = readdirSync(join(dir, 'data', cfg))
      .filter((f) => f.endsWith('.parquet')).map((f) => join(dir, 'data', cfg, f))
    if (files.length === 0) continue
    const ids = await q(`SELECT id FROM read_parquet(${lit(files)})`)
    res.configs[cfg] = ids.map((r) => r.id).sort()
    const cols = (await q(`DESCRIBE SELECT * FROM read_parquet(${lit(files)})`))
      .map((r) => r.column_name)
    byKind[cols.includes('audio') ? 'audio' : 'text'].push(...files)
    if (cols.includes('community')) {
      for (const r of await q('SELECT community, count(*) AS n FROM ' +
        `read_parquet(${lit(files)}) GROUP BY community`)) {
        res.communities[r.community] = (res.communities[r.community] || 0) + Number(r.n)
      }
    }
  }
  for (const [k, files] of Object.entries(byKind)) {
    if (files.length === 0) continue
    const r = await q(`SELECT count(*) AS n FROM read_parquet(${lit(files)}, union_by_name = false)`)
    res.kinds[k] = Number(r[0].n)
  }
  out[dir] = res
}
console.log(JSON.stringify(out))
