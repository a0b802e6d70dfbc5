/*
** Browser test of flows 1-2 (join, consent) and withdrawal, against a real
** `tributary serve` on a fresh node, driven through Debian's chromium.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/consent_flow.mjs
**
** Screenshots (360x740) land in tests/out/screenshots/. Exits non-zero on
** any failure; the server and the browser are always stopped.
*/
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, log, run, shot, ready, checkPage, driveCodes, newPage, runFlow } from './harness.mjs';

const PIN = '4821';

await runFlow('tributary-browser-', async (f) => {
	const { data, problems } = f;

	f.step = 'init';
	run(['init', '--data', data]);
	f.step = 'campaign import';
	run(['campaign', 'import', '--data', data, join(REPO, 'tests', 'browser', 'campaign.json')]);
	f.step = 'drive-codes';
	const [code] = driveCodes(data, 'demo-text', 2);
	log(`drive code ${code}`);

	f.step = 'serve';
	/* The page for a translation a speaker reviewed: a copy of consent/
	** whose current French is marked reviewed, as their review would. */
	const consentDir = join(f.tmp, 'consent');
	cpSync(join(REPO, 'consent'), consentDir, { recursive: true });
	const current = Math.max(...readdirSync(join(consentDir, 'general')).filter((d) => /^\d+$/.test(d)).map(Number));
	const frPath = join(consentDir, 'general', String(current), 'fr.md');
	writeFileSync(frPath, readFileSync(frPath, 'utf8').replace(/^reviewed: false$/m, 'reviewed: true'));
	const base = await f.serve({ consentDir });
	log(`server at ${base}`);

	const browser = await f.launch();

	/* ---- first visit: join with the card, consent in French ---- */
	const { ctx, page } = await newPage(browser, problems);

	f.step = 'home';
	await page.goto(`${base}/`);
	await ready(page);
	await page.locator('#drives').getByText('Community text drive').waitFor();
	await checkPage(page);
	await shot(page, '00-home');

	f.step = 'join page';
	await page.getByRole('link', { name: 'Join or log in' }).first().click();
	await page.waitForURL(/\/join\.html/);
	await ready(page);
	await page.locator('#card').waitFor();
	await checkPage(page);
	await shot(page, '01-join');

	f.step = 'join with the card';
	/* case and dashes do not matter */
	await page.fill('#card', code.toLowerCase().replace(/-/g, ''));
	await page.fill('#pin', PIN);
	/* a card new to this phone asks for its PIN twice */
	if (await page.locator('#pin2').isVisible())
		await page.fill('#pin2', PIN);
	/* Keep the login answer: the page navigates away from it at once. */
	let loginStatus = 0;
	let loginBody = null;
	await page.route('**/api/v1/login', async (route) => {
		const r = await route.fetch();
		loginStatus = r.status();
		loginBody = await r.json();
		await route.fulfill({ response: r });
	});
	await page.getByRole('button', { name: 'Continue with my card' }).click();
	await page.waitForURL(/\/consent\.html\?campaign=demo-text/);
	await ready(page);
	await page.unroute('**/api/v1/login');
	assert.equal(loginStatus, 201, `first use of a card: POST /api/v1/login answered ${loginStatus}, wanted 201`);
	assert.equal(loginBody.created, true, 'first use of a card: "created": true');
	assert.equal(typeof loginBody.csrf, 'string', 'login answer carries a csrf token');
	await page.locator('#flash[role=status]', { hasText: 'Your PIN is set' }).waitFor();

	f.step = 'consent page';
	await page.locator('#consent-view').waitFor();
	await page.locator('#scope-list input').first().waitFor();
	assert.equal(await page.locator('#campaign-title').textContent(), 'Community text drive');

	f.step = 'switch to Russian (a draft: binding English shown)';
	await page.selectOption('#lang', 'ru');
	await page.locator('#doc-title', { hasText: 'Согласие' }).waitFor();
	await page.locator('#unreviewed').waitFor();
	await page.locator('#binding-text').waitFor();
	assert.equal(await page.locator('#draft-ui').isVisible(), true, 'draft notice for the Russian pages');
	await page.locator('#binding-text summary').click();
	await page.locator('#binding-body h4', { hasText: 'What we collect' }).waitFor();
	await shot(page, '02b-consent-ru', page.locator('#binding-text'));
	await page.locator('#binding-text summary').click();

	f.step = 'switch to Tajik';
	await page.selectOption('#lang', 'tg');
	await page.locator('#doc-title', { hasText: 'Розигӣ' }).waitFor();
	await checkPage(page);
	await shot(page, '02c-consent-tg');

	f.step = 'switch to French';
	await page.selectOption('#lang', 'fr');
	await page.locator('#doc-title', { hasText: 'Consentement pour la collecte' }).waitFor();
	assert.equal(await page.getAttribute('html', 'lang'), 'fr');
	assert.equal(await page.locator('#unreviewed').isVisible(), false, 'French is reviewed: no binding notice');
	assert.equal(await page.locator('#binding-text').isVisible(), false);
	assert.equal(await page.locator('#scope-list input[type=checkbox]').count(), 4, 'four scopes');
	assert.match(await page.locator('#age-label').textContent(), /16 ans ou plus/);
	assert.match(await page.locator('label[for="scope-publish_voice"]').textContent(), /enregistrements de votre voix/);
	/* the full text is one tap away, and rendered as elements */
	assert.equal(await page.locator('#doc-body h3', { hasText: 'Ce que nous recueillons' }).isVisible(), false);
	await page.locator('#full-text summary').click();
	await page.locator('#doc-body h3', { hasText: 'Ce que nous recueillons' }).waitFor();
	assert.ok(await page.locator('#doc-body ul li strong', { hasText: 'publish_text' }).count() >= 1, 'bold scope names in the body');
	const body = await page.locator('#doc-body').evaluate((e) => ({
		raw: /\*\*|\{#|^##/m.test(e.textContent),
		h3: e.querySelectorAll('h3').length,
		anchored: e.querySelectorAll('h3[id^="doc-"]').length,
		lists: e.querySelectorAll('ul').length,
	}));
	assert.equal(body.raw, false, 'no raw Markdown left in the rendered text');
	assert.equal(body.h3, 8, 'eight sections');
	assert.equal(body.anchored, 8, 'each section keeps its anchor');
	assert.ok(body.lists >= 4, 'the lists are lists');
	await page.locator('#full-text summary').click();
	await checkPage(page);
	await shot(page, '02-consent-fr');

	f.step = 'consent: the page says what is missing';
	await page.getByRole('button', { name: 'Donner mon consentement' }).click();
	await page.locator('#form-error p', { hasText: 'Publier mes textes' }).waitFor();
	await page.getByLabel(/Publier mes textes/).check();
	await page.getByRole('button', { name: 'Donner mon consentement' }).click();
	await page.locator('#form-error p', { hasText: 'parent ou un tuteur' }).waitFor();
	await page.getByLabel(/Publier mes textes/).uncheck();

	f.step = 'give consent';
	const camps = await (await page.request.get(`${base}/api/v1/campaigns`)).json();
	const docSlug = camps.campaigns.find((c) => c.slug === 'demo-text').consent;
	assert.equal(docSlug, 'general');
	const frDoc = await (await page.request.get(`${base}/api/v1/consent/${docSlug}?lang=fr`)).json();
	assert.equal(frDoc.lang, 'fr');
	await page.getByLabel(/Publier mes textes/).check();
	await page.getByLabel(/Publier mes enregistrements de voix/).check();
	await page.getByLabel(/J’ai 16 ans ou plus/).check();
	const [req, resp] = await Promise.all([
		page.waitForRequest((r) => r.url().endsWith('/api/v1/consents') && r.method() === 'POST'),
		page.waitForResponse((r) => r.url().endsWith('/api/v1/consents') && r.request().method() === 'POST'),
		page.getByRole('button', { name: 'Donner mon consentement' }).click(),
	]);
	const sent = req.postDataJSON();
	assert.deepEqual([...sent.scopes].sort(), ['publish_text', 'publish_voice']);
	assert.equal(sent.campaign, 'demo-text');
	assert.equal(sent.age_confirmed, true);
	assert.equal(sent.document, frDoc.sha256, 'the consent names the French document shown');
	assert.equal(req.headers()['x-csrf-token'], loginBody.csrf, 'POST carries the CSRF token from login');
	assert.equal(resp.status(), 201, `POST /api/v1/consents answered ${resp.status()}: ${await resp.text()}`);
	await page.locator('#done').waitFor();
	assert.match(await page.locator('#done-title').textContent(), /Merci/);
	assert.equal(await page.locator('#done-scopes li').count(), 2);
	await shot(page, '02d-consent-done');
	/* what the recorder asks for first is handed to it (api.js handOff) */
	const handed = () => page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('tributary.handoff:')));
	await page.waitForFunction(() => Object.keys(sessionStorage).some((k) => k.startsWith('tributary.handoff:/api/v1/me/consents')));

	f.step = 'my consents';
	await page.locator('#done').getByRole('link', { name: 'Mes consentements' }).click();
	await page.waitForURL(/\/consents\.html/);
	await ready(page);
	await page.locator('#list > li').first().waitFor();
	assert.equal(await page.locator('#list > li').count(), 1, 'one consent');
	const item = page.locator('#list > li').first();
	assert.equal((await item.locator('.badge').textContent()).trim(), 'En vigueur');
	assert.match(await item.textContent(), /Publier mes textes/);
	assert.match(await item.textContent(), /Publier mes enregistrements de voix/);
	assert.doesNotMatch(await item.textContent(), /Usage commercial/);
	assert.equal(await item.locator('button[data-withdraw]').count(), 1);
	const mine = await (await page.request.get(`${base}/api/v1/me/consents`)).json();
	assert.equal(mine.consents.length, 1);
	assert.deepEqual([...mine.consents[0].scopes].sort(), ['publish_text', 'publish_voice']);
	assert.equal(mine.consents[0].withdrawn_at, null);
	await checkPage(page);
	await shot(page, '03-consents');

	f.step = 'log out';
	assert.match(await page.locator('#nav-who-text').textContent(), /card-/, 'the menu says who is logged in');
	await page.locator('nav').getByRole('button', { name: 'Se déconnecter' }).click();
	await page.waitForURL(/\/join\.html$/);
	await ready(page);
	await page.locator('#flash', { hasText: 'Vous êtes déconnecté' }).waitFor();
	assert.deepEqual(await handed(), [], 'logging out drops what was handed on for the next person');
	assert.equal(await page.locator('#nav-who').isVisible(), false, 'nobody in the menu after logging out');
	await page.goto(`${base}/consents.html`);
	await ready(page);
	await page.locator('#logged-out').waitFor();
	assert.equal((await page.request.get(`${base}/api/v1/me`)).status(), 401, 'logged out: /me is 401');
	await shot(page, '03b-logged-out');
	await ctx.close();

	/* ---- another phone: the card and the PIN log in again ---- */
	f.step = 'second context: wrong PIN';
	const { ctx: ctx2, page: p2 } = await newPage(browser, problems);
	await p2.goto(`${base}/consents.html`);
	await ready(p2);
	await p2.locator('#logged-out').waitFor();
	await p2.locator('#logged-out').getByRole('link', { name: 'Log in', exact: true }).click();
	await p2.waitForURL(/\/join\.html\?next=consents/);
	await ready(p2);
	await p2.fill('#card', code);
	/* a new phone: the PIN was chosen before, so it is typed once */
	assert.equal(await p2.locator('#pin2').isVisible(), true, 'a card new to this phone offers the second PIN field');
	await p2.check('#pin-known');
	assert.equal(await p2.locator('#pin2').isVisible(), false, 'a PIN chosen before is typed once');
	await p2.fill('#pin', PIN === '0000' ? '1111' : '0000');
	const [bad] = await Promise.all([
		p2.waitForResponse((r) => r.url().endsWith('/api/v1/login')),
		p2.getByRole('button', { name: 'Continue with my card' }).click(),
	]);
	assert.equal(bad.status(), 401, `wrong PIN: POST /api/v1/login answered ${bad.status()}, wanted 401`);
	const badBody = await bad.json();
	assert.equal(badBody.error?.code, 'wrong_credentials', 'a wrong PIN answers as an unknown card does');
	const alert = p2.locator('#card-error[role=alert] p').first();
	await alert.waitFor();
	assert.ok((await alert.textContent()).trim().length > 0, 'the wrong PIN shows a message');
	assert.equal(await p2.getAttribute('#pin', 'aria-invalid'), 'true');
	assert.match(p2.url(), /\/join\.html/, 'still on the join page');
	await shot(p2, '03c-wrong-pin', p2.locator('#card-error'));

	f.step = 'second context: right PIN';
	await p2.fill('#pin', PIN);
	const [good] = await Promise.all([
		p2.waitForResponse((r) => r.url().endsWith('/api/v1/login')),
		p2.getByRole('button', { name: 'Continue with my card' }).click(),
	]);
	assert.equal(good.status(), 200, `card login again: POST /api/v1/login answered ${good.status()}, wanted 200`);
	await p2.waitForURL(/\/consents\.html/);
	await ready(p2);
	await p2.locator('#list > li').first().waitFor();
	assert.equal(await p2.locator('#list > li').count(), 1);
	assert.equal((await p2.locator('#list > li .badge').textContent()).trim(), 'Active');

	f.step = 'withdraw';
	await p2.getByRole('button', { name: 'Withdraw this consent' }).click();
	const confirm = p2.locator('.confirm');
	await confirm.waitFor();
	assert.match(await confirm.textContent(), /cannot be recalled/);
	assert.match(await confirm.textContent(), /Pay you already earned stays yours/);
	await checkPage(p2);
	await shot(p2, '03d-withdraw-confirm', confirm);
	const [wd] = await Promise.all([
		p2.waitForResponse((r) => /\/api\/v1\/consents\/[^/]+\/withdraw$/.test(r.url())),
		confirm.getByRole('button', { name: 'Yes, withdraw' }).click(),
	]);
	assert.equal(wd.status(), 200, `withdraw answered ${wd.status()}: ${await wd.text()}`);
	await p2.locator('#list > li .badge', { hasText: 'Withdrawn' }).waitFor();
	assert.equal(await p2.locator('button[data-withdraw]').count(), 0, 'no Withdraw button on a withdrawn consent');
	assert.match(await p2.locator('#status').textContent(), /withdrawn/);
	const after = await (await p2.request.get(`${base}/api/v1/me/consents`)).json();
	assert.equal(after.consents.length, 1);
	assert.equal(typeof after.consents[0].withdrawn_at, 'number', 'withdrawn_at is set');
	await shot(p2, '04-withdrawn');

	f.step = 'withdrawn survives a reload';
	await p2.reload();
	await ready(p2);
	await p2.locator('#list > li .badge', { hasText: 'Withdrawn' }).waitFor();
	await ctx2.close();

	/* ---- the other way in: a handle and a passphrase ---- */
	f.step = 'create an account with a handle';
	const { ctx: ctx3, page: p3 } = await newPage(browser, problems, { locale: 'fr-FR' });
	await p3.goto(`${base}/join.html`);
	await ready(p3);
	assert.equal(await p3.getAttribute('html', 'lang'), 'fr', 'the browser language picks French');
	await p3.fill('#handle', 'Ama');
	await p3.fill('#passphrase', 'cafe\u0301 au lait, s’il vous plaît');
	const [joinResp] = await Promise.all([
		p3.waitForRequest((r) => r.url().endsWith('/api/v1/join')),
		p3.getByRole('button', { name: 'Créer un compte' }).click(),
	]);
	const joined = joinResp.postDataJSON();
	assert.equal(joined.handle, 'ama', 'the handle is sent in small letters');
	assert.ok(joined.passphrase.startsWith('caf\u00e9 '), 'the passphrase is sent in NFC');
	await p3.waitForURL(/\/consent\.html\?campaign=demo-text/);
	await ready(p3);
	await p3.locator('#doc-title', { hasText: 'Consentement pour la collecte' }).waitFor();
	await ctx3.close();

	f.step = 'a taken handle is refused';
	const { ctx: ctx4, page: p4 } = await newPage(browser, problems);
	await p4.goto(`${base}/consent.html?campaign=demo-text`);
	await p4.waitForURL(/\/join\.html\?campaign=demo-text/);
	await ready(p4);
	await p4.fill('#handle', 'ama');
	await p4.fill('#passphrase', 'another long passphrase');
	await p4.getByRole('button', { name: 'Create account' }).click();
	await p4.locator('#handle-error p').first().waitFor();
	assert.equal(await p4.getAttribute('#handle', 'aria-invalid'), 'true',
	    `a taken handle: ${await p4.locator('#handle-error').textContent()}`);
	f.step = 'log in with the handle';
	await p4.fill('#passphrase', 'cafe\u0301 au lait, s’il vous plaît');
	await p4.getByRole('button', { name: 'Log in', exact: true }).click();
	await p4.waitForURL(/\/consent\.html\?campaign=demo-text/);
	await ready(p4);
	await p4.locator('#doc-title', { hasText: 'Consent for community' }).waitFor();
	await ctx4.close();
});
