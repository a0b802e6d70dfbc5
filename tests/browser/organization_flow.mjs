/*
** Browser test of the organization behind a node and the admin page's
** card tools (issue 18). The admin fills in the organization on the admin
** page; the home page shows it to anyone. Sign-up by handle switched off
** hides "Create account" on the join page (logging in stays). The
** account list offers card re-issue only to an account that has a card
** and shows its label; a maintainer finds the card's holder by the label
** on its stub, whatever the case, and sets it.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/organization_flow.mjs
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, REPO, log, run, ready, checkPage, newPage, runFlow, pageFetch, driveCodes } from './harness.mjs';

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

await runFlow('tributary-organization-', async (f) => {
	const { data, problems } = f;

	f.step = 'node';
	run(['init', '--data', data]);
	run(['campaign', 'import', '--data', data, join(REPO, 'tests', 'browser', 'campaign.json')]);
	const slug = JSON.parse(execFileSync('cat', [join(REPO, 'tests', 'browser', 'campaign.json')], { encoding: 'utf8' })).slug;
	const [code] = driveCodes(data, slug, 1);
	addUser(data, 'root', 'admin');
	addUser(data, 'mia', 'maintainer');
	addUser(data, 'rolf', 'reviewer');
	const base = await f.serve();
	const browser = await f.launch();

	f.step = 'a card holder labels the card at first use';
	const { page: anon } = await newPage(browser, problems);
	await anon.goto(`${base}/join.html`);
	await ready(anon);
	let r = await pageFetch(anon, 'POST', '/api/v1/login', { card: code, pin: '2468', label: 'Þóra, blue dress' });
	assert.equal(r.status, 201, `card login: ${r.status} ${r.text}`);
	const holder = JSON.parse(r.text).account;

	f.step = 'the admin sets the organization';
	const { page: admin } = await newPage(browser, problems);
	await logIn(admin, base, 'root');
	await admin.goto(`${base}/admin.html`);
	await ready(admin);
	await admin.locator('#org-form').waitFor();
	await admin.fill('#org-name', 'Ewe Language Trust');
	await admin.fill('#org-contact', '+233 20 000 0000\nHo, Volta Region');
	await admin.fill('#org-about', 'Teachers and linguists.');
	await admin.uncheck('#handle-signup');
	await admin.click('#org-form button[type=submit]');
	await admin.locator('#status p').waitFor();
	await checkPage(admin);

	f.step = 're-issue is offered only where there is a card';
	const holderItem = admin.locator(`li[data-account="${holder.id}"]`);
	await holderItem.locator('[data-card]').waitFor();
	assert.match(await holderItem.locator('.account-label').innerText(), /Þóra, blue dress/);
	const rolfItem = admin.locator('li[data-account]').filter({ hasText: 'rolf' });
	assert.equal(await rolfItem.locator('[data-card]').count(), 0, 'no re-issue for an account without a card');
	await admin.fill('#filter', 'BLUE DRESS');
	assert.equal(await admin.locator('#accounts > li').count(), 1, 'the filter finds the label');

	f.step = 'the home page shows the organization';
	await anon.goto(`${base}/`);
	await ready(anon);
	await anon.locator('#org-section').waitFor();
	assert.equal(await anon.locator('#org-name').innerText(), 'Ewe Language Trust');
	assert.match(await anon.locator('#org-contact').innerText(), /\+233 20 000 0000\s+Ho, Volta Region/);
	await checkPage(anon);

	f.step = 'sign-up by handle is closed';
	await anon.goto(`${base}/join.html`);
	await ready(anon);
	await anon.locator('#handle-form button[value=join]').waitFor({ state: 'hidden' });
	assert.ok(await anon.locator('#handle-form button[value=login]').isVisible(), 'log-in stays');

	f.step = 'a maintainer finds the card by its label';
	const { page: mia } = await newPage(browser, problems);
	await logIn(mia, base, 'mia');
	await mia.goto(`${base}/admin.html`);
	await ready(mia);
	await mia.locator('#card-search').waitFor();
	await mia.fill('#search-q', 'þÓRA');
	await mia.click('#search-form button');
	const found = mia.locator(`li[data-holder="${holder.id}"]`);
	await found.waitFor();
	assert.equal(await mia.locator('#search-results > li').count(), 1);
	await found.locator('input[name=label]').fill('Þóra Jónsdóttir');
	await found.locator('.label-form button').click();
	await mia.locator('#status p').waitFor();
	assert.match(await mia.locator(`li[data-holder="${holder.id}"] .account-label`).innerText(), /Þóra Jónsdóttir/);
	await mia.fill('#search-q', 'rolf');
	await mia.click('#search-form button');
	await mia.locator('#search-results li').filter({ hasText: 'rolf' }).waitFor();
	assert.equal(await mia.locator('#search-results [data-card]').count(), 0, 'no re-issue for rolf');
	await checkPage(mia);
	log('organization, sign-up switch and card labels: ok');
});
