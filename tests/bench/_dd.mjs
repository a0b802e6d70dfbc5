import { DuckDBInstance } from '@duckdb/node-api'
const db = await DuckDBInstance.create(':memory:')
const c = await db.connect()
for (const q of [
 "SET VARIABLE paths = (SELECT list(path) FROM read_json('/tmp/rb-t/a.jsonl'))",
 "SELECT count(*), sum(octet_length(content)) FROM read_blob(getvariable('paths'))",
 "SELECT j.id, b.filename FROM read_json('/tmp/rb-t/a.jsonl') j POSITIONAL JOIN read_blob(getvariable('paths')) b LIMIT 3",
 "EXPLAIN SELECT j.id, b.filename FROM read_json('/tmp/rb-t/a.jsonl') j POSITIONAL JOIN read_blob(getvariable('paths')) b",
 "SELECT current_setting('threads'), current_setting('memory_limit'), current_setting('preserve_insertion_order')",
]) { try { const r = await c.runAndReadAll(q); console.log(r.getRows()) } catch (e) { console.log('ERR', e.message) } }
