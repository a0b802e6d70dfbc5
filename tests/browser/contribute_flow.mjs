/*
** Browser test of flows 3 and 6 (contribute text, see it, export, withdraw)
** and of the account administration page, against a real `tributary
** serve` on a fresh node, driven through Debian's chromium.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/contribute_flow.mjs
**
** Screenshots (360x740) land in tests/out/screenshots/ as c*.png. Exits
** non-zero on any failure; the server and the browser are always stopped.
*/
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	REPO, log, run, shot, ready, checkPage, pageFetch, driveCodes, newPage, initNode, runFlow,
} from './harness.mjs';

const PIN = '5307';
const NEW_PIN = '918273';

const EMAIL = 'ama.owusu@example.com';
const PHONE = '+233 24 123 4567';
const NAME = 'Akosua Agyeman';
const TEXT = `Write to me at ${EMAIL} or call ${PHONE} about the harvest song ${NAME} taught us.`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CODE = /^[A-Z0-9]{4}(?:-[A-Z0-9]{4})+$/;

function json(r, what) {
	try {
		return JSON.parse(r.text);
	} catch {
		throw new Error(`${what}: not JSON (${r.status}): ${r.text.slice(0, 300)}`);
	}
}

assert.ok(existsSync(join(REPO, 'redact')), `no redaction rules at ${join(REPO, 'redact')}`);
await runFlow('tributary-browser-', async (f) => {
	const { data, problems } = f;

	f.step = 'init';
	const adminCode = initNode(data);
	f.step = 'campaign import';
	run(['campaign', 'import', '--data', data, join(REPO, 'tests', 'browser', 'campaign.json')]);
	/* A drive that must keep people's names ("redact": {"names": false}). */
	const keep = { ...JSON.parse(readFileSync(join(REPO, 'tests', 'browser', 'campaign.json'), 'utf8')),
		slug: 'keep-names', title: 'Family histories', redact: { names: false } };
	delete keep.prompts;
	writeFileSync(join(f.tmp, 'keep-names.json'), JSON.stringify(keep));
	run(['campaign', 'import', '--data', data, join(f.tmp, 'keep-names.json')]);
	f.step = 'drive-codes';
	const [card] = driveCodes(data, 'demo-text', 2);
	log(`drive code ${card}, admin code ${adminCode}`);

	f.step = 'serve';
	const base = await f.serve();
	log(`server at ${base}`);

	const browser = await f.launch();

	/* ---- a contributor: card, consent, contribute ---- */
	const { ctx, page } = await newPage(browser, problems);

	f.step = 'contribute: logged out goes to join';
	await page.goto(`${base}/contribute.html?campaign=demo-text`);
	await page.waitForURL(/\/join\.html\?next=contribute&campaign=demo-text/);
	await ready(page);
	assert.equal(await page.locator('nav a[href="contribute.html"]').count(), 1, 'Contribute in the menu');
	assert.equal(await page.locator('nav a[href="contributions.html"]').count(), 1, 'My contributions in the menu');
	assert.equal(await page.locator('#nav-admin').isVisible(), false, 'no Admin in the menu when logged out');

	f.step = 'log in with card and PIN';
	await page.fill('#card', card);
	await page.fill('#pin', PIN);
	/* a card new to this phone asks for its PIN twice */
	if (await page.locator('#pin2').isVisible())
		await page.fill('#pin2', PIN);
	await page.getByRole('button', { name: 'Continue with my card' }).click();
	await page.waitForURL(/\/contribute\.html\?campaign=demo-text/);
	await ready(page);
	assert.equal(await page.locator('#nav-admin').isVisible(), false, 'no Admin in the menu for a contributor');

	f.step = 'contribute without consent';
	await page.locator('#no-consent').waitFor();
	assert.equal(await page.locator('#write-view').isVisible(), false, 'no text box before consent');
	const early = await pageFetch(page, 'POST', '/api/v1/contributions',
	    { campaign: 'demo-text', text: 'Too early.' }, { 'Idempotency-Key': '00000000-0000-4000-8000-000000000001' });
	assert.equal(early.status, 403, `POST /api/v1/contributions before consent: ${early.status} ${early.text}`);
	assert.equal(json(early, 'consent_required').error?.code, 'consent_required');
	await checkPage(page);
	await shot(page, 'c00-no-consent');

	f.step = 'admin page as a contributor';
	await page.goto(`${base}/admin.html`);
	await ready(page);
	await page.locator('#not-allowed').waitFor();
	assert.equal(await page.locator('#admin-view').isVisible(), false);
	assert.equal(await page.locator('#reissue-by-id').isVisible(), false, 'no card form for a contributor');
	await shot(page, 'c00b-admin-forbidden');
	await page.goBack();
	await ready(page);

	f.step = 'give consent through the page';
	await page.locator('#no-consent').getByRole('link', { name: 'Read the consent' }).click();
	await page.waitForURL(/\/consent\.html\?campaign=demo-text/);
	await ready(page);
	await page.locator('#scope-list input').first().waitFor();
	await page.getByLabel(/Publish my text/).check();
	await page.getByLabel(/I am 16 or older/).check();
	await page.getByRole('button', { name: 'Give my consent' }).click();
	await page.locator('#done').waitFor();
	const now = page.locator('#done').getByRole('link', { name: 'Contribute now' });
	assert.match(await now.getAttribute('href'), /^contribute\.html\?campaign=demo-text$/);
	await shot(page, 'c00c-consent-done', page.locator('#done'));
	await now.click();
	await page.waitForURL(/\/contribute\.html\?campaign=demo-text/);
	await ready(page);

	f.step = 'contribute page';
	await page.locator('#write-view').waitFor();
	assert.match(await page.locator('#campaign-line').textContent(), /Community text drive/);
	/* the drive's prompts: one is shown, another is a click away */
	const PROMPTS = JSON.parse(readFileSync(join(REPO, 'tests', 'browser', 'campaign.json'), 'utf8')).prompts;
	assert.equal(await page.locator('#prompt-box').isVisible(), true, 'the drive has prompts: one is shown');
	const firstPrompt = await page.locator('#prompt-text').textContent();
	assert.ok(PROMPTS.includes(firstPrompt), `shown prompt "${firstPrompt}" is one of the drive's`);
	await page.locator('#prompt-next').click();
	const shownPrompt = await page.locator('#prompt-text').textContent();
	assert.ok(PROMPTS.includes(shownPrompt) && shownPrompt !== firstPrompt, 'another prompt on request');
	assert.equal(await page.locator('#counter').textContent(), 'Characters: 0 of 2000');
	await page.getByRole('button', { name: 'Preview' }).click();
	await page.locator('#write-error p', { hasText: 'empty' }).waitFor();

	f.step = 'too long';
	await page.fill('#text', 'a'.repeat(2001));
	assert.match(await page.locator('#counter').textContent(), /2001 of 2000/);
	assert.equal(await page.locator('#counter').evaluate((e) => e.classList.contains('over')), true);
	assert.equal(await page.getAttribute('#text', 'aria-invalid'), 'true');
	await page.getByRole('button', { name: 'Preview' }).click();
	await page.locator('#write-error p', { hasText: 'at most 2000 characters' }).waitFor();
	const big = await pageFetch(page, 'POST', '/api/v1/contributions',
	    { campaign: 'demo-text', text: 'b'.repeat(2001) }, { 'Idempotency-Key': '00000000-0000-4000-8000-000000000002' });
	assert.equal(big.status, 413, `POST /api/v1/contributions of 2001 characters: ${big.status} ${big.text}`);
	const bigErr = json(big, 'too_large').error;
	assert.equal(bigErr?.code, 'too_large');
	assert.match(bigErr?.message ?? '', /2000/, 'the 413 message names the limit');
	const empty = await pageFetch(page, 'POST', '/api/v1/contributions',
	    { campaign: 'demo-text', text: '   ' }, { 'Idempotency-Key': '00000000-0000-4000-8000-000000000003' });
	assert.equal(empty.status, 400, `POST /api/v1/contributions of blanks: ${empty.status} ${empty.text}`);
	assert.equal(json(empty, 'empty').error?.code, 'empty');

	f.step = 'write';
	await page.fill('#text', TEXT);
	assert.equal(await page.locator('#counter').textContent(), `Characters: ${[...TEXT].length} of 2000`);
	assert.equal(await page.getAttribute('#text', 'aria-invalid'), null);
	await checkPage(page);
	await shot(page, 'c01-contribute');

	f.step = 'preview';
	const [redReq, redResp] = await Promise.all([
		page.waitForRequest((r) => r.url().endsWith('/api/v1/redact')),
		page.waitForResponse((r) => r.url().endsWith('/api/v1/redact')),
		page.getByRole('button', { name: 'Preview' }).click(),
	]);
	assert.deepEqual(redReq.postDataJSON(), { text: TEXT, campaign: 'demo-text' }, 'the preview names its drive');
	assert.equal(redResp.status(), 200, `POST /api/v1/redact: ${redResp.status()} ${await redResp.text()}`);
	const red = await redResp.json();
	assert.deepEqual(red.report, { EMAIL: 1, PHONE: 1, NAME: 1 }, `redaction report ${JSON.stringify(red.report)}`);
	await page.locator('#preview-view').waitFor();
	const shown = await page.locator('#preview-text').textContent();
	assert.match(shown, /\[EMAIL\]/);
	assert.match(shown, /\[PHONE\]/);
	assert.ok(!shown.includes(EMAIL), 'the preview hides the e-mail address');
	assert.ok(!shown.includes('123 4567') && !shown.includes('1234567'), 'the preview hides the phone number');
	assert.match(shown, /\[NAME\]/);
	assert.ok(!shown.includes('Akosua') && !shown.includes('Agyeman'), 'the preview hides the name');
	assert.match(shown, /harvest song/);
	assert.equal(await page.locator('#preview-text mark.ph').count(), 3, 'placeholders are marked');
	assert.equal(await page.locator('#preview-text mark.ph', { hasText: '[NAME]' }).count(), 1, '[NAME] is marked');
	assert.equal(await page.locator('#removed-text').textContent(),
	    "1 e-mail address, 1 phone number, 1 person's name");
	await checkPage(page);
	await shot(page, 'c02-preview');

	f.step = 'preview in French and Russian';
	await page.selectOption('#lang', 'fr');
	await page.locator('#removed-text', { hasText: '1 adresse e-mail' }).waitFor();
	assert.match(await page.locator('#removed-text').textContent(), /1 numéro de téléphone/);
	assert.match(await page.locator('#removed-text').textContent(), /1 nom de personne/);
	await page.selectOption('#lang', 'ru');
	await page.locator('#removed-text', { hasText: '1 адрес электронной почты' }).waitFor();
	assert.match(await page.locator('#removed-text').textContent(), /1 имя человека/);
	await page.selectOption('#lang', 'en');
	await page.locator('#removed-text', { hasText: '1 e-mail address' }).waitFor();

	f.step = 'send';
	const [sendReq, sendResp] = await Promise.all([
		page.waitForRequest((r) => r.url().endsWith('/api/v1/contributions') && r.method() === 'POST'),
		page.waitForResponse((r) => r.url().endsWith('/api/v1/contributions') && r.request().method() === 'POST'),
		page.getByRole('button', { name: 'Send' }).click(),
	]);
	const key = sendReq.headers()['idempotency-key'];
	assert.match(key ?? '', UUID, `Idempotency-Key ${key}`);
	assert.ok(sendReq.headers()['x-csrf-token'], 'the POST carries the CSRF token');
	const sentBody = sendReq.postDataJSON();
	assert.equal(sentBody.campaign, 'demo-text');
	assert.equal(sentBody.text, TEXT);
	assert.ok(Number.isInteger(sentBody.prompt_id) && sentBody.prompt === undefined,
	    `the prompt on screen is sent by its id: ${JSON.stringify(sentBody)}`);
	assert.equal(sendResp.status(), 201, `POST /api/v1/contributions: ${sendResp.status()} ${await sendResp.text()}`);
	const made = (await sendResp.json()).contribution;
	assert.ok(made && made.id, 'the answer holds the contribution');
	assert.ok(!String(made.text).includes(EMAIL), 'the stored text is redacted');
	assert.ok(String(made.text).includes('[NAME]') && !String(made.text).includes(NAME), 'the stored text has no name');
	assert.equal(made.prompt, shownPrompt, 'and the text of that id, the one on screen, is kept with it');
	await page.locator('#done').waitFor();
	const drafts = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tributary.draft.')));
	assert.deepEqual(drafts, [], 'the draft and its key are gone after success');
	await checkPage(page);
	await shot(page, 'c03-sent');

	f.step = "a drive that keeps names";
	const named = 'Akosua Agyeman sang it, write to ama@example.com';
	const asDemo = await pageFetch(page, 'POST', '/api/v1/redact', { text: named, campaign: 'demo-text' });
	assert.equal(json(asDemo, 'preview').text, '[NAME] sang it, write to [EMAIL]');
	const asKeep = await pageFetch(page, 'POST', '/api/v1/redact', { text: named, campaign: 'keep-names' });
	assert.equal(asKeep.status, 200, `preview for keep-names: ${asKeep.status} ${asKeep.text}`);
	assert.equal(json(asKeep, 'preview').text, 'Akosua Agyeman sang it, write to [EMAIL]', 'names kept, the rest not');
	const asNone = await pageFetch(page, 'POST', '/api/v1/redact', { text: named, campaign: 'no-such-drive' });
	assert.equal(asNone.status, 404, `preview for a missing drive: ${asNone.status} ${asNone.text}`);
	assert.equal(await page.locator('#names-line').isVisible(), false, 'this drive replaces names: no note');

	f.step = 'write another keeps nothing';
	await page.getByRole('button', { name: 'Write another' }).click();
	await page.locator('#write-view').waitFor();
	assert.equal(await page.inputValue('#text'), '');

	f.step = 'a draft survives a reload with its key';
	await page.fill('#text', 'Half a thought about the river');
	await page.reload();
	await ready(page);
	await page.locator('#write-view').waitFor();
	assert.equal(await page.inputValue('#text'), 'Half a thought about the river');
	assert.equal(await page.locator('#draft-kept').isVisible(), true);
	await page.fill('#text', '');
	await page.evaluate(() => {
		for (const k of Object.keys(localStorage))
			if (k.startsWith('tributary.draft.'))
				localStorage.removeItem(k);
	});

	f.step = 'idempotency from the page';
	const idemKey = await page.evaluate(() => crypto.randomUUID());
	const idemBody = { campaign: 'demo-text', text: 'The river song, sung twice but kept once.' };
	const first = await pageFetch(page, 'POST', '/api/v1/contributions', idemBody, { 'Idempotency-Key': idemKey });
	const again = await pageFetch(page, 'POST', '/api/v1/contributions', idemBody, { 'Idempotency-Key': idemKey });
	assert.equal(first.status, 201, `first POST: ${first.status} ${first.text}`);
	assert.equal(again.status, 200, `same key again: ${again.status} ${again.text}`);
	assert.deepEqual(json(again, 'retry'), json(first, 'first'), 'a retry answers the same body');
	assert.equal(again.text, first.text, 'byte for byte');
	const other = await pageFetch(page, 'POST', '/api/v1/contributions',
	    { ...idemBody, text: 'Another text under a used key.' }, { 'Idempotency-Key': idemKey });
	assert.equal(other.status, 409, `a used key with another text: ${other.status} ${other.text}`);

	f.step = 'my contributions';
	await page.goto(`${base}/contributions.html`);
	await ready(page);
	await page.locator('#list > li').first().waitFor();
	assert.equal(await page.locator('#list > li').count(), 2, 'two contributions');
	const mine = page.locator(`#list > li[data-contribution="${made.id}"]`);
	const mineText = await mine.locator('.contribution-text').textContent();
	assert.match(mineText, /\[EMAIL\]/);
	assert.ok(!mineText.includes(EMAIL), 'My contributions shows the redacted text');
	assert.equal((await mine.locator('.badge').textContent()).trim(), 'Waiting for review');
	assert.match(await mine.textContent(), /1 e-mail address, 1 phone number/);
	assert.match(await mine.locator('h2').textContent(), /Community text drive/);
	/* newest first */
	assert.equal(await page.locator('#list > li').first().getAttribute('data-contribution'),
	    String(json(first, 'first').contribution.id));
	await checkPage(page);
	await shot(page, 'c04-contributions');

	f.step = 'about you';
	/* Optional answers: a number in the variety is refused in plain words,
	** nothing is lost; the answers stay after a reload and reach the export. */
	await page.getByLabel('Age range').selectOption('30-39');
	await page.getByLabel('Gender').selectOption({ label: 'Woman' });
	await page.getByLabel('Dialect or accent').fill('Anlo 0244');
	await page.getByRole('button', { name: 'Save' }).click();
	await page.locator('#about-error', { hasText: /digits/ }).waitFor();
	assert.equal(await page.getByLabel('Age range').inputValue(), '30-39', 'a refusal loses nothing typed');
	await page.getByLabel('Dialect or accent').fill('  Anlo  ');
	const [saved] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/v1/me/demographics') && r.request().method() === 'POST'),
		page.getByRole('button', { name: 'Save' }).click(),
	]);
	assert.equal(saved.status(), 200, `save: ${saved.status()} ${await saved.text()}`);
	await page.locator('#status', { hasText: /Saved/ }).waitFor();
	await page.reload();
	await ready(page);
	await page.locator('#list > li').first().waitFor();
	assert.equal(await page.getByLabel('Age range').inputValue(), '30-39');
	assert.equal(await page.getByLabel('Gender').inputValue(), 'female');
	assert.equal(await page.getByLabel('Dialect or accent').inputValue(), 'Anlo');
	await checkPage(page);
	await shot(page, 'c04b-about', page.locator('#about'));

	f.step = 'export';
	assert.equal(await page.getAttribute('#export', 'href'), '/api/v1/me/export');
	const exp = await pageFetch(page, 'GET', '/api/v1/me/export');
	assert.equal(exp.status, 200, `GET /api/v1/me/export: ${exp.status} ${exp.text.slice(0, 300)}`);
	assert.match(exp.disposition ?? '', /^attachment/i, `Content-Disposition ${exp.disposition}`);
	assert.match(exp.type ?? '', /json/i);
	json(exp, 'export');
	assert.ok(exp.text.includes('[EMAIL]') && exp.text.includes('harvest song'), 'the export holds the redacted text');
	assert.ok(!exp.text.includes(EMAIL), 'the export never holds the e-mail address');
	assert.ok(!exp.text.includes('123 4567'), 'the export never holds the phone number');
	assert.deepEqual(JSON.parse(exp.text).demographics, { age_range: '30-39', gender: 'female', variety: 'Anlo' },
	    'the export holds what they said about themself');

	f.step = 'withdraw one';
	await mine.getByRole('button', { name: 'Withdraw' }).click();
	const confirm = mine.locator('.confirm');
	await confirm.waitFor();
	assert.match(await confirm.textContent(), /leaves every later release/);
	assert.match(await confirm.textContent(), /cannot be recalled/);
	await checkPage(page);
	await shot(page, 'c05-withdraw-confirm', confirm);
	const [wd] = await Promise.all([
		page.waitForResponse((r) => /\/api\/v1\/contributions\/[^/]+\/withdraw$/.test(r.url())),
		confirm.getByRole('button', { name: 'Yes, withdraw' }).click(),
	]);
	assert.equal(wd.status(), 200, `withdraw: ${wd.status()} ${await wd.text()}`);
	assert.equal((await wd.json()).contribution?.status, 'withdrawn');
	await mine.locator('.badge', { hasText: 'Withdrawn' }).waitFor();
	assert.equal(await mine.locator('button[data-withdraw]').count(), 0);
	assert.match(await page.locator('#status').textContent(), /withdrawn/);
	await shot(page, 'c06-withdrawn', mine);

	f.step = 'withdrawn survives a reload';
	await page.reload();
	await ready(page);
	await page.locator(`#list > li[data-contribution="${made.id}"] .badge`, { hasText: 'Withdrawn' }).waitFor();

	f.step = 'withdraw all';
	await page.getByRole('button', { name: 'Withdraw all my contributions' }).click();
	const all = page.locator('#all-panel .confirm');
	await all.waitFor();
	assert.match(await all.locator('h3').textContent(), /Withdraw your contribution\?/);
	await shot(page, 'c07-withdraw-all', all);
	const [wa] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/v1/me/withdraw-all')),
		all.getByRole('button', { name: 'Yes, withdraw all' }).click(),
	]);
	assert.equal(wa.status(), 200, `withdraw-all: ${wa.status()} ${await wa.text()}`);
	assert.equal((await wa.json()).withdrawn, 1);
	await page.locator('#status', { hasText: '1 contribution withdrawn.' }).waitFor();
	assert.equal(await page.locator('#list .badge', { hasText: 'Withdrawn' }).count(), 2);
	assert.equal(await page.locator('#all-box').isVisible(), false, 'nothing left to withdraw');

	f.step = "the page of a drive that keeps names says so";
	await page.goto(`${base}/contribute.html?campaign=keep-names`);
	await ready(page);
	await page.locator('#names-line').waitFor();
	assert.match(await page.locator('#names-line').textContent(), /keeps people's names/);
	await page.selectOption('#lang', 'is');
	await page.locator('#names-line', { hasText: 'heldur nöfnum fólks' }).waitFor();
	await page.selectOption('#lang', 'en');
	await checkPage(page);
	await shot(page, 'c07b-names-kept', page.locator('#names-line'));
	await ctx.close();

	/* ---- the administrator ---- */
	const { ctx: actx, page: ap } = await newPage(browser, problems);

	f.step = 'admin: log in with the one-time code';
	await ap.goto(`${base}/admin.html`);
	await ready(ap);
	await ap.locator('#logged-out').waitFor();
	await checkPage(ap);
	await shot(ap, 'c08-admin-login');
	await ap.fill('#code', adminCode.toLowerCase());
	await ap.getByRole('button', { name: 'Log in', exact: true }).click();
	await ap.locator('#admin-view').waitFor();
	assert.equal(await ap.locator('#nav-admin').isVisible(), true, 'Admin in the menu for an admin');

	f.step = 'admin: set a passphrase after the one-time code';
	await ap.fill('#mypass', 'the admin passphrase');
	const [pp] = await Promise.all([
		ap.waitForResponse((r) => r.url().endsWith('/api/v1/me/passphrase')),
		ap.getByRole('button', { name: 'Save the passphrase' }).click(),
	]);
	assert.equal(pp.status(), 204, 'the passphrase is saved');
	const relog = await ap.evaluate(async () => (await fetch('/api/v1/login', {
		method: 'POST', credentials: 'same-origin',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ handle: 'admin', passphrase: 'the admin passphrase' }),
	})).status);
	assert.equal(relog, 200, 'the admin logs in with the new passphrase');
	await ap.reload();
	await ready(ap);
	await ap.locator('#admin-view').waitFor();

	f.step = 'admin: list';
	await ap.locator('#accounts > li').first().waitFor();
	const listed = await ap.locator('#accounts > li h3').allTextContents();
	assert.ok(listed.includes('admin'), `the admin is listed: ${listed}`);
	const cardHandle = listed.find((h) => h.startsWith('card-'));
	assert.ok(cardHandle, `the card account is listed: ${listed}`);
	assert.match(await ap.locator('#count').textContent(), /\d+ accounts/);
	await checkPage(ap);
	await shot(ap, 'c09-admin');

	f.step = 'admin: create a reviewer';
	await ap.fill('#new-handle', 'Reviewer.One');
	await ap.selectOption('#new-role', 'reviewer');
	await ap.fill('#new-pass', 'a long enough passphrase');
	const [cr] = await Promise.all([
		ap.waitForResponse((r) => r.url().endsWith('/api/v1/accounts') && r.request().method() === 'POST'),
		ap.getByRole('button', { name: 'Create the account' }).click(),
	]);
	assert.equal(cr.status(), 201, `create: ${cr.status()} ${await cr.text()}`);
	const created = (await cr.json()).account;
	assert.equal(created.handle, 'reviewer.one');
	assert.equal(created.role, 'reviewer');
	await ap.locator('#status', { hasText: 'reviewer.one' }).waitFor();
	const rev = ap.locator(`#accounts > li[data-account="${created.id}"]`);
	await rev.locator('.badge', { hasText: 'Reviewer' }).waitFor();
	await shot(ap, 'c10-admin-created', rev);

	f.step = 'admin: a taken handle';
	await ap.fill('#new-handle', 'reviewer.one');
	await ap.getByRole('button', { name: 'Create the account' }).click();
	await ap.locator('#create-error p').first().waitFor();
	assert.equal(await ap.getAttribute('#new-handle', 'aria-invalid'), 'true');
	await ap.fill('#new-handle', '');

	f.step = 'admin: change the role';
	await rev.getByLabel('Role of reviewer.one').selectOption('maintainer');
	const [ro] = await Promise.all([
		ap.waitForResponse((r) => r.url().endsWith(`/api/v1/accounts/${created.id}/role`)),
		rev.getByRole('button', { name: 'Change the role' }).click(),
	]);
	assert.equal(ro.status(), 200, `role: ${ro.status()} ${await ro.text()}`);
	assert.equal((await ro.json()).account.role, 'maintainer');
	await rev.locator('.badge', { hasText: 'Maintainer' }).waitFor();

	f.step = 'a maintainer: the card form only';
	const cardId = Number(await ap.locator('#accounts > li', { has: ap.locator('h3', { hasText: cardHandle }) }).getAttribute('data-account'));
	const { ctx: mctx, page: mp } = await newPage(browser, problems);
	await mp.goto(`${base}/join.html?next=admin`);
	await ready(mp);
	await mp.fill('#handle', 'reviewer.one');
	await mp.fill('#passphrase', 'a long enough passphrase');
	await mp.getByRole('button', { name: 'Log in', exact: true }).click();
	await mp.waitForURL(/\/admin\.html$/);
	await ready(mp);
	await mp.locator('#not-allowed').waitFor();
	await mp.locator('#reissue-by-id').waitFor();
	assert.match(await mp.locator('#not-allowed').textContent(), /re-issue a lost card/);
	assert.equal(await mp.locator('#nav-admin').isVisible(), true, 'Admin in the menu for a maintainer');
	assert.equal(await mp.locator('#admin-view').isVisible(), false, 'no account list for a maintainer');
	await mp.fill('#byid', String(cardId));
	const [mr] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith(`/api/v1/accounts/${cardId}/card`)),
		mp.getByRole('button', { name: 'Re-issue the card' }).click(),
	]);
	assert.equal(mr.status(), 201, `a maintainer re-issues a card: ${mr.status()} ${await mr.text()}`);
	const mcode = (await mr.json()).code;
	assert.match(mcode, CODE);
	assert.equal(await mp.locator('#reissue-code').textContent(), mcode);
	await checkPage(mp);
	await shot(mp, 'c10b-maintainer-card', mp.locator('#reissue-result'));

	f.step = 'admin: disable';
	await rev.getByRole('button', { name: 'Disable' }).click();
	const dis = rev.locator('.confirm');
	await dis.waitFor();
	assert.match(await dis.textContent(), /can no longer log in/);
	await checkPage(ap);
	await shot(ap, 'c11-admin-disable-confirm', dis);
	const [di] = await Promise.all([
		ap.waitForResponse((r) => r.url().endsWith(`/api/v1/accounts/${created.id}/disable`)),
		dis.getByRole('button', { name: 'Yes, disable' }).click(),
	]);
	assert.equal(di.status(), 200, `disable: ${di.status()} ${await di.text()}`);
	assert.equal((await di.json()).account.disabled, true);
	await rev.locator('.badge', { hasText: 'Disabled' }).waitFor();
	assert.equal(await rev.locator('button').count(), 0, 'no actions on a disabled account');
	const denied = await ap.request.post(`${base}/api/v1/login`,
	    { data: { handle: 'reviewer.one', passphrase: 'a long enough passphrase' } });
	/* API.md names 403 account_disabled; for a handle the server answers
	   as for an unknown one (401), which tells nothing either way */
	assert.ok([401, 403].includes(denied.status()), `a disabled account cannot log in: ${denied.status()}`);
	/* and the maintainer's open session has ended */
	await mp.reload();
	await ready(mp);
	await mp.locator('#logged-out').waitFor();
	await mctx.close();

	f.step = 'admin: re-issue the card';
	const cardItem = ap.locator('#accounts > li', { has: ap.locator('h3', { hasText: cardHandle }) });
	await ap.fill('#filter', 'card-');
	assert.match(await ap.locator('#count').textContent(), /^1 of \d+ accounts$/);
	await cardItem.getByRole('button', { name: 'Re-issue a lost card' }).click();
	const cc = cardItem.locator('.confirm');
	await cc.waitFor();
	assert.match(await cc.textContent(), /old card stops working/);
	const [ri] = await Promise.all([
		ap.waitForResponse((r) => /\/api\/v1\/accounts\/\d+\/card$/.test(r.url())),
		cc.getByRole('button', { name: 'Yes, make a new card' }).click(),
	]);
	assert.equal(ri.status(), 201, `card: ${ri.status()} ${await ri.text()}`);
	const newCode = (await ri.json()).code;
	assert.match(newCode, CODE);
	await ap.locator('#reissue-result').waitFor();
	assert.equal(await ap.locator('#reissue-code').textContent(), newCode, 'the new code is shown');
	assert.match(await ap.locator('#reissue-result').textContent(), /old card no longer works/);
	assert.match(await ap.locator('#reissue-result').textContent(), /new PIN/);
	await checkPage(ap);
	await shot(ap, 'c12-admin-new-card', ap.locator('#reissue-result'));

	f.step = 'the old card is dead, the new one asks for a PIN';
	for (const dead of [card, mcode]) {
		const oldTry = await ap.request.post(`${base}/api/v1/login`, { data: { card: dead, pin: PIN } });
		assert.equal(oldTry.status(), 401, `an earlier card after re-issue: ${oldTry.status()}`);
	}
	const { ctx: nctx, page: np } = await newPage(browser, problems);
	const fresh = await np.request.post(`${base}/api/v1/login`, { data: { card: newCode, pin: NEW_PIN } });
	assert.equal(fresh.status(), 201, `the new card's first use: ${fresh.status()} ${await fresh.text()}`);
	assert.equal((await fresh.json()).account.handle, cardHandle, 'the new card opens the same account');
	await nctx.close();
	await actx.close();
});
