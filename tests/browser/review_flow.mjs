/*
** Browser test of flow 4 (review) and the maintainer's campaign page,
** against a real `tributary serve` on a fresh node, driven through
** Debian's chromium.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/review_flow.mjs
**
** A maintainer imports prompts from a .txt file on the campaign page (a
** file with a bad line first: refused with its line number, nothing
** imported); two contributors write with their cards; two reviewers vote
** from their own browsers, by keyboard and by tapping: one text accepted
** (both "good"), one not (both "not good: noise"); a vote on an item
** already voted on from another tab is refused in plain words and the
** page moves on; the empty queue says so and checks again. The maintainer
** sees the numbers, charts and reasons on the campaign page, overrides a
** decision with a reason, prints drive cards (a downloaded sheet), reads
** the audit log and its chain, sees a new campaign's error next to its
** field, and sets a reviewer's languages on the admin page; the
** administrator sees every account's languages there.
**
** Screenshots (360x740) land in tests/out/screenshots/ as r*.png. Exits
** non-zero on any failure; the server and the browser are always stopped.
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	REPO, BIN, log, run, shot, ready, checkPage, pageFetch, driveCodes, newPage, initNode, runFlow,
} from './harness.mjs';

const SLUG = 'ewe-review';
const PIN = '2468';
const PASS = 'a long enough passphrase';
const MAINT = 'ama.maint';
const REV1 = 'kofi.review';
const REV2 = 'esi.review';
const GOOD = 'Ŋdi nyuie, nɔvinyewo. Mawu le dziƒo.';
const NOISY = 'Tsi le dzadzam egbea, eye ya le ƒoƒom.';
/* A full name a reviewer flags: the drive keeps names as written
** (review-campaign.json: "redact":{"names":false}), so it is stored. */
const NAMED = 'Nye hlɔ̃ Kofi Mensah le aƒe le tɔsisi la to.';
const PROMPTS = ['Mawu le dziƒo.', 'Ŋdi nyuie, nɔvinyewo.', 'Tsi le dzadzam egbea.'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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

/*
** A contributor with drive card ${card}: log in, consent on the consent
** page, write ${text}, preview and send it, as contribute_flow does.
** Resolves with the contribution the server made.
*/
async function contribute(browser, problems, base, card, text) {
	const { ctx, page } = await newPage(browser, problems);
	await page.goto(`${base}/contribute.html?campaign=${SLUG}`);
	await page.waitForURL(/\/join\.html\?next=contribute/);
	await ready(page);
	await page.fill('#card', card);
	await page.fill('#pin', PIN);
	/* a card new to this phone asks for its PIN twice */
	if (await page.locator('#pin2').isVisible())
		await page.fill('#pin2', PIN);
	await page.getByRole('button', { name: 'Continue with my card' }).click();
	await page.waitForURL(new RegExp(`/contribute\\.html\\?campaign=${SLUG}`));
	await ready(page);
	assert.equal(await page.locator('#nav-review').isVisible(), false, 'no Review in the menu for a contributor');
	/* the first time, consent first */
	await page.locator('#no-consent:visible, #write-view:visible').first().waitFor();
	if (await page.locator('#no-consent').isVisible()) {
		await page.locator('#no-consent').getByRole('link', { name: 'Read the consent' }).click();
		await page.waitForURL(/\/consent\.html/);
		await ready(page);
		await page.getByLabel(/Publish my text/).check();
		await page.getByLabel(/I am 16 or older/).check();
		await page.getByRole('button', { name: 'Give my consent' }).click();
		await page.locator('#done').getByRole('link', { name: 'Contribute now' }).click();
		await page.waitForURL(/\/contribute\.html/);
		await ready(page);
	}
	await page.locator('#write-view').waitFor();
	await page.fill('#text', text);
	await page.getByRole('button', { name: 'Preview' }).click();
	await page.locator('#preview-view').waitFor();
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/v1/contributions') && r.request().method() === 'POST'),
		page.getByRole('button', { name: 'Send' }).click(),
	]);
	assert.equal(resp.status(), 201, `a contribution: ${resp.status()} ${await resp.text()}`);
	const made = (await resp.json()).contribution;
	await page.locator('#done').waitFor();
	await ctx.close();
	return made;
}

/* ${r} (a request or its response) is the page asking for the next item. */
function isNext(r) {
	const q = typeof r.request === 'function' ? r.request() : r;
	return q.url().includes('/api/v1/review/next?') && q.method() === 'GET';
}

/* ${r} (a request or its response) is a vote. */
function isVote(r) {
	const q = typeof r.request === 'function' ? r.request() : r;
	return q.url().endsWith('/api/v1/reviews') && q.method() === 'POST';
}

/* The number the campaign page shows for total ${key}. */
async function stat(page, key) {
	const dd = page.locator(`#totals dd[data-stat="${key}"]`);
	await dd.waitFor();
	return Number(await dd.getAttribute('data-value'));
}

