/*
** Browser test of contributor pay (issue 15, "Pages" and its Playwright
** test), against a real `tributary serve` on a fresh node, driven through
** Debian's chromium.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/pay_flow.mjs
**
** A recording drive pays GHS 0.50 per accepted contribution plus GHS 0.02
** per second of recording and needs two votes. The contribute page states
** that rate before anything is given (and nothing for a drive that does
** not pay). A card holder consents and sends a 3-second recording from the
** page (through the API, as the outbox does); two reviewers accept it on
** the review page, each in their own browser. Under "My earnings" the
** card holder sees GHS 0.56 earned, with the recording it came from. A
** payout contact cannot be kept before the node has a treasurer key (the
** page says so, and so does the 409 no_treasurer); after `tributary ledger
** keygen` it is kept, and the page shows its method, never the contact.
** The treasurer (`--role treasurer`) opens the treasurer's page from the
** menu: the totals, the ledger's head, the person in the amounts due with
** mobile money, the CSV of amounts due; their entries on a click. A payout
** above the balance, one by mobile money without a reference and one under
** a reference already recorded are refused in plain words; GHS 0.50 with
** a reference is recorded (one to oneself is refused by the API). The card
** holder then sees GHS 0.06 and the payout with its reference; then a
** maintainer's override as a reversal with its reason, and a royalty on
** release 1.0.0 (`tributary ledger royalty`) with its release. Logged
** out, both pages say so; a contributor
** sees no Treasurer in the menu and is turned away from its page. Every
** page passes checkPage, also in every language.
**
** Screenshots (360x740) land in tests/out/screenshots/ as pay*.png. Exits
** non-zero on any failure; the server and the browser are always stopped.
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	REPO, BIN, log, run, shot, ready, checkPage, pageFetch, driveCodes, newPage, initNode, runFlow,
} from './harness.mjs';

const SLUG = 'ewe-pay';
const TITLE = 'Paid Ewe speech';
const PIN = '2468';
const PASS = 'a long enough passphrase';
const REV1 = 'kofi.review';
const REV2 = 'esi.review';
const TREAS = 'adjoa.treasurer';
const MAINT = 'ama.maint';
const CONTACT = '024 555 0199 MTN';
const REF = 'MP240611.1532.A12345';
const RATE = 16000;
const SECONDS = 3;
const CAMPAIGN = {
	slug: SLUG,
	title: TITLE,
	language: 'ee',
	kind: 'audio',
	consent: 'general',
	required_scopes: ['publish_voice'],
	minimum_age: 16,
	min_seconds: 1,
	max_seconds: 15,
	sample_rate: RATE,
	review: { min_votes: 2, rule: 'majority' },
	pay: { currency: 'GHS', per_item: 50, per_audio_second: 2 },
};
/* What the recording earns: 50 + 2 × 3 s, in pesewas. */
const EARNED = 50 + 2 * SECONDS;

