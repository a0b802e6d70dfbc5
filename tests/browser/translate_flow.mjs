/*
** Browser test of the translation page (issue 18): the node's webroot is
** a copy whose Ewe catalog lacks strings, so Ewe is one string short of
** 90% and not in the language menu. A maintainer opens Translate, sees the
** missing strings first, saves one (a wrong placeholder is refused), and
** may not mark her own work reviewed; Ewe is now in the menu, a draft. A
** reviewer she lets translate marks it reviewed as the second speaker.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/translate_flow.mjs
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, log, run, shot, ready, checkPage, newPage, runFlow, pageFetch } from './harness.mjs';

/* `tributary user add` with a passphrase on stdin. */
function addUser(data, handle, role) {
	execFileSync(BIN, ['user', 'add', '--data', data, handle, '--role', role, '--passphrase-stdin'],
	    { cwd: REPO, input: `${handle}'s passphrase\n`, encoding: 'utf8' });
}

async function logIn(page, base, handle) {
	await page.goto(`${base}/join.html`);
	await ready(page);
	const r = await pageFetch(page, 'POST', '/api/v1/login', { handle, passphrase: `${handle}'s passphrase` });
	assert.equal(r.status, 200, `${handle}'s login: ${r.status} ${r.text}`);
}

async function menuLangs(page) {
	return page.locator('#lang option').evaluateAll((os) => os.map((o) => o.value));
}

await runFlow('tributary-translate-', async (f) => {
	const { data, problems } = f;

	f.step = 'webroot with a short Ewe catalog';
	const web = join(f.tmp, 'webroot');
	cpSync(join(REPO, 'webroot'), web, { recursive: true });
	const en = JSON.parse(readFileSync(join(web, 'i18n', 'en.json'), 'utf8'));
	const ee = JSON.parse(readFileSync(join(web, 'i18n', 'ee.json'), 'utf8'));
	const keys = Object.keys(en).filter((k) => !k.startsWith('_'));
	/* one string short of 90%: the first ones a page shows stay */
	const keep = Math.ceil(keys.length * 0.9) - 1;
	const dropped = new Set(keys.slice(keep));
	for (const k of dropped)
		delete ee[k];
	writeFileSync(join(web, 'i18n', 'ee.json'), JSON.stringify(ee, null, 1) + '\n');

	f.step = 'node';
	run(['init', '--data', data]);
	addUser(data, 'mia', 'maintainer');
	addUser(data, 'rita', 'reviewer');
	/* a copy: readings are written beside the consent documents */
	const consentDir = join(f.tmp, 'consent');
	cpSync(join(REPO, 'consent'), consentDir, { recursive: true });
	const base = await f.serve({ webroot: web, consentDir });
	const browser = await f.launch();

	f.step = 'Ewe is not offered';
	let st = await (await fetch(`${base}/api/v1/i18n`)).json();
	let row = st.languages.find((l) => l.lang === 'ee');
	assert.ok(row && row.offered === false && row.have === keep, `ee before: ${JSON.stringify(row)}`);

	const { page } = await newPage(browser, problems);
	await logIn(page, base, 'mia');
	await page.goto(`${base}/translate.html?to=ee`);
	await ready(page);
	assert.ok(!(await menuLangs(page)).includes('ee'), 'Ewe in the menu at under 90%');
	await page.locator('#signed-in').waitFor();
	await checkPage(page);
	await shot(page, 'translate-00-page');

	f.step = 'the missing strings come first';
	const first = page.locator('#rows li').first();
	const key = await first.getAttribute('data-key');
	assert.ok(dropped.has(key), `the first row ${key} is not a missing string`);
	assert.equal(await first.getAttribute('data-missing'), 'true');

	f.step = 'a wrong placeholder is refused, a right one saved';
	const english = en[key];
	const area = first.locator('textarea');
	const placeholders = english.match(/\{[A-Za-z0-9_]+\}/g) || [];
	if (placeholders.length > 0) {
		await area.fill('Eʋegbe');
		await first.getByRole('button', { name: 'Save' }).click();
		await first.locator('[role=alert] p').first().waitFor();
	}
	await area.fill(`Eʋegbe ${placeholders.join(' ')}`.trim());
	await first.getByRole('button', { name: 'Save' }).click();
	await first.getByText('Saved as a draft.').waitFor();
	await shot(page, 'translate-01-saved');

	f.step = 'a recorded reading of the consent text';
	const wav = join(f.tmp, 'reading.wav');
	const pcm = Buffer.alloc(32000);
	for (let i = 0; i < 16000; i++)
		pcm.writeInt16LE(Math.round(8000 * Math.sin(i / 8)), 2 * i);
	const hdr = Buffer.alloc(44);
	hdr.write('RIFF', 0);
	hdr.writeUInt32LE(36 + pcm.length, 4);
	hdr.write('WAVEfmt ', 8);
	hdr.writeUInt32LE(16, 16);
	hdr.writeUInt16LE(1, 20);
	hdr.writeUInt16LE(1, 22);
	hdr.writeUInt32LE(16000, 24);
	hdr.writeUInt32LE(32000, 28);
	hdr.writeUInt16LE(2, 32);
	hdr.writeUInt16LE(16, 34);
	hdr.write('data', 36);
	hdr.writeUInt32LE(pcm.length, 40);
	writeFileSync(wav, Buffer.concat([hdr, pcm]));
	await page.setInputFiles('#reading-file', wav);
	await page.getByRole('button', { name: 'Upload the reading' }).click();
	await page.locator('#reading-status').getByText('The reading is uploaded').waitFor();
	const doc = await (await fetch(`${base}/api/v1/consent/general?lang=ee`)).json();
	assert.ok(typeof doc.reading === 'string' && doc.reading.includes('lang=ee'), `the consent page's reading: ${doc.reading}`);

	f.step = 'not reviewed by the one who wrote it';
	await page.getByRole('button', { name: 'Mark this language reviewed' }).click();
	await page.locator('#review-error').getByText('a second speaker must review them').waitFor();

	f.step = 'Ewe is offered now, a draft';
	st = await (await fetch(`${base}/api/v1/i18n`)).json();
	row = st.languages.find((l) => l.lang === 'ee');
	assert.ok(row.offered === true && row.reviewed === false && row.overrides === 1, `ee after: ${JSON.stringify(row)}`);
	await page.goto(`${base}/`);
	await ready(page);
	assert.ok((await menuLangs(page)).includes('ee'), 'Ewe is not in the menu at 90%');

	f.step = 'the maintainer lets a reviewer translate';
	const second = await newPage(browser, problems);
	await logIn(second.page, base, 'rita');
	const rita = JSON.parse((await pageFetch(second.page, 'GET', '/api/v1/me')).text).account;
	const g = await pageFetch(page, 'POST', `/api/v1/accounts/${rita.id}/translator`, { can_translate: true });
	assert.equal(g.status, 200, `translator: ${g.text}`);

	f.step = 'a second speaker marks Ewe reviewed';
	await second.page.goto(`${base}/translate.html?to=ee`);
	await ready(second.page);
	await second.page.locator('#signed-in').waitFor();
	await second.page.getByRole('button', { name: 'Mark this language reviewed' }).click();
	await second.page.locator('#status').getByText('The language is marked reviewed.').waitFor();
	await shot(second.page, 'translate-02-reviewed');
	st = await (await fetch(`${base}/api/v1/i18n`)).json();
	row = st.languages.find((l) => l.lang === 'ee');
	assert.equal(row.reviewed, true, `ee reviewed: ${JSON.stringify(row)}`);
	log('translation page: saved, refused to its writer, reviewed by a second speaker, offered');
});
