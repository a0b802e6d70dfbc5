// The peer of tests/bench/publish: the official @huggingface/hub client
// pushing every file of a release folder to a node (hubUrl), each file
// streamed from disk (fs.openAsBlob), as a user of the library would.
//
//   node tests/bench/publish_js.mjs RELEASE_DIR HUB_URL TOKEN NS/NAME
import { openAsBlob } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { createRepo, uploadFiles } from '@huggingface/hub'

const [dir, hubUrl, accessToken, name] = process.argv.slice(2)
const repo = { type: 'dataset', name }

async function walk (d) {
  const out = []
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name)
    if (e.isDirectory()) out.push(...await walk(p))
    else out.push(p)
  }
  return out
}

await createRepo({ repo, accessToken, hubUrl }).catch((e) => {
  if (!/409|already/i.test(String(e))) throw e
})
const files = []
for (const p of await walk(dir)) {
  files.push({ path: relative(dir, p), content: await openAsBlob(p) })
}
await uploadFiles({ repo, accessToken, hubUrl, files, useXet: false })
console.log(`uploaded ${files.length} files`)
