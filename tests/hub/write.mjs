// The official Hub client, @huggingface/hub (pinned in package.json),
// pushing to a node's write API as it would to the Hub: createRepo,
// uploadFiles (a small regular file and Parquet-named and large files
// that go over LFS; the client offers Xet first and must fall back to
// basic LFS), then commit with a deletion and a parentCommit, and every
// file read back with downloadFile, byte for byte. Refusals: a wrong
// token, another namespace, a stale parentCommit. The node offers the
// multipart transfer for objects over 1 MiB (--hub-multipart-chunk), so
// the 11 MiB file goes in parts, PUT in parallel, and is joined.
//
//   node tests/hub/write.mjs BASE_URL TOKEN
//       BASE_URL: http://127.0.0.1:PORT of a node with namespace
//       "tributary"; TOKEN a push token for any repo of it
//       (tests/check_hub_write.c makes that node and runs this).
//       Prints "hub write: ok" and exits 0, or what differs and exits 1.
import { randomBytes, createHash } from 'node:crypto'
import {
  createRepo, uploadFiles, commit, downloadFile, datasetInfo, listFiles,
  HubApiError
} from '@huggingface/hub'

const [hubUrl, accessToken] = process.argv.slice(2)
if (!hubUrl || !accessToken) {
  console.error('usage: node tests/hub/write.mjs BASE_URL TOKEN')
  process.exit(2)
}
const repo = { type: 'dataset', name: 'tributary/js-pushed' }
const problems = []
const check = (ok, what) => { if (!ok) problems.push(what) }
const sha256 = (b) => createHash('sha256').update(b).digest('hex')

async function refused (promise, status, what) {
  try {
    await promise
    problems.push(`${what}: was answered`)
  } catch (err) {
    check(err instanceof HubApiError && err.statusCode === status,
      `${what}: wanted ${status}, got ${err?.statusCode} ${err}`)
  }
}

const created = await createRepo({ repo, hubUrl, accessToken })
check(created.repoUrl === `${hubUrl}/datasets/tributary/js-pushed`,
  `createRepo: ${JSON.stringify(created)}`)
await refused(createRepo({ repo, hubUrl, accessToken }), 409, 'createRepo again')
await refused(createRepo({ repo: { type: 'dataset', name: 'elsewhere/x' }, hubUrl, accessToken }),
  403, 'createRepo in another namespace')
await refused(createRepo({ repo: { type: 'dataset', name: 'tributary/y' }, hubUrl, accessToken: 'hf_' + '0'.repeat(40) }),
  401, 'createRepo with a wrong token')

const files = new Map([
  ['README.md', Buffer.from('---\nlicense: cc0-1.0\n---\n# Pushed from JS\n')],
  ['data/train-00000-of-00001.parquet', randomBytes(300 * 1024)],
  ['data/big.bin', randomBytes(11 * 1024 * 1024)],
  ['notes/old.txt', Buffer.from('to be deleted\n')]
])
// The requests the client makes, to see the parts go.
const parts = []
const seen = (url, init) => {
  if ((init?.method ?? 'GET') === 'PUT' && /[?&]part=\d+/.test(String(url))) parts.push(String(url))
  return fetch(url, init)
}
const out = await uploadFiles({
  repo, hubUrl, accessToken, fetch: seen,
  files: [...files].map(([path, bytes]) => ({ path, content: new Blob([bytes]) })),
  commitTitle: 'First push'
})
const first = out?.commit?.oid
check(/^[0-9a-f]{40}$/.test(first ?? ''), `uploadFiles: ${JSON.stringify(out)}`)
check(parts.length === 11, `the 11 MiB file went in ${parts.length} parts, not 11`)

// A second commit on top: one file replaced, one deleted.
const readme2 = Buffer.from('# Pushed from JS, again\n')
const second = await commit({
  repo, hubUrl, accessToken, title: 'Second', parentCommit: first,
  operations: [
    { operation: 'addOrUpdate', path: 'README.md', content: new Blob([readme2]) },
    { operation: 'delete', path: 'notes/old.txt' }
  ]
})
check(/^[0-9a-f]{40}$/.test(second?.commit?.oid ?? '') && second.commit.oid !== first,
  `commit: ${JSON.stringify(second)}`)
check(second?.commit?.url === `${hubUrl}/datasets/tributary/js-pushed/commit/${second?.commit?.oid}`,
  `commit url: ${second?.commit?.url}`)
files.set('README.md', readme2)
files.delete('notes/old.txt')

// A stale parent: refused, nothing changed.
await refused(commit({
  repo, hubUrl, accessToken, title: 'Stale', parentCommit: first,
  operations: [{ operation: 'addOrUpdate', path: 'x.txt', content: new Blob(['x']) }]
}), 412, 'commit on a stale parent')

const info = await datasetInfo({ name: repo.name, hubUrl, additionalFields: ['sha'] })
check(info.sha === second?.commit?.oid, `datasetInfo sha ${info.sha}`)
const listed = []
for await (const f of listFiles({ repo, hubUrl, recursive: true })) {
  if (f.type === 'file') listed.push(f.path)
}
check(JSON.stringify(listed.sort()) === JSON.stringify([...files.keys()].sort()),
  `listFiles: ${listed}`)
for (const [path, bytes] of files) {
  const blob = await downloadFile({ repo, hubUrl, path })
  const got = blob ? Buffer.from(await blob.arrayBuffer()) : null
  check(got && sha256(got) === sha256(bytes), `downloadFile ${path} differs`)
}
// The first commit is still readable by its id.
const old = await downloadFile({ repo, hubUrl, path: 'notes/old.txt', revision: first })
check(old && Buffer.from(await old.arrayBuffer()).toString() === 'to be deleted\n',
  'downloadFile at the first commit')

if (problems.length > 0) {
  for (const p of problems) console.log(p)
  process.exit(1)
}
console.log('hub write: ok')