await runFlow('tributary-browser-', async (f) => {
	const { tmp, data, problems } = f;

	f.step = 'init';
	const adminCode = initNode(data);
	f.step = 'campaign import';
	run(['campaign', 'import', '--data', data, join(REPO, 'tests', 'browser', 'review-campaign.json')]);
	f.step = 'accounts';
	addUser(data, MAINT, 'maintainer');
	addUser(data, REV1, 'reviewer');
	addUser(data, REV2, 'reviewer');
	const cards = driveCodes(data, SLUG, 2);

	f.step = 'serve';
	const base = await f.serve();
	log(`server at ${base}`);

	const browser = await f.launch();

	/* ---- the maintainer imports prompts on the campaign page ---- */
	const { ctx: mctx, page: mp } = await newPage(browser, problems);

	f.step = 'maintainer: log in, the list of campaigns';
	await logIn(mp, base, 'campaign', MAINT, /\/campaign\.html$/);
	assert.equal(await mp.locator('#nav-campaign').isVisible(), true, 'Campaigns in the menu for a maintainer');
	assert.equal(await mp.locator('#nav-review').isVisible(), true, 'Review in the menu for a maintainer');
	await mp.locator(`#campaign-list a[data-campaign="${SLUG}"]`).waitFor();
	await mp.locator('#audit li').first().waitFor();
	await checkPage(mp);
	await shot(mp, 'r00-campaigns');
	await mp.locator(`#campaign-list a[data-campaign="${SLUG}"]`).click();
	await mp.waitForURL(new RegExp(`/campaign\\.html\\?slug=${SLUG}$`));
	await ready(mp);
	assert.equal(await mp.locator('#page-h').textContent(), 'Ewe sentences');
	assert.match(await mp.locator('#prompts-count').textContent(), /^0 in use, 0 retired$/);

	f.step = 'maintainer: a file with a bad line is refused whole';
	const lics = json(await pageFetch(mp, 'GET', '/api/v1/licences'), 'licences').licences;
	const cc0 = lics.find((l) => /^cc0-1\.0$/i.test(l.id))?.id;
	assert.ok(cc0, `CC0 among the licences: ${JSON.stringify(lics)}`);
	assert.equal(await mp.locator('#pi-licence option').count(), lics.length + 1, 'every licence to choose from');
	await mp.getByText('Import prompts from a file').click();
	await mp.selectOption('#pi-licence', cc0);
	await mp.fill('#pi-source', 'Test sentences');
	await mp.setInputFiles('#pi-file', {
		name: 'bad.txt', mimeType: 'text/plain',
		buffer: Buffer.from(`${PROMPTS[0]}\n${'ŋ'.repeat(1200)}\n${PROMPTS[2]}\n`),
	});
	const [badImp] = await Promise.all([
		mp.waitForResponse((r) => r.url().includes('/prompts/import')),
		mp.getByRole('button', { name: 'Import', exact: true }).click(),
	]);
	assert.equal(badImp.status(), 400, `a file with a line too long: ${badImp.status()} ${await badImp.text()}`);
	assert.equal(badImp.request().headers()['content-type'], 'text/plain');
	assert.ok(badImp.url().endsWith(`?licence=${encodeURIComponent(cc0)}&source=Test+sentences`), badImp.url());
	const refused = mp.locator('#pi-error li[data-line]');
	await refused.first().waitFor();
	assert.deepEqual(await refused.evaluateAll((ls) => ls.map((l) => l.dataset.line)), ['2'],
	    'the refused line is named by its number');
	assert.match(await refused.first().textContent(), /^Line 2: /);
	await checkPage(mp);
	await shot(mp, 'r01-import-refused', mp.locator('#pi-error'));
	assert.equal(await mp.locator('#prompts > li').count(), 0, 'nothing was imported');

	f.step = 'maintainer: import prompts from a .txt file';
	await mp.setInputFiles('#pi-file', {
		name: 'prompts.txt', mimeType: 'text/plain', buffer: Buffer.from(`${PROMPTS.join('\n')}\n`),
	});
	const [imp] = await Promise.all([
		mp.waitForResponse((r) => r.url().includes('/prompts/import')),
		mp.getByRole('button', { name: 'Import', exact: true }).click(),
	]);
	assert.equal(imp.status(), 200, `import: ${imp.status()} ${await imp.text()}`);
	assert.deepEqual(await imp.json(), { imported: 3, duplicates: 0 });
	await mp.locator('#status', { hasText: 'Imported: 3.' }).waitFor();
	await mp.locator('#prompts > li').nth(2).waitFor();
	assert.deepEqual(await mp.locator('#prompts .prompt-line').allTextContents(), PROMPTS);
	const cc0Name = lics.find((l) => l.id === cc0).name;
	assert.ok((await mp.locator('#prompts > li').first().textContent())
	    .includes(`Source: Test sentences · ${cc0Name} · used 0 times`), 'source, licence and uses are shown');

	f.step = 'maintainer: edit, retire and restore a prompt';
	const third = mp.locator('#prompts > li').nth(2);
	await third.getByRole('button', { name: 'Edit' }).click();
	await mp.locator('#prompts textarea').fill(PROMPTS[2].replace('egbea', 'egbe'));
	const [ed] = await Promise.all([
		mp.waitForResponse((r) => /\/api\/v1\/prompts\/\d+$/.test(r.url())),
		mp.locator('#prompts').getByRole('button', { name: 'Save' }).click(),
	]);
	assert.equal(ed.status(), 200, `edit a prompt: ${ed.status()} ${await ed.text()}`);
	await mp.locator('#prompts .prompt-line', { hasText: 'dzadzam egbe.' }).waitFor();
	const [re] = await Promise.all([
		mp.waitForResponse((r) => /\/api\/v1\/prompts\/\d+$/.test(r.url())),
		mp.locator('#prompts > li').nth(2).getByRole('button', { name: 'Retire' }).click(),
	]);
	assert.equal(re.status(), 200);
	assert.equal((await re.json()).prompt.retired, true);
	await mp.locator('#prompts > li.retired .badge', { hasText: 'Retired' }).waitFor();
	assert.match(await mp.locator('#prompts-count').textContent(), /^2 in use, 1 retired$/);
	const live = json(await pageFetch(mp, 'GET', '/api/v1/campaigns'), 'campaigns').campaigns
	    .find((c) => c.slug === SLUG).prompts.map((p) => p.text);
	assert.deepEqual(live, PROMPTS.slice(0, 2), 'a retired prompt is offered to nobody');
	await mp.locator('#prompts > li.retired').getByRole('button', { name: 'Use again' }).click();
	await mp.locator('#prompts-count', { hasText: '3 in use, 0 retired' }).waitFor();
	await checkPage(mp);
	await shot(mp, 'r02-prompts', mp.locator('#prompts-h'));

	/* ---- two contributors write ---- */
	f.step = 'contributor 1 writes';
	const itemGood = await contribute(browser, problems, base, cards[0], GOOD);
	f.step = 'contributor 2 writes';
	const itemNoisy = await contribute(browser, problems, base, cards[1], NOISY);
	log(`contributions ${itemGood.id} and ${itemNoisy.id}`);

	/* ---- reviewer 1: by keyboard ---- */
	const { ctx: r1ctx, page: r1 } = await newPage(browser, problems);

	f.step = 'reviewer 1: log in, the drive is chosen, the oldest item first';
	const [first] = await Promise.all([
		r1.waitForResponse(isNext),
		logIn(r1, base, 'review', REV1, /\/review\.html$/),
	]);
	assert.equal(first.status(), 200, `next: ${first.status()} ${await first.text()}`);
	const firstItem = (await first.json()).item;
	assert.equal(firstItem.id, itemGood.id, 'the oldest item comes first');
	assert.equal(await r1.locator('#nav-review').isVisible(), true, 'Review in the menu for a reviewer');
	assert.equal(await r1.locator('#nav-campaign').isVisible(), false, 'no Campaigns for a reviewer');
	await r1.locator('#item-view').waitFor();
	assert.equal(await r1.locator('#item-view').getAttribute('data-item'), String(itemGood.id));
	assert.equal(await r1.locator('#item-body .review-text').textContent(), GOOD);
	assert.equal(await r1.locator('#item-body .review-text').getAttribute('lang'), 'ee');
	assert.equal(await r1.locator('#prompt-box').isVisible(), firstItem.prompt !== null,
	    'the prompt is shown beside the item when it has one');
	assert.match(await r1.locator('#campaign-line').textContent(), /^Ewe sentences · /);
	assert.equal(await r1.locator('#today').textContent(), 'Done today: 0');
	assert.equal(await r1.locator('#keys').isVisible(), true, 'the keyboard shortcuts are on screen');
	assert.equal(await r1.locator('#up').getAttribute('aria-keyshortcuts'), 'U ArrowUp');
	await checkPage(r1);
	await shot(r1, 'r03-review');

	f.step = 'reviewer 1: the reasons in French';
	await r1.selectOption('#lang', 'fr');
	await r1.locator('#today', { hasText: 'Fait aujourd’hui : 0' }).waitFor();
	await r1.locator('#down').click();
	await r1.locator('label[for="reason-noise"]', { hasText: 'Bruit ou interruptions' }).waitFor();
	assert.equal(await r1.locator('#down').getAttribute('aria-expanded'), 'true');
	await checkPage(r1);
	await shot(r1, 'r04-review-reasons-fr', r1.locator('#down-form'));
	for (const l of ['ru', 'is', 'tg']) {
		const cat = JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', `${l}.json`), 'utf8'));
		await r1.selectOption('#lang', l);
		await r1.locator('label[for="reason-noise"]', { hasText: cat['review.reason_noise'] }).waitFor();
		await checkPage(r1);
	}
	await r1.keyboard.press('Escape');
	assert.equal(await r1.locator('#down-form').isVisible(), false, 'Esc closes the reasons');
	await r1.selectOption('#lang', 'en');
	await r1.locator('#today', { hasText: 'Done today: 0' }).waitFor();

	f.step = 'reviewer 1: U votes good';
	await r1.evaluate(() => document.activeElement?.blur());
	const [v1req, v1, n1] = await Promise.all([
		r1.waitForRequest(isVote),
		r1.waitForResponse(isVote),
		r1.waitForResponse(isNext),
		r1.keyboard.press('u'),
	]);
	const key1 = v1req.headers()['idempotency-key'];
	assert.match(key1 ?? '', UUID, `Idempotency-Key ${key1}`);
	assert.ok(v1req.headers()['x-csrf-token'], 'the vote carries the CSRF token');
	assert.deepEqual(v1req.postDataJSON(), { contribution: itemGood.id, vote: 'up' });
	assert.equal(v1.status(), 201, `vote: ${v1.status()} ${await v1.text()}`);
	const a1 = await v1.json();
	assert.equal(a1.status, 'pending');
	assert.deepEqual(a1.votes, { up: 1, down: 0 });
	assert.equal(a1.today, 1);
	assert.equal((await n1.json()).item.id, itemNoisy.id, 'then the next item');
	await r1.locator('#today', { hasText: 'Done today: 1' }).waitFor();
	await r1.locator('#result', { hasText: 'your “good” is counted' }).waitFor();
	await r1.locator(`#item-view[data-item="${itemNoisy.id}"]`).waitFor();
	const kept = await r1.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('tributary.vote.')));
	assert.deepEqual(kept, [], 'the key is dropped once the server has answered');

	f.step = 'reviewer 1: the same key again is the same vote';
	const again = await pageFetch(r1, 'POST', '/api/v1/reviews', { contribution: itemGood.id, vote: 'up' },
	    { 'Idempotency-Key': key1 });
	assert.equal(again.status, 200, `the same key again: ${again.status} ${again.text}`);
	assert.deepEqual(json(again, 'retry').review, a1.review, 'the same vote, not a second one');
	const other = await pageFetch(r1, 'POST', '/api/v1/reviews', { contribution: itemGood.id, vote: 'down', reason: 'noise' },
	    { 'Idempotency-Key': '00000000-0000-4000-8000-00000000a001' });
	assert.equal(other.status, 409, `a second vote under a new key: ${other.status} ${other.text}`);
	assert.equal(json(other, 'second').error?.code, 'second_vote');
	const bad = await pageFetch(r1, 'POST', '/api/v1/reviews', { contribution: itemNoisy.id, vote: 'down', reason: 'other' },
	    { 'Idempotency-Key': '00000000-0000-4000-8000-00000000a002' });
	assert.equal(bad.status, 400, `"other" without a note: ${bad.status} ${bad.text}`);

	f.step = 'reviewer 1: "other" needs a note on the page';
	await r1.keyboard.press('7');
	assert.equal(await r1.locator('#reason-other').isChecked(), true, '7 chooses "Something else"');
	assert.equal(await r1.evaluate(() => document.activeElement?.id), 'note', 'and goes to the note');
	await r1.getByRole('button', { name: 'Send: not good' }).click();
	await r1.locator('#vote-error', { hasText: 'Say in the note what is wrong.' }).waitFor();
	assert.equal(await r1.getAttribute('#note', 'aria-invalid'), 'true');
	await r1.getByRole('button', { name: 'Back', exact: true }).click();

	f.step = 'reviewer 1: a second tab votes not good: noise';
	const { page: r1b } = await newPage(browser, problems, { ctx: r1ctx });
	await Promise.all([r1b.waitForResponse(isNext), r1b.goto(`${base}/review.html?campaign=${SLUG}`)]);
	await ready(r1b);
	await r1b.locator(`#item-view[data-item="${itemNoisy.id}"]`).waitFor();
	await r1b.getByRole('button', { name: /No, something is wrong/ }).click();
	await r1b.getByLabel(/Noise or interruptions/).check();
	const [v2req, v2] = await Promise.all([
		r1b.waitForRequest(isVote),
		r1b.waitForResponse(isVote),
		r1b.getByRole('button', { name: 'Send: not good' }).click(),
	]);
	assert.deepEqual(v2req.postDataJSON(), { contribution: itemNoisy.id, vote: 'down', reason: 'noise' });
	assert.equal(v2.status(), 201, `vote: ${v2.status()} ${await v2.text()}`);
	assert.notEqual(v2req.headers()['idempotency-key'], key1, 'a new vote has a new key');
	await r1b.locator('#empty').waitFor();
	await r1b.close();

	f.step = 'reviewer 1: the first tab votes on it too: refused, and moves on';
	const [v3, n3] = await Promise.all([
		r1.waitForResponse(isVote),
		r1.waitForResponse(isNext),
		r1.keyboard.press('u'),
	]);
	assert.equal(v3.status(), 409, `a vote already cast from another tab: ${v3.status()}`);
	assert.equal((await v3.json()).error.code, 'second_vote');
	assert.equal(n3.status(), 204, 'nothing left for this reviewer');
	await r1.locator('#notice', { hasText: 'You had already voted on that one.' }).waitFor();
	await r1.locator('#empty').waitFor();
	assert.equal(await r1.locator('#item-view').isVisible(), false);
	await r1.locator('#today', { hasText: 'Done today: 2' }).waitFor(); /* two votes; the refused one does not count */
	await checkPage(r1);
	await shot(r1, 'r05-review-empty');

	f.step = 'reviewer 1: check again';
	const [n4] = await Promise.all([
		r1.waitForResponse(isNext),
		r1.getByRole('button', { name: 'Check again' }).click(),
	]);
	assert.equal(n4.status(), 204);
	await r1.locator('#empty').waitFor();
	await r1ctx.close();

	/* ---- reviewer 2: by tapping, then by keyboard ---- */
	const { ctx: r2ctx, page: r2 } = await newPage(browser, problems);

	f.step = 'reviewer 2: good';
	const [n5] = await Promise.all([
		r2.waitForResponse(isNext),
		logIn(r2, base, 'review', REV2, /\/review\.html$/),
	]);
	assert.equal((await n5.json()).item.id, itemGood.id);
	await r2.locator(`#item-view[data-item="${itemGood.id}"]`).waitFor();
	const [v5] = await Promise.all([
		r2.waitForResponse(isVote),
		r2.waitForResponse(isNext),
		r2.getByRole('button', { name: /Yes, good/ }).click(),
	]);
	assert.equal(v5.status(), 201, `vote: ${v5.status()} ${await v5.text()}`);
	const a5 = await v5.json();
	assert.equal(a5.status, 'validated', 'two "good" votes accept it');
	assert.deepEqual(a5.votes, { up: 2, down: 0 });
	await r2.locator('#result', { hasText: 'with your vote this one is accepted' }).waitFor();

	f.step = 'reviewer 2: J, 2, Enter: not good, noise';
	await r2.locator(`#item-view[data-item="${itemNoisy.id}"]`).waitFor();
	await r2.keyboard.press('j');
	await r2.locator('#down-form').waitFor();
	await r2.keyboard.press('2');
	assert.equal(await r2.locator('#reason-noise').isChecked(), true, '2 chooses noise');
	const [v6req, v6] = await Promise.all([
		r2.waitForRequest(isVote),
		r2.waitForResponse(isVote),
		r2.waitForResponse(isNext),
		r2.keyboard.press('Enter'),
	]);
	assert.deepEqual(v6req.postDataJSON(), { contribution: itemNoisy.id, vote: 'down', reason: 'noise' });
	assert.equal(v6.status(), 201);
	const a6 = await v6.json();
	assert.equal(a6.status, 'rejected', 'two "not good" votes reject it');
	assert.equal(a6.review.reason, 'noise');
	await r2.locator('#result', { hasText: 'with your vote this one is not accepted' }).waitFor();
	await r2.locator('#empty').waitFor();
	assert.equal(await r2.locator('#today').textContent(), 'Done today: 2');
	await r2ctx.close();

	/* ---- the maintainer sees it, overrides a decision ---- */
	f.step = 'maintainer: the numbers';
	await mp.reload();
	await ready(mp);
	assert.equal(await stat(mp, 'validated'), 1);
	assert.equal(await stat(mp, 'rejected'), 1);
	assert.equal(await stat(mp, 'queue'), 0);
	assert.equal(await stat(mp, 'votes'), 4);
	assert.equal(await stat(mp, 'contributors'), 2);
	assert.equal(await stat(mp, 'reviewers'), 2);
	assert.equal(await mp.locator('#totals dd[data-stat="validated"]').textContent(), '1', 'the number is shown');
	assert.equal(await mp.locator('#totals dd[data-stat="votes"]').textContent(), '4');
	const today = (s) => mp.locator(`svg.chart-${s} rect.chart-bar`).last();
	assert.equal(await mp.locator('svg.chart-submitted rect.chart-bar').count(), 30, 'a bar a day for 30 days');
	assert.equal(await today('submitted').getAttribute('data-value'), '2', 'two given today');
	assert.equal(await today('validated').getAttribute('data-value'), '1', 'one accepted today');
	assert.equal(await today('votes').getAttribute('data-value'), '4', 'four votes today');
	assert.ok(Number(await today('votes').getAttribute('height')) > 0, 'today\'s bar is drawn');
	assert.equal(await mp.locator('#reasons-chart li[data-reason="noise"] .bar-count').textContent(), '2', 'both "not good" votes said noise');
	assert.equal(await mp.locator('#reasons-chart li[data-reason="noise"]').count(), 1);
	assert.equal(await mp.locator('#reasons-chart li').first().getAttribute('data-reason'), 'noise',
	    'the commonest reason first');
	assert.equal(await mp.locator('svg.chart').evaluateAll((s) => s.every((x) => x.namespaceURI === 'http://www.w3.org/2000/svg')), true);
	await checkPage(mp);
	await shot(mp, 'r06-campaign-stats', mp.locator('#stats-h'));

	f.step = 'maintainer: override a decision';
	await mp.selectOption('#status-filter', 'validated');
	const acc = mp.locator(`#contribs > li[data-contribs-item="${itemGood.id}"]`);
	await acc.waitFor();
	assert.match(await acc.textContent(), /2 good, 0 not good/);
	await acc.getByRole('button', { name: 'Change the decision' }).click();
	await acc.getByLabel('Not accepted').check();
	await acc.getByRole('button', { name: 'Save the decision' }).click();
	await acc.locator('.alert', { hasText: 'Give a reason.' }).waitFor();
	await acc.getByLabel(/^Reason/).fill('The same text is already in the dataset');
	await checkPage(mp);
	await shot(mp, 'r07-override', acc);
	const [ov] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith(`/api/v1/contributions/${itemGood.id}/decision`)),
		acc.getByRole('button', { name: 'Save the decision' }).click(),
	]);
	assert.equal(ov.status(), 200, `decision: ${ov.status()} ${await ov.text()}`);
	assert.deepEqual(ov.request().postDataJSON(), { status: 'rejected', reason: 'The same text is already in the dataset' });
	assert.equal((await ov.json()).contribution.status, 'rejected');
	await mp.locator('#status', { hasText: `No. ${itemGood.id} is now: Not accepted.` }).waitFor();
	await mp.locator('#totals dd[data-stat="rejected"][data-value="2"]').waitFor();
	assert.equal(await stat(mp, 'validated'), 0);
	await mp.locator('#contribs-none').waitFor();
	await mp.selectOption('#status-filter', 'rejected');
	await mp.locator(`#contribs > li[data-contribs-item="${itemGood.id}"]`).waitFor();
	assert.equal(await mp.locator('#contribs > li').count(), 2);

	f.step = 'maintainer: the audit log';
	await mp.reload();
	await ready(mp);
	await mp.locator('#chain[data-state="intact"]').waitFor();
	assert.match(await mp.locator('#chain').textContent(), /^The log is intact: all \d+ rows check out\.$/);
	await mp.locator('#audit li').first().waitFor();
	const newest = Number(await mp.locator('#audit li').first().getAttribute('data-audit'));
	const ids = await mp.locator('#audit li').evaluateAll((ls) => ls.map((l) => Number(l.dataset.audit)));
	assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
	assert.match(await mp.locator('#audit li').first().textContent(), new RegExp(MAINT.replace('.', '\\.')),
	    'the override is the newest entry, by the maintainer');
	await mp.fill('#audit-subject', String(itemGood.id));
	const [af] = await Promise.all([
		mp.waitForResponse((r) => r.url().includes('/api/v1/audit?')),
		mp.getByRole('button', { name: 'Show', exact: true }).click(),
	]);
	assert.match(af.url(), new RegExp(`subject=${itemGood.id}`));
	await mp.locator(`#audit li[data-audit="${newest}"]`).waitFor();
	await mp.fill('#audit-subject', 'x1');
	await mp.getByRole('button', { name: 'Show', exact: true }).click();
	await mp.locator('#audit-error', { hasText: 'Type a number' }).waitFor();
	await mp.fill('#audit-subject', '');
	await mp.fill('#audit-actor', REV1);
	const [aa] = await Promise.all([
		mp.waitForResponse((r) => r.url().includes('/api/v1/audit?')),
		mp.getByRole('button', { name: 'Show', exact: true }).click(),
	]);
	const byRev = (await aa.json()).entries;
	assert.ok(byRev.every((e) => e.actor === REV1), `entries by ${REV1} only: ${JSON.stringify(byRev)}`);
	await mp.getByRole('button', { name: 'Everything' }).click();
	await checkPage(mp);
	await shot(mp, 'r08-audit', mp.locator('#audit-h'));

	f.step = 'a text with a name in it, flagged for personal data';
	const itemNamed = await contribute(browser, problems, base, cards[0], NAMED);
	const { ctx: r3ctx, page: r3 } = await newPage(browser, problems);
	await Promise.all([r3.waitForResponse(isNext), logIn(r3, base, 'review', REV1, /\/review\.html$/)]);
	await r3.locator(`#item-view[data-item="${itemNamed.id}"]`).waitFor();
	await r3.keyboard.press('4');
	await r3.getByLabel('Note (needed for “Something else”)').fill('A full name');
	const [v7] = await Promise.all([
		r3.waitForResponse(isVote),
		r3.getByRole('button', { name: 'Send: not good' }).click(),
	]);
	assert.equal(v7.status(), 201, `vote: ${v7.status()} ${await v7.text()}`);
	assert.deepEqual(v7.request().postDataJSON(),
	    { contribution: itemNamed.id, vote: 'down', reason: 'personal_data', note: 'A full name' });
	await r3.locator('#empty').waitFor();
	await r3ctx.close();

	f.step = 'maintainer: correct it from the correction list';
	await mp.reload();
	await ready(mp);
	assert.equal(await stat(mp, 'corrections'), 1);
	const corr = mp.locator(`#corrections > li[data-corr-item="${itemNamed.id}"]`);
	await corr.waitFor();
	assert.match(await corr.locator('.review-reasons').textContent(),
	    new RegExp(`It holds personal data .* — “A full name” \\(${REV1.replace('.', '\\.')}\\)`));
	await corr.getByRole('button', { name: 'Correct the text' }).click();
	assert.equal(await corr.locator('textarea').inputValue(), NAMED);
	await corr.locator('textarea').fill(NAMED.replace(' Kofi Mensah', ''));
	await checkPage(mp);
	await shot(mp, 'r11-correct', corr);
	const [co] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith(`/api/v1/contributions/${itemNamed.id}/correct`)),
		corr.getByRole('button', { name: 'Save the correction' }).click(),
	]);
	assert.equal(co.status(), 200, `correct: ${co.status()} ${await co.text()}`);
	assert.equal((await co.json()).contribution.text, NAMED.replace(' Kofi Mensah', ''));
	await mp.locator('#status', { hasText: `No. ${itemNamed.id} is corrected.` }).waitFor();
	await mp.locator('#corrections-none').waitFor();
	await mp.locator('#totals dd[data-stat="corrections"][data-value="0"]').waitFor();

	f.step = 'the campaign page in every language fits the screen';
	for (const l of ['fr', 'ru', 'is', 'tg', 'en']) {
		const cat = JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', `${l}.json`), 'utf8'));
		await mp.selectOption('#lang', l);
		await mp.locator('#stats-h', { hasText: cat['campaign.stats_title'] }).waitFor();
		await mp.locator('#reasons-chart li[data-reason="noise"] .bar-name', { hasText: cat['review.reason_noise'] }).waitFor();
		await checkPage(mp);
	}

	f.step = 'maintainer: print drive cards';
	await mp.fill('#cards-count', '300');
	await mp.getByRole('button', { name: 'Make the cards' }).click();
	await mp.locator('#cards-error', { hasText: 'from 1 to 200' }).waitFor();
	await mp.fill('#cards-count', '3');
	const [dl, cr] = await Promise.all([
		mp.waitForEvent('download'),
		mp.waitForResponse((r) => r.url().endsWith(`/api/v1/campaigns/${SLUG}/cards`)),
		mp.getByRole('button', { name: 'Make the cards' }).click(),
	]);
	assert.equal(cr.status(), 200, `cards: ${cr.status()}`);
	assert.match(cr.headers()['content-type'] ?? '', /^text\/html/);
	assert.deepEqual(cr.request().postDataJSON(), { count: 3 });
	assert.match(dl.suggestedFilename(), new RegExp(`^cards-${SLUG}-\\d{4}-\\d{2}-\\d{2}\\.html$`));
	const sheetPath = join(tmp, 'cards.html');
	await dl.saveAs(sheetPath);
	const sheet = readFileSync(sheetPath, 'utf8');
	assert.equal((sheet.match(/<svg/g) ?? []).length, 3, 'three cards, each with its QR code');
	await mp.locator('#status', { hasText: '3 cards made' }).waitFor();
	assert.equal(await mp.locator('#cards-link').isVisible(), true, 'the sheet can be downloaded again');

	f.step = 'maintainer: a new campaign: the error next to its field';
	await mp.goto(`${base}/campaign.html`);
	await ready(mp);
	await mp.fill('#nf-slug', 'Akan Words');
	await mp.fill('#nf-title', 'Akan words');
	await mp.fill('#nf-language', 'ak');
	const [nb] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith('/api/v1/campaigns') && r.request().method() === 'POST'),
		mp.getByRole('button', { name: 'Create the campaign' }).click(),
	]);
	assert.equal(nb.status(), 400);
	assert.equal((await nb.json()).error.field, 'slug');
	await mp.locator('#nf-slug-error p').first().waitFor();
	assert.equal(await mp.getAttribute('#nf-slug', 'aria-invalid'), 'true');
	assert.equal(await mp.evaluate(() => document.activeElement?.id), 'nf-slug', 'the field is focused');
	await checkPage(mp);
	await shot(mp, 'r09-new-campaign-error', mp.locator('#nf-slug'));
	await mp.fill('#nf-slug', 'akan-words');
	const [nc] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith('/api/v1/campaigns') && r.request().method() === 'POST'),
		mp.getByRole('button', { name: 'Create the campaign' }).click(),
	]);
	assert.equal(nc.status(), 200, 'create a campaign (the page goes to it at once)');
	const def = nc.request().postDataJSON();
	assert.equal(def.kind, 'text');
	assert.deepEqual(def.required_scopes, ['publish_text']);
	assert.deepEqual(def.review, { rule: 'majority', min_votes: 2 });
	await mp.waitForURL(/\/campaign\.html\?slug=akan-words$/);
	await ready(mp);
	assert.equal(await mp.locator('#page-h').textContent(), 'Akan words');

	f.step = 'maintainer: close a campaign, confirmed first';
	await mp.getByRole('button', { name: 'Close the campaign' }).click();
	await mp.locator('#close-q', { hasText: 'Close “Akan words” now?' }).waitFor();
	const [cl] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith('/api/v1/campaigns/akan-words/close')),
		mp.getByRole('button', { name: 'Yes, close it' }).click(),
	]);
	assert.equal(cl.status(), 200, `close: ${cl.status()} ${await cl.text()}`);
	await mp.locator('#close-box', { hasText: 'This campaign has ended.' }).waitFor();

	f.step = 'maintainer: a reviewer\'s languages by account number';
	const accounts = run(['user', 'list', '--data', data]);
	const rev2Id = new RegExp(`(\\d+)\\s+${REV2.replace('.', '\\.')}\\b`).exec(accounts)?.[1];
	assert.ok(rev2Id, `user list names ${REV2}:\n${accounts}`);
	await mp.goto(`${base}/admin.html`);
	await ready(mp);
	await mp.locator('#langs-by-id').waitFor();
	await mp.fill('#langs-byid', rev2Id);
	await mp.fill('#langs-list', 'EE, ak');
	const [lg] = await Promise.all([
		mp.waitForResponse((r) => r.url().endsWith(`/api/v1/accounts/${rev2Id}/languages`)),
		mp.getByRole('button', { name: 'Save the languages' }).click(),
	]);
	assert.equal(lg.status(), 200, `languages: ${lg.status()} ${await lg.text()}`);
	assert.deepEqual(lg.request().postDataJSON(), { languages: ['ee', 'ak'] });
	assert.deepEqual((await lg.json()).account.languages, ['ee', 'ak']);
	await mp.locator('#status', { hasText: `Languages of ${REV2}:` }).waitFor();
	await checkPage(mp);
	await mctx.close();

	/* ---- the administrator sees every account's languages ---- */
	f.step = 'admin: languages per account';
	const { ctx: actx, page: ap } = await newPage(browser, problems);
	await ap.goto(`${base}/admin.html`);
	await ready(ap);
	await ap.fill('#code', adminCode);
	await ap.getByRole('button', { name: 'Log in', exact: true }).click();
	await ap.locator('#admin-view').waitFor();
	const rev2Item = ap.locator(`#accounts > li[data-account="${rev2Id}"]`);
	assert.equal(await rev2Item.locator('.account-langs').getAttribute('data-languages'), 'ee,ak');
	const rev1Item = ap.locator('#accounts > li', { has: ap.locator('h3', { hasText: REV1 }) });
	assert.equal(await rev1Item.locator('.account-langs').getAttribute('data-languages'), 'ee');
	await rev1Item.getByLabel(`Languages of ${REV1}`).fill('ee, not a tag!');
	await rev1Item.getByRole('button', { name: 'Save the languages' }).click();
	await rev1Item.locator('.alert', { hasText: 'Write language tags' }).waitFor();
	await rev1Item.getByLabel(`Languages of ${REV1}`).fill('ee, tw');
	const [lg2] = await Promise.all([
		ap.waitForResponse((r) => /\/api\/v1\/accounts\/\d+\/languages$/.test(r.url())),
		rev1Item.getByRole('button', { name: 'Save the languages' }).click(),
	]);
	assert.equal(lg2.status(), 200, `languages: ${lg2.status()} ${await lg2.text()}`);
	await rev1Item.locator('.account-langs[data-languages="ee,tw"]').waitFor();
	await checkPage(ap);
	await shot(ap, 'r10-admin-languages', rev1Item);
	await actx.close();
});
