// The official Hub client, @huggingface/hub (pinned in package.json),
// pointed at a node with hubUrl: everything a JS user does to read a
// release, at main, at a tag and at a commit, checked against the files
// of the release's folder on disk; and a retired release refused.
//
//   node tests/hub/read.mjs BASE_URL NODE_DIR
//       BASE_URL: http://127.0.0.1:PORT of a node serving dataset
//       tributary/ewe, its release 1.1.0 served (main) and 1.0.0 retired
//       (tests/check_hub_read.c makes that node and runs this).
//       Prints "hub: ok" and exits 0, or prints what differs and exits 1.
import { mkdtempSync, readFileSync, rmSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { createHash } from 'node:crypto'
import {
  datasetInfo, listDatasets, listFiles, fileDownloadInfo, downloadFile,
  snapshotDownload, pathsInfo, HubApiError
} from '@huggingface/hub'

const [hubUrl, nodeDir] = process.argv.slice(2)
if (!hubUrl || !nodeDir) {
  console.error('usage: node tests/hub/read.mjs BASE_URL NODE_DIR')
  process.exit(2)
}
const repo = { type: 'dataset', name: 'tributary/ewe' }
const folder = join(nodeDir, 'releases', '1.1.0')
const problems = []
const check = (ok, what) => { if (!ok) problems.push(what) }
const sha256 = (b) => createHash('sha256').update(b).digest('hex')

// Every file of the release's folder, by repo path.
function folderFiles (dir, base = dir, out = new Map()) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) folderFiles(p, base, out)
    else out.set(relative(base, p), readFileSync(p))
  }
  return out
}
const onDisk = folderFiles(folder)
const sha = createHash('sha256').update(onDisk.get('manifest.json'))
  .digest('hex').slice(0, 40)

// Does ${promise} reject with a 404 HubApiError?
async function refused (promise, what) {
  try {
    await promise
    problems.push(`${what}: was answered`)
  } catch (err) {
    check(err instanceof HubApiError && err.statusCode === 404,
      `${what}: ${err}`)
    return err
  }
}

for (const revision of [undefined, 'main', '1.1.0', 'v1.1.0', sha]) {
  const at = revision ?? '(default)'
  const info = await datasetInfo({ name: repo.name, hubUrl, revision, additionalFields: ['sha', 'cardData'] })
  check(info.name === 'tributary/ewe', `datasetInfo ${at}: name ${info.name}`)
  check(info.sha === sha, `datasetInfo ${at}: sha ${info.sha}, wanted ${sha}`)
  check(info.private === false, `datasetInfo ${at}: private`)
  check(!Number.isNaN(info.updatedAt.getTime()), `datasetInfo ${at}: updatedAt`)
  check(info.cardData?.license === 'cc-by-4.0', `datasetInfo ${at}: cardData`)

  const files = []
  for await (const f of listFiles({ repo, hubUrl, revision, recursive: true })) files.push(f)
  const listed = files.filter((f) => f.type === 'file')
  check(listed.length === onDisk.size,
    `listFiles ${at}: ${listed.length} files, the folder has ${onDisk.size}`)
  for (const f of listed) {
    const bytes = onDisk.get(f.path)
    check(bytes !== undefined, `listFiles ${at}: ${f.path} is not in the folder`)
    if (!bytes) continue
    check(f.size === bytes.length, `listFiles ${at}: ${f.path} size`)
    if (f.path.endsWith('.parquet')) {
      check(f.lfs?.oid === sha256(bytes), `listFiles ${at}: ${f.path} lfs.oid`)
    }
  }
  check(files.some((f) => f.type === 'directory' && f.path === 'data'),
    `listFiles ${at}: no data directory`)

  const parquet = listed.find((f) => f.path.endsWith('.parquet')).path
  const dl = await fileDownloadInfo({ repo, hubUrl, revision, path: parquet })
  check(dl && dl.size === onDisk.get(parquet).length, `fileDownloadInfo ${at}: size`)
  check(dl && dl.etag.replace(/"/g, '') === sha256(onDisk.get(parquet)),
    `fileDownloadInfo ${at}: etag ${dl?.etag}`)
  check(dl && dl.xet === undefined, `fileDownloadInfo ${at}: xet`)

  for (const path of ['README.md', parquet, 'manifest.sig']) {
    const blob = await downloadFile({ repo, hubUrl, revision, path })
    const got = blob ? Buffer.from(await blob.arrayBuffer()) : null
    check(got && got.equals(onDisk.get(path)), `downloadFile ${at}: ${path} differs`)
  }
  check(await downloadFile({ repo, hubUrl, revision, path: 'no/such.file' }) === null,
    `downloadFile ${at}: a missing path is not null`)
  check(await fileDownloadInfo({ repo, hubUrl, revision, path: 'missing.txt' }) === null,
    `fileDownloadInfo ${at}: a missing path is not null`)

  const pi = await pathsInfo({ repo, hubUrl, revision, paths: ['README.md', parquet, 'nope'], expand: true })
  check(pi.length === 2, `pathsInfo ${at}: ${pi.length} entries`)
  check(pi[0]?.lastCommit?.id === sha, `pathsInfo ${at}: lastCommit`)
  check(pi[1]?.lfs?.oid === sha256(onDisk.get(parquet)), `pathsInfo ${at}: lfs`)
}

// A whole snapshot into a cache of its own, file for file.
const cacheDir = mkdtempSync(join(tmpdir(), 'tributary-hub-'))
try {
  for (const revision of ['main', '1.1.0']) {
    const snap = await snapshotDownload({ repo, hubUrl, revision, cacheDir })
    check(snap.endsWith(sha), `snapshotDownload ${revision}: ${snap}`)
    for (const [path, bytes] of onDisk) {
      let got = null
      try { got = readFileSync(join(snap, path)) } catch {}
      check(got && got.equals(bytes), `snapshotDownload ${revision}: ${path} differs`)
    }
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true })
}

// The node's datasets
const all = []
for await (const d of listDatasets({ hubUrl })) all.push(d)
check(all.length === 1 && all[0].name === 'tributary/ewe', `listDatasets: ${JSON.stringify(all)}`)

// The retired release: refused everywhere, its successor named
const err = await refused(datasetInfo({ name: repo.name, hubUrl, revision: '1.0.0' }), 'datasetInfo 1.0.0')
check(err && /successor is 1\.1\.0/.test(err.message), `retired: ${err?.message}`)
await refused(fileDownloadInfo({ repo, hubUrl, revision: '1.0.0', path: 'README.md' }), 'fileDownloadInfo 1.0.0')
await refused(downloadFile({ repo, hubUrl, revision: '1.0.0', path: 'README.md' }), 'downloadFile 1.0.0')
await refused((async () => { for await (const f of listFiles({ repo, hubUrl, revision: '1.0.0' })) void f })(), 'listFiles 1.0.0')
await refused(pathsInfo({ repo, hubUrl, revision: '1.0.0', paths: ['README.md'] }), 'pathsInfo 1.0.0')
await refused(datasetInfo({ name: 'tributary/nothing', hubUrl }), 'datasetInfo of no repo')

if (problems.length > 0) {
  for (const p of problems) console.log(p)
  process.exit(1)
}
console.log('hub: ok')
