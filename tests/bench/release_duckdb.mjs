// The peer of tests/bench/release: DuckDB (@duckdb/node-api) writing the
// rows a release holds to Parquet with ZSTD, from a JSONL dump of them and
// the FLAC files the node stores.
//
//   node tests/bench/release_duckdb.mjs TEXT.jsonl AUDIO.jsonl OUTDIR
//
// TEXT.jsonl: {id, text, prompt, speaker_id, language, up_votes,
// down_votes, campaign, consent_sha256} a line; AUDIO.jsonl: {id, path (the
// FLAC file), name, sentence, duration_ms, speaker_id, language, up_votes,
// down_votes, campaign, consent_sha256} a line. Writes OUTDIR/text.parquet
// and OUTDIR/audio.parquet, the columns of the release's text and audio
// configs (audio the `datasets` Audio struct {bytes, path}), every column
// ZSTD, with the release's row groups (10,000 rows of text, 100 rows where
// audio is), and prints as JSON the rows each COPY wrote, DuckDB's version
// and its threads. DuckDB's own settings otherwise (its threads, its memory
// limit).
//
// read_blob takes only constant file lists, not a column, so the recordings
// come from read_blob over the dump's paths (in the dump's order) joined
// to the dump by position; each row checks that the file it got is the one
// its line names, and the row count printed shows that none was dropped.
import { DuckDBInstance } from '@duckdb/node-api'

const [textJsonl, audioJsonl, out] = process.argv.slice(2)
if (!out) {
  console.error('usage: node tests/bench/release_duckdb.mjs TEXT.jsonl AUDIO.jsonl OUTDIR')
  process.exit(2)
}
const q = (s) => `'${s.replaceAll("'", "''")}'`

const common = `speaker_id: 'VARCHAR', language: 'VARCHAR', up_votes: 'BIGINT',
  down_votes: 'BIGINT', campaign: 'VARCHAR', consent_sha256: 'VARCHAR'`
const db = await DuckDBInstance.create(':memory:')
const c = await db.connect()
const count = async (sql) => Number((await c.runAndReadAll(sql)).getRows()[0][0])

const text = await count(`COPY (SELECT id, text, prompt, speaker_id, language,
    up_votes, down_votes, campaign, consent_sha256
  FROM read_json(${q(textJsonl)}, format = 'newline_delimited', columns = {
    id: 'VARCHAR', text: 'VARCHAR', prompt: 'VARCHAR', ${common}}))
  TO ${q(out + '/text.parquet')}
  (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 10000)`)

const audioCols = `columns = {id: 'VARCHAR', path: 'VARCHAR', name: 'VARCHAR',
  sentence: 'VARCHAR', duration_ms: 'BIGINT', ${common}}`
await c.run(`SET VARIABLE paths = (SELECT list(path) FROM
  read_json(${q(audioJsonl)}, format = 'newline_delimited', ${audioCols}))`)
const audio = await count(`COPY (SELECT j.id,
    {'bytes': b.content, 'path': j.name} AS audio, j.sentence, j.duration_ms,
    j.speaker_id, j.language, j.up_votes, j.down_votes, j.campaign,
    j.consent_sha256
  FROM read_json(${q(audioJsonl)}, format = 'newline_delimited', ${audioCols}) j
  POSITIONAL JOIN read_blob(getvariable('paths')) b
  WHERE b.filename = j.path)
  TO ${q(out + '/audio.parquet')}
  (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100)`)

const [version, threads] = (await c.runAndReadAll(
  "SELECT version(), current_setting('threads')")).getRows()[0]
console.log(JSON.stringify({ text, audio, threads: Number(threads), version }))
