/*
** Browser test of the translation page (issue 18): the node's webroot is
** a copy whose Ewe catalog lacks strings, so Ewe is one string short of
** 90% and not in the language menu. A maintainer opens Translate, sees the
** missing strings first, saves one (a wrong placeholder is refused), and
** may not mark her own work reviewed; Ewe is now in the menu, a draft. A
** reviewer she lets translate marks it reviewed as the second speaker.
** Then the consent document: its Ewe copy lacks a paragraph, which the
** maintainer fills in on the "Consent document" tab (first, as missing);
** she may not mark it reviewed, the reviewer does, and the consent page
** in Ewe, which showed the draft notice, shows it as reviewed with the
** new paragraph, without a restart.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/translate_flow.mjs
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
	/* The Ewe consent text of the latest version lacks the last
	** paragraph of its first section. */
	const current = Math.max(...readdirSync(join(consentDir, 'general')).filter((d) => /^\d+$/.test(d)).map(Number));
	const eePath = join(consentDir, 'general', String(current), 'ee.md');
	const eeText = readFileSync(eePath, 'utf8');
	const cut = eeText.replace(/\n\n[^\n]+(\n\n## [^\n]*\{#who-sees\})/, '$1');
	assert.notEqual(cut, eeText, 'the Ewe paragraph to drop was not found');
	writeFileSync(eePath, cut);
	run(['campaign', 'import', '--data', data, join(REPO, 'tests', 'browser', 'campaign.json')]);
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

	f.step = 'the consent page in Ewe shows a draft';
	const reader = await newPage(browser, problems);
	await logIn(reader.page, base, 'rita');
	await reader.page.goto(`${base}/consent.html?campaign=demo-text`);
	await ready(reader.page);
	await reader.page.locator('#consent-view').waitFor();
	await reader.page.selectOption('#lang', 'ee');
	await reader.page.locator('#unreviewed').waitFor();

	f.step = 'the missing Ewe paragraph of the consent document comes first';
	await page.goto(`${base}/translate.html?to=ee`);
	await ready(page);
	await page.locator('#signed-in').waitFor();
	await page.getByRole('button', { name: 'Consent document' }).click();
	const part = page.locator('#cparts li').first();
	await part.waitFor();
	assert.equal(await part.getAttribute('data-missing'), 'true');
	const partId = await part.getAttribute('data-part');
	assert.ok(partId.startsWith('para.collected.'), `the first part is ${partId}`);
	await checkPage(page);
	await part.locator('textarea').fill('Ne èɖe mɔ to nya gbɔgblɔ me la, míedzraa gbexɔxɔ ma ɖo abe kpeɖodzi ko ene.');
	await part.getByRole('button', { name: 'Save' }).click();
	await part.getByText('Saved as a draft.').waitFor();
	assert.equal(await part.getAttribute('data-missing'), 'false');
	await shot(page, 'translate-03-consent-draft');

	f.step = 'not reviewed by the one who wrote it';
	await page.getByRole('button', { name: 'Mark the consent translation reviewed' }).click();
	await page.locator('#creview-error').getByText('You saved part of this translation: a second speaker must review it.').waitFor();

	f.step = 'a second speaker marks the consent translation reviewed';
	await second.page.goto(`${base}/translate.html?to=ee&tab=consent`);
	await ready(second.page);
	await second.page.locator('#cparts li').first().waitFor();
	await second.page.getByRole('button', { name: 'Mark the consent translation reviewed' }).click();
	await second.page.locator('#cstatus').getByText('The consent translation is reviewed').waitFor();
	await shot(second.page, 'translate-04-consent-reviewed');
	const doc2 = await (await fetch(`${base}/api/v1/consent/general?lang=ee`)).json();
	assert.ok(doc2.reviewed === true && doc2.version === current && doc2.binding === null,
	    `Ewe consent after the review: ${JSON.stringify({ reviewed: doc2.reviewed, version: doc2.version })}`);
	assert.ok(readFileSync(eePath, 'utf8') === cut, 'the shipped copy was written to');
	const made = readFileSync(join(data, 'consent', 'general', String(current), 'ee.md'), 'utf8');
	assert.ok(/^reviewed: true$/m.test(made) && made.includes('kpeɖodzi ko ene.'), 'the document made on the node');

	f.step = 'the consent page shows it as reviewed';
	await reader.page.reload();
	await ready(reader.page);
	await reader.page.locator('#consent-view').waitFor();
	await reader.page.locator('#doc-body', { hasText: 'kpeɖodzi ko ene.' }).waitFor({ state: 'attached' });
	assert.equal(await reader.page.locator('#unreviewed').isVisible(), false, 'the reviewed Ewe text shows no draft notice');
	assert.equal(await reader.page.locator('#binding-text').isVisible(), false, 'no binding English beside a reviewed text');
	await shot(reader.page, 'translate-05-consent-page');
	log('consent document: a missing Ewe paragraph filled, refused to its writer, reviewed by a second speaker, shown as reviewed');
});
