// Writes Parquet files with DuckDB (@duckdb/node-api), for
// tests/check_parquet_read.c to read with our reader and compare with
// what DuckDB itself says of them.
//
//   node tests/parquet/duckdb_write.mjs DIR ROWS
//       writes DIR/zstd.parquet (ZSTD), DIR/plain.parquet (UNCOMPRESSED)
//       and DIR/v2.parquet (ZSTD, PARQUET_VERSION v2: data pages v2,
//       RLE_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
//       BYTE_STREAM_SPLIT) of the table below, ROWS rows, and prints one
//       JSON object: for each file name, DuckDB's aggregates over it as
//       read back ({"rows", "n_count", "n_sum", ...}, numbers as strings)
//       Also DIR/pages.parquet (ZSTD): 120,000 rows of id BIGINT NOT NULL
//       and pad VARCHAR NOT NULL ('row-' || id, then 1000 times
//       chr(97 + id % 26)) in row groups of 110,000: DuckDB starts a new
//       page at 100 MB, so the first chunk of pad has two pages. Its
//       aggregates: "rows", "id_sum", "pad_len".
//
// Row i (from 0) of the table, which the C side recomputes from id:
//   id     BIGINT NOT NULL   i
//   n      INTEGER           NULL if i % 7 = 0, else i * 37 % 100000 - 50000
//   s      VARCHAR           NULL if i % 11 = 0, else 'str-' || i % 1000
//   t      VARCHAR NOT NULL  'row-' || i
//   x      DOUBLE            NULL if i % 13 = 0, else i * 0.5
//   b      BOOLEAN           NULL if i % 5 = 0, else i % 3 = 0
//   audio  STRUCT(bytes BLOB, path VARCHAR)
//                            NULL if i % 4 = 0, else {bytes: i % 3 bytes
//                            '\x01\x02'[..], path: NULL if i % 6 = 1,
//                            else 'p' || i}
import { DuckDBInstance } from '@duckdb/node-api'

const [dir, nrows] = process.argv.slice(2)
if (!dir || !nrows) {
  console.error('usage: duckdb_write.mjs DIR ROWS')
  process.exit(2)
}
const c = await (await DuckDBInstance.create(':memory:')).connect()
await c.run(`CREATE TABLE t (id BIGINT NOT NULL, n INTEGER, s VARCHAR,
  t VARCHAR NOT NULL, x DOUBLE, b BOOLEAN,
  audio STRUCT(bytes BLOB, path VARCHAR))`)
await c.run(`INSERT INTO t SELECT i,
  CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37 % 100000 - 50000)::INTEGER END,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'str-' || (i % 1000) END,
  'row-' || i,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i * 0.5 END::DOUBLE,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END,
  CASE WHEN i % 4 = 0 THEN NULL ELSE {'bytes': CASE i % 3 WHEN 0 THEN ''::BLOB
    WHEN 1 THEN '\\x01'::BLOB ELSE '\\x01\\x02'::BLOB END,
    'path': CASE WHEN i % 6 = 1 THEN NULL ELSE 'p' || i END} END
  FROM range(${Number(nrows)}) r(i)`)
const files = {
  zstd: 'COMPRESSION zstd',
  plain: 'COMPRESSION uncompressed',
  v2: 'COMPRESSION zstd, PARQUET_VERSION v2'
}
const out = {}
for (const [name, opts] of Object.entries(files)) {
  const path = `${dir}/${name}.parquet`
  await c.run(`COPY t TO '${path}' (FORMAT parquet, ${opts}, ROW_GROUP_SIZE 100000)`)
  const r = await c.runAndReadAll(`SELECT count(*) AS rows, sum(id) AS id_sum,
    count(n) AS n_count, sum(n) AS n_sum, count(s) AS s_count,
    sum(length(s)) AS s_len, sum(length(t)) AS t_len, count(x) AS x_count,
    sum(x) AS x_sum, count(b) AS b_count, count_if(b) AS b_true,
    count(audio) AS audio_count, count(audio.path) AS path_count,
    sum(octet_length(audio.bytes)) AS bytes_len
    FROM read_parquet('${path}')`)
  const row = r.getRowObjects()[0]
  const o = {}
  for (const [k, v] of Object.entries(row)) o[k] = v === null ? null : String(v)
  out[name] = o
}
{
  const path = `${dir}/pages.parquet`
  await c.run(`COPY (SELECT i::BIGINT AS id,
    'row-' || i || repeat(chr((97 + i % 26)::INTEGER), 1000) AS pad
    FROM range(120000) r(i)) TO '${path}'
    (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 110000)`)
  const r = await c.runAndReadAll(`SELECT count(*) AS rows, sum(id) AS id_sum,
    sum(length(pad)) AS pad_len FROM read_parquet('${path}')`)
  const o = {}
  for (const [k, v] of Object.entries(r.getRowObjects()[0])) o[k] = String(v)
  out.pages = o
}
console.log(JSON.stringify(out))
