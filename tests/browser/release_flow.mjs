/*
** Browser test of the releases page (issue 14, "Pages"), against a real
** `tributary serve` on a fresh node, driven through Debian's chromium.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/release_flow.mjs
**
** The data is made through the API, as the pages would: three card
** holders consent (one without commercial_use) and write; a reviewer
** accepts three texts (the drive decides on one vote); one text is
** withdrawn and one left waiting. Then in chromium the maintainer opens
** the releases page from the menu, previews a release by keyboard (the
** counts shown are the API's preview, and every reason something is left
** out is named), creates 1.0.0 (a draft in the list), opens its dataset
** card, verifies it (all files check out) and approves it (approved with
** the default of one approval). Creating 1.0.0 again is refused in plain
** words next to the form; after a byte is appended to one of its parquet
** files, Verify names that file. A logged-out browser sees 1.0.0 in the
** public list with its card: the heading from the card's body shown and
** the YAML front matter folded away in a closed <details>; the page fits
** the screen in every language.
**
** Screenshots (360x740) land in tests/out/screenshots/ as rel*.png. Exits
** non-zero on any failure; the server and the browser are always stopped.
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
	REPO, BIN, log, run, shot, ready, checkPage, driveCodes, newPage, initNode, runFlow,
} from './harness.mjs';

const SLUG = 'ewe-release';
const TITLE = 'Ewe words';
const PIN = '2468';
const PASS = 'a long enough passphrase';
const MAINT = 'ama.maint';
const REV = 'kofi.review';
const VERSION = '1.0.0';
const DATASET = 'ewe-words';
const LICENCE = 'cc0-1.0';
const CAMPAIGN = {
	slug: SLUG,
	title: TITLE,
	language: 'ee',
	kind: 'text',
	consent: 'general',
	required_scopes: ['publish_text'],
	minimum_age: 16,
	max_chars: 2000,
	review: { min_votes: 1, rule: 'majority' },
};

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

/*
** Logs in to ${base} with ${creds} ({card, pin} or {handle, passphrase})
** from this process; resolves with call(method, path, body, headers),
** which sends the session's cookie and CSRF token and resolves
** {status, json, text}.
*/
async function session(base, creds) {
	const r = await fetch(`${base}/api/v1/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: JSON.stringify(creds),
	});
	const text = await r.text();
	assert.ok(r.status === 200 || r.status === 201, `login ${JSON.stringify(creds)}: ${r.status} ${text}`);
	const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const { csrf } = JSON.parse(text);
	return async (method, path, body, headers = {}) => {
		const h = { Accept: 'application/json', Cookie: cookie, ...headers };
		if (method !== 'GET')
			h['X-CSRF-Token'] = csrf;
		if (body !== undefined)
			h['Content-Type'] = 'application/json';
		const res = await fetch(`${base}${path}`, {
			method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
		});
		const t = await res.text();
		let json = null;
		try {
			json = JSON.parse(t);
		} catch {
			json = null;
		}
		return { status: res.status, json, text: t };
	};
}

let keyNo = 0;

/* A card holder: logs in, consents with ${scopes}, writes ${texts}. */
async function contributor(base, card, doc, scopes, texts) {
	const call = await session(base, { card, pin: PIN });
	const c = await call('POST', '/api/v1/consents', { campaign: SLUG, document: doc, scopes, age_confirmed: true });
	assert.equal(c.status, 201, `consent: ${c.status} ${c.text}`);
	const made = [];
	for (const text of texts) {
		const key = `00000000-0000-4000-8000-${String(++keyNo).padStart(12, '0')}`;
		const r = await call('POST', '/api/v1/contributions', { campaign: SLUG, text }, { 'Idempotency-Key': key });
		assert.equal(r.status, 201, `contribution: ${r.status} ${r.text}`);
		made.push(r.json.contribution);
	}
	return { call, made };
}

/* Every file under ${dir}, as paths, sorted. */
function filesUnder(dir) {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
	    .filter((d) => d.isFile())
	    .map((d) => join(d.parentPath ?? d.path, d.name))
	    .sort();
}

/* Logs ${handle} in on the join page, which then opens the campaign page. */
async function logIn(page, base, handle) {
	await page.goto(`${base}/join.html?next=campaign`);
	await ready(page);
	await page.fill('#handle', handle);
	await page.fill('#passphrase', PASS);
	await page.getByRole('button', { name: 'Log in', exact: true }).click();
	await page.waitForURL(/\/campaign\.html$/);
	await ready(page);
}

const isPost = (path) => (r) => r.url().endsWith(path) && r.request().method() === 'POST';

await runFlow('tributary-release-', async (f) => {
	const { tmp, data, problems } = f;

	f.step = 'init';
	initNode(data);
	f.step = 'campaign import';
	const campaignFile = join(tmp, 'campaign.json');
	writeFileSync(campaignFile, JSON.stringify(CAMPAIGN));
	run(['campaign', 'import', '--data', data, campaignFile]);
	f.step = 'accounts';
	addUser(data, MAINT, 'maintainer');
	addUser(data, REV, 'reviewer');
	const cards = driveCodes(data, SLUG, 3);

	f.step = 'serve';
	const base = await f.serve();
	log(`server at ${base}`);

	/* ---- the data: consents, texts, votes, a withdrawal ---- */
	f.step = 'data through the API';
	const doc = (await (await fetch(`${base}/api/v1/consent/general`)).json()).sha256;
	assert.match(doc ?? '', /^[0-9a-f]{64}$/, 'the consent document\'s hash');
	const a = await contributor(base, cards[0], doc, ['publish_text', 'commercial_use'],
	    ['Ŋdi nyuie, nɔvinyewo.', 'Mawu le dziƒo.']);
	const b = await contributor(base, cards[1], doc, ['publish_text'], ['Tsi le dzadzam egbea.']);
	const c = await contributor(base, cards[2], doc, ['publish_text', 'commercial_use'],
	    ['Ya le ƒoƒom.', 'Ɣe le keklẽm.']);
	const rev = await session(base, { handle: REV, passphrase: PASS });
	for (const item of [...a.made, ...b.made]) {
		const v = await rev('POST', '/api/v1/reviews', { contribution: item.id, vote: 'up' },
		    { 'Idempotency-Key': `00000000-0000-4000-8000-${String(++keyNo).padStart(12, '0')}` });
		assert.equal(v.status, 201, `vote: ${v.status} ${v.text}`);
		assert.equal(v.json.status, 'validated', 'one vote decides on this drive');
	}
	const w = await c.call('POST', `/api/v1/contributions/${c.made[0].id}/withdraw`);
	assert.equal(w.status, 200, `withdraw: ${w.status} ${w.text}`);

	const maint = await session(base, { handle: MAINT, passphrase: PASS });
	const spec = { version: VERSION, dataset: DATASET, licence: LICENCE, permits: ['commercial_use'],
		campaigns: [SLUG], splits: [80, 10, 10] };
	const pv = await maint('POST', '/api/v1/releases/preview', spec);
	assert.equal(pv.status, 200, `preview from the API: ${pv.status} ${pv.text}`);
	const want = pv.json.report;
	assert.equal(want.rows, 2, `two items go in: ${pv.text}`);
	assert.equal(want.left.not_validated, 1, 'one waits for review');
	assert.equal(want.left.withdrawn, 1, 'one was withdrawn');
	assert.equal(want.left.scope_missing, 1, 'one consent lacks commercial_use');

	const browser = await f.launch();

	/* ---- the maintainer ---- */
	const { ctx: mctx, page: mp } = await newPage(browser, problems);

	f.step = 'maintainer: log in, Releases from the menu';
	await logIn(mp, base, MAINT);
	await mp.locator('nav').getByRole('link', { name: 'Releases' }).click();
	await mp.waitForURL(/\/releases\.html$/);
	await ready(mp);
	assert.equal(await mp.locator('nav a[aria-current="page"]').textContent(), 'Releases');
	assert.equal(await mp.locator('#maint-view').isVisible(), true, 'the maintainer\'s part is shown');
	assert.equal(await mp.locator('#public-none').textContent(), 'There is no release yet.');
	assert.equal(await mp.locator('#public-none').isVisible(), true);
	assert.equal(await mp.locator('#all-none').isVisible(), true);
	assert.deepEqual(await mp.locator('#nr-splits input').evaluateAll((l) => l.map((i) => i.value)), ['80', '10', '10'],
	    'splits default to 80/10/10');
	const licOptions = await mp.locator('#nr-licence option').evaluateAll((o) => o.map((x) => x.value));
	assert.ok(licOptions.includes(LICENCE), `${LICENCE} to choose: ${licOptions}`);
	/* The licences of consent/licences.yaml, not the prompts' list. */
	assert.ok(licOptions.includes('cc-by-nc-4.0') && !licOptions.includes('pddl'), `release licences: ${licOptions}`);
	/* A non-commercial licence cannot permit commercial use. */
	await mp.getByLabel('Licence', { exact: true }).selectOption('cc-by-nc-4.0');
	assert.equal(await mp.getByLabel('Commercial use').isDisabled(), true, 'commercial use off under cc-by-nc-4.0');
	assert.equal(await mp.getByLabel('Computer voices').isDisabled(), false);
	await mp.getByLabel(TITLE).waitFor();
	await checkPage(mp);
	await shot(mp, 'rel00-empty');

	f.step = 'maintainer: preview by keyboard';
	await mp.getByLabel('Version', { exact: true }).fill(VERSION);
	await mp.getByLabel('Dataset name').fill(DATASET);
	await mp.getByLabel('Licence', { exact: true }).selectOption(LICENCE);
	await mp.getByLabel('Commercial use').check();
	await mp.getByLabel(TITLE).check();
	await mp.getByLabel('Version', { exact: true }).focus();
	const [pr] = await Promise.all([
		mp.waitForResponse(isPost('/api/v1/releases/preview')),
		mp.keyboard.press('Enter'),
	]);
	assert.equal(pr.status(), 200, `preview: ${pr.status()} ${await pr.text()}`);
	assert.deepEqual(pr.request().postDataJSON(), spec, 'the form sends what was chosen');
	assert.ok(pr.request().headers()['x-csrf-token'], 'the preview carries the CSRF token');
	await mp.locator('#new-status', { hasText: 'Preview: 2 items would be in this release.' }).waitFor();
	assert.equal(await mp.locator('#report-box').getAttribute('data-kind'), 'preview');
	assert.equal(await mp.evaluate(() => document.activeElement?.id), 'report-h', 'focus moves to the result');
	assert.equal(Number(await mp.locator('#report [data-rows]').getAttribute('data-rows')), want.rows);
	for (const [config, splits] of Object.entries(want.configs))
		for (const [split, n] of Object.entries(splits)) {
			const cell = mp.locator(`#report tr[data-config="${config}"] td[data-split="${split}"]`);
			assert.equal(Number(await cell.getAttribute('data-value')), n, `${config} ${split}`);
			assert.equal(await cell.textContent(), String(n));
		}
	assert.equal(await mp.locator('#report tr[data-config]').count(), Object.keys(want.configs).length);
	const shown = Object.fromEntries(await mp.locator('#report li[data-reason]')
	    .evaluateAll((l) => l.map((x) => [x.dataset.reason, Number(x.dataset.count)])));
	assert.deepEqual(shown, want.left, 'every reason, with the API\'s count');
	for (const [reason, words] of [['not_validated', 'Not accepted by reviewers (yet): 1'],
		['withdrawn', 'Withdrawn by the person who gave it: 1'],
		['scope_missing', 'The consent does not allow this licence or these uses: 1'],
		['age', 'Age not confirmed: 0'], ['awaiting_correction', 'Waiting for a correction: 0'],
		['k_anonymity', 'Too few other speakers share the speaker\'s details (k-anonymity): 0']].filter(([r]) => r in want.left))
		assert.equal(await mp.locator(`#report li[data-reason="${reason}"]`).textContent(), words);
	await checkPage(mp);
	await shot(mp, 'rel01-preview', mp.locator('#report-box'));

	f.step = 'maintainer: create 1.0.0';
	const [cr] = await Promise.all([
		mp.waitForResponse(isPost('/api/v1/releases')),
		mp.getByRole('button', { name: 'Create', exact: true }).click(),
	]);
	assert.equal(cr.status(), 201, `create: ${cr.status()} ${await cr.text()}`);
	assert.deepEqual(cr.request().postDataJSON(), spec);
	await mp.locator('#new-status', { hasText: `Release ${VERSION} is created as a draft.` }).waitFor();
	assert.equal(await mp.locator('#report-box').getAttribute('data-kind'), 'created');
	const item = mp.locator(`#all-list > li[data-release="${VERSION}"]`);
	await item.waitFor();
	assert.equal(await item.locator('.badge').getAttribute('data-state'), 'draft');
	assert.equal(await item.locator('.badge').textContent(), 'Draft');
	assert.equal(await item.locator('h3').textContent(), `${DATASET} ${VERSION}`);
	assert.equal(await item.locator('dd[data-fact="items"]').textContent(), '2 items');
	assert.equal(await item.locator('dd[data-fact="approvals"]').textContent(), '0');
	assert.equal(await mp.locator('#public-list > li').count(), 0, 'a draft is not public');

	f.step = 'maintainer: the draft\'s card';
	await item.locator('summary', { hasText: 'Dataset card' }).click();
	const heading = item.locator('.card-doc h4', { hasText: `${DATASET}, version ${VERSION}` });
	await heading.waitFor();
	assert.equal(await item.locator('.card-doc h5', { hasText: 'Consent' }).count(), 1);
	const yaml = item.locator('details.card-yaml');
	assert.equal(await yaml.getAttribute('open'), null, 'the YAML starts folded');
	assert.match(await yaml.locator('pre').textContent(), new RegExp(`^license: ${LICENCE}$`, 'm'));
	assert.doesNotMatch(await item.locator('.card-doc').textContent(), /^---|license:/, 'no YAML in the rendered card');
	await checkPage(mp);
	await shot(mp, 'rel02-draft-card', heading);

	f.step = 'maintainer: verify';
	const [vr] = await Promise.all([
		mp.waitForResponse(isPost(`/api/v1/releases/${VERSION}/verify`)),
		item.getByRole('button', { name: 'Verify' }).click(),
	]);
	assert.equal(vr.status(), 200, `verify: ${vr.status()} ${await vr.text()}`);
	assert.deepEqual(await vr.json(), { version: VERSION, valid: true, first_bad: '' });
	await item.locator('[role="status"]', { hasText: 'All files and the signature check out.' }).waitFor();

	f.step = 'maintainer: approve';
	const [ar] = await Promise.all([
		mp.waitForResponse(isPost(`/api/v1/releases/${VERSION}/approve`)),
		item.getByRole('button', { name: 'Approve' }).click(),
	]);
	assert.equal(ar.status(), 200, `approve: ${ar.status()} ${await ar.text()}`);
	assert.deepEqual(await ar.json(), { version: VERSION, approvals: 1, needed: 1, state: 'approved' });
	await item.locator('[role="status"]', { hasText: 'Approved: 1 of 1 needed. The release is now published.' }).waitFor();
	assert.equal(await item.locator('.badge').getAttribute('data-state'), 'approved');
	assert.equal(await item.locator('dd[data-fact="approvals"]').textContent(), '1');
	assert.equal(await item.getByRole('button', { name: 'Approve' }).count(), 0, 'nothing left to approve');
	assert.equal(await item.locator('details.release-card').getAttribute('open'), '', 'the card stays open');
	await mp.locator(`#public-list > li[data-release="${VERSION}"]`).waitFor();
	await checkPage(mp);
	await shot(mp, 'rel03-approved', item);

	f.step = 'maintainer: the same version again';
	const [again] = await Promise.all([
		mp.waitForResponse(isPost('/api/v1/releases')),
		mp.getByRole('button', { name: 'Create', exact: true }).click(),
	]);
	assert.equal(again.status(), 409, `create again: ${again.status()}`);
	assert.equal((await again.json()).error.code, 'conflict');
	await mp.locator('#new-error p', { hasText: 'There is a release with this version already.' }).first().waitFor();
	assert.equal(await mp.getAttribute('#nr-version', 'aria-invalid'), 'true');
	assert.equal(await mp.evaluate(() => document.activeElement?.id), 'nr-version', 'the version is focused');
	await checkPage(mp);
	await shot(mp, 'rel04-conflict', mp.locator('#new-error'));

	f.step = 'maintainer: a reason the page has no words for is named by its key';
	await mp.route('**/api/v1/releases/preview', async (route) => {
		const res = await route.fetch();
		const body = await res.json();
		body.report.left.some_future_reason = 3;
		await route.fulfill({ response: res, json: body });
	});
	await mp.getByLabel('Version', { exact: true }).fill('1.0.1');
	await mp.getByRole('button', { name: 'Preview', exact: true }).click();
	await mp.locator('#report li[data-reason="some_future_reason"]', { hasText: 'some_future_reason: 3' }).waitFor();
	assert.equal(await mp.locator('#report li[data-reason]').last().getAttribute('data-reason'), 'some_future_reason',
	    'the known reasons first');
	assert.equal(await mp.locator('#new-error').textContent(), '', 'the conflict message is gone');
	await mp.unroute('**/api/v1/releases/preview');

	f.step = 'maintainer: what the server refuses, in plain words';
	await mp.getByLabel('Dataset name').fill('ewe words!');
	const [iv] = await Promise.all([
		mp.waitForResponse(isPost('/api/v1/releases/preview')),
		mp.getByRole('button', { name: 'Preview', exact: true }).click(),
	]);
	assert.equal(iv.status(), 400);
	const ivMsg = (await iv.json()).error.message;
	await mp.locator('#new-error p', { hasText: 'The server refused this release. What is wrong:' }).waitFor();
	assert.equal(await mp.locator('#new-error details.detail p').textContent(), ivMsg, 'the server\'s words, folded under Details');
	await mp.getByLabel('Dataset name').fill(DATASET);
	await mp.getByLabel('Train').fill('70');
	let asked = false;
	const onReq = (r) => {
		if (r.url().includes('/api/v1/releases'))
			asked = true;
	};
	mp.on('request', onReq);
	await mp.getByRole('button', { name: 'Preview', exact: true }).click();
	await mp.locator('#new-error', { hasText: 'The three splits are whole numbers from 0 to 100 that add up to 100.' }).waitFor();
	assert.equal(await mp.getAttribute('#nr-train', 'aria-invalid'), 'true');
	assert.equal(asked, false, 'splits not adding up to 100 are not sent');
	mp.off('request', onReq);
	await mp.getByLabel('Train').fill('80');

	f.step = 'maintainer: a changed file';
	const dir = join(data, 'releases', VERSION);
	const parquets = filesUnder(join(dir, 'data')).filter((p) => p.endsWith('.parquet'));
	assert.ok(parquets.length > 0, `parquet files under ${dir}/data`);
	appendFileSync(parquets[0], Buffer.from([0]));
	const bad = relative(dir, parquets[0]);
	const [vb] = await Promise.all([
		mp.waitForResponse(isPost(`/api/v1/releases/${VERSION}/verify`)),
		item.getByRole('button', { name: 'Verify' }).click(),
	]);
	assert.deepEqual(await vb.json(), { version: VERSION, valid: false, first_bad: bad });
	await item.locator('[role="alert"]', { hasText: `Changed or missing: ${bad}` }).waitFor();
	assert.equal(await item.locator('[role="status"]').textContent(), '', 'the earlier "check out" is gone');
	await checkPage(mp);
	await shot(mp, 'rel05-verify-changed', item.locator('[role="alert"]'));
	await mctx.close();

	/* ---- anyone ---- */
	f.step = 'logged out: the public list and the card';
	const { ctx: pctx, page: pp } = await newPage(browser, problems);
	const allAsked = [];
	pp.on('request', (r) => {
		if (r.url().includes('/api/v1/releases/all'))
			allAsked.push(r.url());
	});
	await pp.goto(`${base}/releases.html`);
	await ready(pp);
	assert.equal(await pp.locator('#maint-view').isVisible(), false, 'no maintainer\'s part for the public');
	assert.equal(await pp.locator('#public-none').isVisible(), false);
	const pub = pp.locator(`#public-list > li[data-release="${VERSION}"]`);
	await pub.waitFor();
	assert.equal(await pp.locator('#public-list > li').count(), 1);
	assert.equal(await pub.locator('h3').textContent(), `${DATASET} ${VERSION}`);
	assert.match(await pub.locator('dd[data-fact="licence"]').textContent(), new RegExp(LICENCE.replace(/\./g, '\\.')));
	assert.equal(await pub.locator('dd[data-fact="items"]').textContent(), '2 items');
	assert.ok((await pub.locator('dd[data-fact="created"]').textContent()).length > 0, 'a date');
	assert.equal(await pub.getByRole('button').count(), 0, 'no Approve or Verify for the public');
	await pub.locator('summary', { hasText: 'Dataset card' }).click();
	const pubHeading = pub.locator('.card-doc h4', { hasText: `${DATASET}, version ${VERSION}` });
	await pubHeading.waitFor();
	assert.equal(await pubHeading.isVisible(), true, 'the card\'s heading is shown');
	const pubYaml = pub.locator('details.card-yaml');
	assert.equal(await pubYaml.getAttribute('open'), null, 'the YAML is folded away');
	assert.equal(await pubYaml.locator('pre').isVisible(), false);
	assert.match(await pubYaml.locator('pre').textContent(), new RegExp(`^license: ${LICENCE}$`, 'm'));
	assert.deepEqual(allAsked, [], 'the public page never asks for every release');
	await checkPage(pp);
	await shot(pp, 'rel06-public-card', pubHeading);
	await pubYaml.locator('summary').click();
	assert.equal(await pubYaml.locator('pre').isVisible(), true, 'the YAML opens on demand');
	await checkPage(pp);
	await shot(pp, 'rel07-public-yaml', pubYaml);

	f.step = 'logged out: the files, and the lines that load them';
	/* Listed through the node's Hub read API, as a Hub client sees them. */
	const files = pub.locator('details.release-files');
	await files.locator('summary').click();
	await files.locator('li[data-path$=".parquet"]').first().waitFor();
	const paths = await files.locator('li[data-path]').evaluateAll((l) => l.map((x) => x.dataset.path));
	assert.ok(paths.includes('README.md') && paths.includes('manifest.json'), `files: ${paths}`);
	assert.ok(paths.some((p) => /^data\/ee-text\/(train|dev|test)-00000-of-00001\.parquet$/.test(p)), `files: ${paths}`);
	const py = await files.locator('pre[data-lang="python"]').textContent();
	assert.match(py, new RegExp(`load_dataset\\("tributary/${DATASET}", "ee-text", revision="${VERSION}"\\)`), py);
	assert.match(py, /^export HF_ENDPOINT=http:\/\/127\.0\.0\.1:\d+$/m, py);
	const js = await files.locator('pre[data-lang="js"]').textContent();
	assert.match(js, new RegExp(`name: "tributary/${DATASET}"`), js);
	await checkPage(pp);
	await shot(pp, 'rel08-public-files', files);

	f.step = 'the page in every language fits the screen';
	for (const l of ['fr', 'ru', 'is', 'tg', 'en']) {
		const cat = JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', `${l}.json`), 'utf8'));
		await pp.selectOption('#lang', l);
		await pp.locator('#public-h', { hasText: cat['releases.public_title'] }).waitFor();
		await pp.locator('nav a[aria-current="page"]', { hasText: cat['nav.releases'] }).waitFor();
		await checkPage(pp);
	}
	await pctx.close();
});