/* `tributary ARGS` with ${input} on its standard input. */
function runWith(args, input) {
	try {
		return execFileSync(BIN, args, { cwd: REPO, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
	} catch (e) {
		throw new Error(`tributary ${args.join(' ')} failed (exit ${e.status}):\n${e.stderr || ''}${e.stdout || ''}`);
	}
}

function addUser(data, handle, role) {
	runWith(['user', 'add', '--data', data, handle, '--role', role, '--languages', 'ee', '--passphrase-stdin'],
	    `${PASS}\n`);
}

function json(r, what) {
	try {
		return JSON.parse(r.text);
	} catch {
		throw new Error(`${what}: not JSON (${r.status}): ${r.text.slice(0, 300)}`);
	}
}

/*
** Logs in to ${base} with ${creds} ({handle, passphrase}) from this
** process, as release_flow.mjs does; resolves with call(method, path,
** body, headers), which sends the session's cookie and CSRF token and
** resolves {status, json, text}.
*/
async function session(base, creds) {
	const r = await fetch(`${base}/api/v1/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(creds),
	});
	const body = await r.text();
	assert.equal(r.status, 200, `login ${creds.handle}: ${r.status} ${body}`);
	const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const { csrf } = JSON.parse(body);
	return async (method, path, b, headers = {}) => {
		const h = { Accept: 'application/json', Cookie: cookie, ...headers };
		if (method !== 'GET')
			h['X-CSRF-Token'] = csrf;
		if (b !== undefined)
			h['Content-Type'] = 'application/json';
		const res = await fetch(`${base}${path}`, {
			method, headers: h, body: b === undefined ? undefined : JSON.stringify(b),
		});
		const t = await res.text();
		let j = null;
		try {
			j = JSON.parse(t);
		} catch {
			j = null;
		}
		return { status: res.status, json: j, text: t };
	};
}

/* Sends a WAV of ${seconds} s from ${page} to the drive; resolves the
** contribution the server made. */
async function sendRecording(page, seconds) {
	const sent = await page.evaluate(async ({ body, slug }) => {
		const who = await (await fetch('/api/v1/me', { cache: 'no-store' })).json();
		const r = await fetch(`/api/v1/contributions?campaign=${slug}`, {
			method: 'POST',
			headers: {
				'Content-Type': 'audio/wav', Accept: 'application/json',
				'Idempotency-Key': crypto.randomUUID(), 'X-CSRF-Token': who.csrf,
			},
			body: Uint8Array.from(atob(body), (c) => c.charCodeAt(0)),
		});
		return { status: r.status, text: await r.text() };
	}, { body: toneWav(seconds, RATE).toString('base64'), slug: SLUG });
	assert.equal(sent.status, 201, `a recording: ${sent.status} ${sent.text}`);
	const made = json(sent, 'contribution').contribution;
	assert.equal(Number(made.audio.duration), seconds, `a ${seconds}-second recording`);
	return made;
}

/* A 16-bit mono WAV of ${seconds} s of a 440 Hz tone at ${rate} Hz. */
function toneWav(seconds, rate) {
	const n = seconds * rate;
	const b = Buffer.alloc(44 + n * 2);
	b.write('RIFF', 0, 'latin1');
	b.writeUInt32LE(36 + n * 2, 4);
	b.write('WAVEfmt ', 8, 'latin1');
	b.writeUInt32LE(16, 16);
	b.writeUInt16LE(1, 20);
	b.writeUInt16LE(1, 22);
	b.writeUInt32LE(rate, 24);
	b.writeUInt32LE(rate * 2, 28);
	b.writeUInt16LE(2, 32);
	b.writeUInt16LE(16, 34);
	b.write('data', 36, 'latin1');
	b.writeUInt32LE(n * 2, 40);
	for (let i = 0; i < n; i++)
		b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)), 44 + i * 2);
	return b;
}

/* Text as shown, its spaces (no-break ones too) made plain. */
const plain = (s) => String(s ?? '').replace(/\s+/g, ' ').trim();

async function text(loc) {
	return plain(await loc.innerText());
}

/* Logs ${handle} in on the join page, which then opens ${next}'s page. */
async function logIn(page, base, next, handle, url) {
	await page.goto(`${base}/join.html?next=${next}`);
	await ready(page);
	await page.fill('#handle', handle);
	await page.fill('#passphrase', PASS);
	await page.getByRole('button', { name: 'Log in', exact: true }).click();
	await page.waitForURL(url);
	await ready(page);
}

/* ${r} is a POST to ${path}. */
const isPost = (path) => (r) => r.url().endsWith(path) && r.request().method() === 'POST';

/* Submits the treasurer's payout form; resolves its response. */
async function submitPayout(tp) {
	const [res] = await Promise.all([
		tp.waitForResponse(isPost('/api/v1/ledger/payouts')),
		tp.getByRole('button', { name: 'Record the payout' }).click(),
	]);
	return res;
}

await runFlow('tributary-pay-', async (f) => {
	const { tmp, data, problems } = f;

	f.step = 'init';
	initNode(data);
	f.step = 'campaign import';
	const campaignFile = join(tmp, 'campaign.json');
	writeFileSync(campaignFile, JSON.stringify(CAMPAIGN));
	run(['campaign', 'import', '--data', data, campaignFile]);
	run(['campaign', 'import', '--data', data, join(REPO, 'tests', 'browser', 'campaign.json')]);
	f.step = 'accounts';
	addUser(data, REV1, 'reviewer');
	addUser(data, REV2, 'reviewer');
	addUser(data, TREAS, 'treasurer');
	addUser(data, MAINT, 'maintainer');
	const [card] = driveCodes(data, SLUG, 1);

	f.step = 'serve';
	const base = await f.serve();
	log(`server at ${base}`);
	const browser = await f.launch();

	/* ---- the card holder: the rate, before anything is given ---- */
	const { ctx: cctx, page: cp } = await newPage(browser, problems);

	f.step = 'contributor: log in; the drive states its rate';
	await cp.goto(`${base}/contribute.html?campaign=${SLUG}`);
	await cp.waitForURL(/\/join\.html\?next=contribute/);
	await ready(cp);
	await cp.fill('#card', card);
	await cp.fill('#pin', PIN);
	/* a card new to this phone asks for its PIN twice */
	if (await cp.locator('#pin2').isVisible())
		await cp.fill('#pin2', PIN);
	await cp.getByRole('button', { name: 'Continue with my card' }).click();
	await cp.waitForURL(new RegExp(`/contribute\\.html\\?campaign=${SLUG}`));
	await ready(cp);
	const listed = json(await pageFetch(cp, 'GET', '/api/v1/campaigns'), 'campaigns').campaigns;
	assert.deepEqual(listed.find((c) => c.slug === SLUG).pay, CAMPAIGN.pay, 'the campaign lists its rate');
	assert.equal(listed.find((c) => c.slug === 'demo-text').pay ?? null, null, 'an unpaid drive has no rate');
	await cp.locator('#no-consent').waitFor();
	assert.equal(await cp.locator('#pay-line').isVisible(), true, 'the rate is shown before consent');
	assert.equal(await text(cp.locator('#pay-line')),
	    'Pays GHS 0.50 per accepted contribution, plus GHS 0.02 per second of recording.');
	assert.equal(await cp.locator('#nav-treasurer').isVisible(), false, 'no Treasurer in the menu for a contributor');
	assert.equal(await cp.locator('nav a[href="earnings.html"]').isVisible(), true, 'My earnings in the menu');
	await checkPage(cp);
	await shot(cp, 'pay01-contribute-rate');
	await cp.selectOption('#lang', 'fr');
	await cp.locator('#pay-line', { hasText: 'par contribution acceptée' }).waitFor();
	assert.match(await text(cp.locator('#pay-line')), /0,50 GHS/, 'money in French: a comma, the code after');
	await checkPage(cp);
	await cp.selectOption('#lang', 'en');
	/* English is back (and remembered) before the next page asks */
	await cp.locator('#pay-line', { hasText: 'per accepted contribution' }).waitFor();
	await cp.waitForFunction(() => localStorage.getItem('tributary.lang') === 'en');

	f.step = 'contributor: a drive that does not pay states nothing';
	await cp.goto(`${base}/contribute.html?campaign=demo-text`);
	await ready(cp);
	await cp.locator('#campaign-line').waitFor();
	assert.equal(await cp.locator('#pay-line').isVisible(), false, 'no rate for an unpaid drive');

	f.step = 'contributor: My earnings before anything, no treasurer yet';
	await cp.locator('nav').getByRole('link', { name: 'My earnings' }).click();
	await cp.waitForURL(/\/earnings\.html$/);
	await ready(cp);
	assert.equal(await cp.locator('nav a[aria-current="page"]').textContent(), 'My earnings');
	await cp.locator('#balances-none').waitFor();
	await cp.locator('#entries-none').waitFor();
	assert.equal(await cp.locator('#contact-on-file').getAttribute('data-state'), 'none');
	await cp.locator('#no-treasurer', { hasText: 'This node has no treasurer yet' }).waitFor();
	await cp.selectOption('#contact-method', 'mobile_money');
	await cp.fill('#contact-text', CONTACT);
	const [nt] = await Promise.all([
		cp.waitForResponse(isPost('/api/v1/me/payout-contact')),
		cp.getByRole('button', { name: 'Save and lock' }).click(),
	]);
	assert.equal(nt.status(), 409, `a contact before keygen: ${nt.status()}`);
	assert.equal((await nt.json()).error.code, 'no_treasurer');
	await cp.locator('#contact-error', { hasText: 'This node has no treasurer yet' }).waitFor();
	assert.equal(await cp.locator('#contact-on-file').getAttribute('data-state'), 'none', 'nothing was kept');
	await checkPage(cp);
	await shot(cp, 'pay02-earnings-no-treasurer', cp.locator('#contact-sec'));

	f.step = 'contributor: consent, and a recording sent from the page';
	const me = json(await pageFetch(cp, 'GET', '/api/v1/me'), 'me').account;
	const doc = json(await pageFetch(cp, 'GET', '/api/v1/consent/general'), 'consent').sha256;
	const cons = await pageFetch(cp, 'POST', '/api/v1/consents',
	    { campaign: SLUG, document: doc, scopes: ['publish_voice'], age_confirmed: true });
	assert.equal(cons.status, 201, `consent: ${cons.status} ${cons.text}`);
	const item = await sendRecording(cp, SECONDS);
	log(`contribution ${item.id} by ${me.handle} (account ${me.id})`);

	/* ---- two reviewers accept it, each in their own browser ---- */
	for (const [i, who] of [REV1, REV2].entries()) {
		f.step = `reviewer ${i + 1}: yes, good`;
		const { ctx: rctx, page: rp } = await newPage(browser, problems);
		await logIn(rp, base, `review&campaign=${SLUG}`, who, new RegExp(`/review\\.html\\?campaign=${SLUG}$`));
		await rp.locator(`#item-view[data-item="${item.id}"]`).waitFor();
		const [v] = await Promise.all([
			rp.waitForResponse(isPost('/api/v1/reviews')),
			rp.getByRole('button', { name: /Yes, good/ }).click(),
		]);
		assert.equal(v.status(), 201, `vote: ${v.status()} ${await v.text()}`);
		assert.equal((await v.json()).status, i === 0 ? 'pending' : 'validated',
		    i === 0 ? 'one vote is not enough here' : 'the second "good" accepts it');
		await rp.locator('#empty').waitFor();
		if (i === 1) {
			await checkPage(rp);
			await shot(rp, 'pay03-review-accepted');
		}
		await rctx.close();
	}

	/* ---- the card holder sees the earning ---- */
	f.step = 'contributor: the earning and the balance';
	await cp.reload();
	await ready(cp);
	const bal = cp.locator('#balances .ledger-balance[data-currency="GHS"]');
	await bal.waitFor();
	assert.equal(await bal.locator('[data-balance]').getAttribute('data-balance'), String(EARNED));
	assert.equal(await text(bal.locator('[data-balance]')), 'GHS 0.56', 'the balance as money');
	assert.match(await text(bal.locator('.facts')), /Earned GHS 0\.56.*Paid to you GHS 0\.00/);
	const accrual = cp.locator('#entries li[data-kind="accrual"]');
	assert.equal(await accrual.count(), 1, 'one accrual');
	assert.equal(await accrual.locator('.badge').getAttribute('data-amount'), String(EARNED));
	assert.equal(await text(accrual.locator('.badge')), '+GHS 0.56');
	const from = accrual.getByRole('link', { name: new RegExp(`^Contribution No\\. ${item.id} · ${TITLE} · 3\\.0 s$`) });
	assert.equal(await from.getAttribute('href'), `contributions.html#contribution-${item.id}`,
	    'the accrual names the contribution it came from');
	assert.equal(await cp.locator('#balances-none').isVisible(), false);
	await checkPage(cp);
	await shot(cp, 'pay04-earned');

	f.step = 'treasurer key made; the contact is kept, only its method shown';
	const keyFile = join(tmp, 'treasurer.key');
	run(['ledger', 'keygen', '--data', data, '--out', keyFile]);
	await cp.reload();
	await ready(cp);
	await cp.locator('#entries li').first().waitFor();
	assert.equal(await cp.locator('#no-treasurer').isVisible(), false, 'no more "no treasurer"');
	await cp.selectOption('#contact-method', 'mobile_money');
	await cp.fill('#contact-text', CONTACT);
	const [ct] = await Promise.all([
		cp.waitForResponse(isPost('/api/v1/me/payout-contact')),
		cp.getByRole('button', { name: 'Save and lock' }).click(),
	]);
	assert.equal(ct.status(), 200, `the contact: ${ct.status()} ${await ct.text()}`);
	assert.deepEqual(ct.request().postDataJSON(), { method: 'mobile_money', contact: CONTACT });
	assert.deepEqual(Object.keys((await ct.json()).contact).sort(), ['method', 'updated_at'], 'only the method comes back');
	await cp.locator('#status', { hasText: 'Saved and locked. Only the treasurer can read it.' }).waitFor();
	await cp.locator('#contact-on-file[data-state="set"][data-method="mobile_money"]').waitFor();
	assert.match(await text(cp.locator('#contact-on-file')),
	    /^On file: Mobile money, since .+\. The contact itself is locked\.$/);
	assert.equal(await cp.locator('#contact-text').inputValue(), '', 'the page forgets the contact too');
	assert.equal((await cp.content()).includes('555 0199'), false, 'the contact is nowhere on the page');
	const earnedApi = json(await pageFetch(cp, 'GET', '/api/v1/me/earnings'), 'earnings');
	assert.equal(earnedApi.contact.method, 'mobile_money');
	assert.equal(JSON.stringify(earnedApi).includes('555 0199'), false, 'the server cannot give it back');
	await checkPage(cp);
	await shot(cp, 'pay05-contact-locked', cp.locator('#contact-sec'));

	/* ---- the treasurer ---- */
	const { ctx: tctx, page: tp } = await newPage(browser, problems);

	f.step = 'treasurer: log in, the totals and the head';
	await logIn(tp, base, 'treasurer', TREAS, /\/treasurer\.html$/);
	assert.equal(await tp.locator('#nav-treasurer').isVisible(), true, 'Treasurer in the menu for a treasurer');
	assert.equal(await tp.locator('nav a[aria-current="page"]').textContent(), 'Treasurer');
	const tot = tp.locator('#totals [data-currency="GHS"]');
	await tot.waitFor();
	const stat = async (k) => Number(await tot.locator(`dd[data-stat="${k}"]`).getAttribute('data-value'));
	assert.equal(await stat('owed'), EARNED);
	assert.equal(await stat('accrued'), EARNED);
	assert.equal(await stat('paid'), 0);
	assert.equal(await stat('accounts'), 1);
	assert.equal(await text(tot.locator('dd[data-stat="owed"]')), 'GHS 0.56');
	const head = json(await pageFetch(tp, 'GET', '/api/v1/ledger/head'), 'head');
	assert.ok(head.id > 0 && /^[0-9a-f]{64}$/.test(head.hash), `a head: ${JSON.stringify(head)}`);
	assert.equal(await tp.locator('#head').getAttribute('data-id'), String(head.id));
	assert.equal(await tp.locator('#head code').textContent(), head.hash, 'the ledger\'s head is shown');

	f.step = 'treasurer: the amounts due';
	const due = tp.locator(`#due li[data-account="${me.id}"][data-currency="GHS"]`);
	await due.waitFor();
	assert.equal(await tp.locator('#due li').count(), 1);
	assert.equal(await due.getAttribute('data-method'), 'mobile_money');
	assert.equal(await text(due.locator('h3')), me.handle);
	assert.equal(await text(due.locator('.badge')), 'GHS 0.56');
	assert.equal(await text(due.locator('.due-method')), 'Mobile money');
	await checkPage(tp);
	await shot(tp, 'pay06-treasurer');

	f.step = 'treasurer: the CSV of amounts due';
	const [dl] = await Promise.all([
		tp.waitForEvent('download'),
		tp.getByRole('link', { name: 'Download the amounts due (CSV)' }).click(),
	]);
	const csvPath = join(tmp, 'due.csv');
	await dl.saveAs(csvPath);
	const csv = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/);
	assert.equal(csv[0], 'handle,currency,amount,method,contact,reference,note');
	assert.equal(csv.length, 2, `one line due: ${csv.join(' | ')}`);
	assert.match(csv[1], new RegExp(`^${me.handle},GHS,0\\.56,mobile_money,,`), 'the contact is left empty');

	f.step = 'treasurer: a person\'s entries';
	await due.getByRole('link', { name: me.handle }).click();
	await tp.locator(`#person-sec[data-account="${me.id}"]`).waitFor();
	assert.equal(await tp.locator('#person-h').textContent(), `Entries of ${me.handle}`);
	assert.equal(await tp.evaluate(() => document.activeElement?.id), 'person-h', 'focus moves to them');
	assert.match(tp.url(), new RegExp(`\\?account=${me.id}$`));
	assert.equal(await tp.locator('#person-entries li[data-kind="accrual"]').count(), 1);
	assert.equal(await text(tp.locator('#person-contact')), 'Payment contact on file: Mobile money (locked).');
	await checkPage(tp);

	f.step = 'treasurer: more than the balance is refused';
	await due.getByRole('button', { name: 'Record a payout' }).click();
	assert.equal(await tp.evaluate(() => document.activeElement?.id), 'po-amount');
	assert.equal(await tp.locator('#po-who').inputValue(), `${me.id}:GHS`);
	assert.equal(await tp.locator('#po-amount').inputValue(), '0.56', 'all that is due, to start with');
	assert.equal(await tp.locator('#po-method').inputValue(), 'mobile_money', 'the method on file');
	assert.equal(await text(tp.locator('#po-amount-hint')), 'As money, e.g. 12.50. Due: GHS 0.56.');
	await tp.fill('#po-amount', '1.00');
	await tp.fill('#po-reference', `${REF}-X`);
	const over = await submitPayout(tp);
	assert.equal(over.status(), 409, `more than the balance: ${over.status()}`);
	await tp.locator('#po-error', { hasText: 'Not recorded: this is more than is due (GHS 0.56).' }).waitFor();
	assert.equal(await tp.getAttribute('#po-amount', 'aria-invalid'), 'true');
	await checkPage(tp);
	await shot(tp, 'pay07-payout-refused', tp.locator('#payout-sec'));

	f.step = 'treasurer: mobile money needs its reference';
	await tp.fill('#po-amount', '0.50');
	await tp.fill('#po-reference', '');
	const noRef = await submitPayout(tp);
	assert.equal(noRef.status(), 400, `no reference: ${noRef.status()}`);
	await tp.locator('#po-error',
	    { hasText: 'Not recorded: a payout by Mobile money needs its reference, the transaction id.' }).waitFor();
	assert.equal(await tp.evaluate(() => document.activeElement?.id), 'po-reference');
	await tp.fill('#po-amount', 'twelve');
	await tp.getByRole('button', { name: 'Record the payout' }).click();
	await tp.locator('#po-error', { hasText: 'Write the amount as money, above zero, e.g. GHS 12.50.' }).waitFor();

	f.step = 'treasurer: record GHS 0.50 with its reference';
	await tp.fill('#po-amount', '0,50');
	await tp.fill('#po-reference', REF);
	await tp.fill('#po-note', 'June payout');
	const ok = await submitPayout(tp);
	assert.equal(ok.status(), 201, `the payout: ${ok.status()} ${await ok.text()}`);
	assert.deepEqual(ok.request().postDataJSON(), {
		account: me.id, currency: 'GHS', amount: '0.50', method: 'mobile_money', reference: REF, note: 'June payout',
	});
	assert.equal((await ok.json()).payout.balance, EARNED - 50);
	await tp.locator('#status',
	    { hasText: `Recorded: GHS 0.50 paid to ${me.handle}. Their balance is now GHS 0.06.` }).waitFor();
	await tp.locator(`#due li[data-account="${me.id}"] .badge[data-balance="${EARNED - 50}"]`).waitFor();
	await tot.locator(`dd[data-stat="paid"][data-value="50"]`).waitFor();
	assert.equal(await stat('owed'), EARNED - 50);
	assert.equal(await tp.locator('#head').getAttribute('data-id'), String(head.id + 1), 'the head moved on');
	const payoutRow = tp.locator('#person-entries li').first();
	assert.equal(await payoutRow.getAttribute('data-kind'), 'payout', 'their entries show it, newest first');
	assert.match(await text(payoutRow), new RegExp(`Reference ${REF.replace(/\./g, '\\.')}`));
	assert.equal(await tp.locator('#po-amount').inputValue(), '', 'the form is cleared');
	await checkPage(tp);
	await shot(tp, 'pay08-payout-recorded');

	f.step = 'treasurer: the same reference again is refused';
	await tp.fill('#po-amount', '0.05');
	await tp.fill('#po-reference', REF);
	const twice = await submitPayout(tp);
	assert.equal(twice.status(), 409, `a reference twice: ${twice.status()}`);
	await tp.locator('#po-error',
	    { hasText: `Not recorded: the payout with reference “${REF}” is already recorded for this person.` }).waitFor();
	const treasurer = json(await pageFetch(tp, 'GET', '/api/v1/me'), 'me').account;
	const self = await pageFetch(tp, 'POST', '/api/v1/ledger/payouts',
	    { account: treasurer.id, currency: 'GHS', amount: '0.01', method: 'cash' });
	assert.equal(self.status, 403, `a payout to oneself: ${self.status} ${self.text}`);

	f.step = 'treasurer: the page fits in every language';
	for (const l of ['fr', 'ru', 'is', 'tg', 'en']) {
		const cat = JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', `${l}.json`), 'utf8'));
		await tp.selectOption('#lang', l);
		await tp.locator('#due-h', { hasText: cat['treasurer.due_title'] }).waitFor();
		await tp.locator('#person-entries li[data-kind="payout"] h3', { hasText: cat['earnings.kind_payout'] }).waitFor();
		await checkPage(tp);
	}
	await tctx.close();

	/* ---- the card holder sees the payout ---- */
	f.step = 'contributor: the new balance and the reference';
	await cp.reload();
	await ready(cp);
	await bal.locator(`[data-balance="${EARNED - 50}"]`).waitFor();
	assert.equal(await text(bal.locator('[data-balance]')), 'GHS 0.06');
	assert.match(await text(bal.locator('.facts')), /Paid to you GHS 0\.50/);
	const paid = cp.locator('#entries li').first();
	assert.equal(await paid.getAttribute('data-kind'), 'payout', 'the payout is the newest entry');
	assert.equal(await text(paid.locator('.badge')), '-GHS 0.50');
	assert.equal(await text(paid.locator('.ledger-ref')), REF, 'with its reference');
	assert.match(await text(paid), /How Mobile money/);
	assert.match(await text(paid), /Note June payout/);
	assert.match(await text(paid), /Balance after it GHS 0\.06/);
	assert.equal(await cp.locator('#entries li').count(), 2);
	assert.equal(await cp.locator('#more').isVisible(), false, 'one page holds them all');
	await checkPage(cp);
	await shot(cp, 'pay09-paid');
	for (const l of ['fr', 'ru', 'is', 'tg', 'en']) {
		const cat = JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', `${l}.json`), 'utf8'));
		await cp.selectOption('#lang', l);
		await cp.locator('#entries li[data-kind="payout"] h3', { hasText: cat['earnings.kind_payout'] }).waitFor();
		await checkPage(cp);
	}

	f.step = 'a correction takes an earning back, with its reason';
	const item2 = await sendRecording(cp, 2);
	for (const who of [REV1, REV2]) {
		const rev = await session(base, { handle: who, passphrase: PASS });
		const v = await rev('POST', '/api/v1/reviews', { contribution: item2.id, vote: 'up' },
		    { 'Idempotency-Key': randomUUID() });
		assert.equal(v.status, 201, `vote: ${v.status} ${v.text}`);
	}
	const maint = await session(base, { handle: MAINT, passphrase: PASS });
	const WHY = 'The same sentence twice';
	const dec = await maint('POST', `/api/v1/contributions/${item2.id}/decision`, { status: 'rejected', reason: WHY });
	assert.equal(dec.status, 200, `override: ${dec.status} ${dec.text}`);

	f.step = 'a royalty on a release';
	const rel = await maint('POST', '/api/v1/releases', {
		version: '1.0.0', dataset: 'ewe-pay', licence: 'other', permits: [], campaigns: [SLUG], splits: [80, 10, 10],
	});
	assert.ok(rel.status === 200 || rel.status === 201, `release: ${rel.status} ${rel.text}`);
	assert.equal(rel.json.release.report.rows, 1, `the accepted recording is in it: ${rel.text}`);
	run(['ledger', 'royalty', '--data', data, '--release', '1.0.0', '--amount', '10.00', '--currency', 'GHS',
		'--note', 'Licence fee']);
	await cp.reload();
	await ready(cp);
	await bal.locator(`[data-balance="${EARNED - 50 + 1000}"]`).waitFor();
	assert.equal(await text(bal.locator('[data-balance]')), 'GHS 10.06', '+0.54 − 0.54 + 10.00');
	assert.deepEqual(await cp.locator('#entries li').evaluateAll((ls) => ls.map((l) => l.dataset.kind)),
	    ['royalty', 'reversal', 'accrual', 'payout', 'accrual'], 'every entry, newest first');
	const back = cp.locator('#entries li[data-kind="reversal"]');
	assert.equal(await text(back.locator('.badge')), '-GHS 0.54');
	assert.match(await text(back), new RegExp(`For Contribution No\\. ${item2.id} · ${TITLE} · 2\\.0 s`));
	assert.match(await text(back), new RegExp(`Why ${WHY}`), 'the reversal gives its reason');
	const roy = cp.locator('#entries li[data-kind="royalty"]');
	assert.equal(await text(roy.locator('.badge')), '+GHS 10.00');
	assert.equal(await text(roy.locator('h3')), 'Share of a release');
	assert.equal(await roy.getByRole('link', { name: 'Release 1.0.0' }).getAttribute('href'), 'releases.html');
	await checkPage(cp);
	await shot(cp, 'pay11-reversal-royalty', cp.locator('#entries-h'));

	f.step = 'contributor: the treasurer\'s page is not for them';
	await cp.goto(`${base}/treasurer.html`);
	await ready(cp);
	await cp.locator('#not-allowed').waitFor();
	assert.equal(await cp.locator('#treasurer-view').isVisible(), false);
	const denied = await pageFetch(cp, 'GET', '/api/v1/ledger');
	assert.equal(denied.status, 403, `the ledger for a contributor: ${denied.status}`);
	await cctx.close();

	f.step = 'logged out: both pages say so';
	const { ctx: octx, page: op } = await newPage(browser, problems);
	await op.goto(`${base}/earnings.html`);
	await ready(op);
	await op.locator('#logged-out').getByRole('link', { name: 'Log in' }).waitFor();
	assert.equal(await op.locator('#logged-out a').getAttribute('href'), 'join.html?next=earnings');
	await checkPage(op);
	await shot(op, 'pay10-logged-out');
	await op.goto(`${base}/treasurer.html`);
	await ready(op);
	await op.locator('#logged-out').waitFor();
	assert.equal(await op.locator('#logged-out a').getAttribute('href'), 'join.html?next=treasurer');
	await checkPage(op);
	await octx.close();
});
