/*
** A drive in Twi (ak) and one in Tajik (tg), as a person at each meets it:
** the card's QR link, the PIN chosen twice, the drive, the consent, a text
** written and sent. On every view, every visible text node must be a
** value of that language's catalog (placeholders filled), or the person's
** own data (their text, their card, their account's name), the drive's
** own title and prompts, the consent document's own text, a language's
** name in itself, a date, or no words at all (numbers, punctuation).
** Only that language's catalog is fetched (never English first).
**
** Then the paths of the pages a person at a drive needs: text written
** offline is kept, sent once the connection returns (exactly once, with
** the redacted text shown) and gone from the phone; two PINs that differ
** are refused before anything is sent; Log out in the menu; Delete my
** account with its confirmation; the menu at 200% text size.
*/
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	REPO, runFlow, run, initNode, driveCodes, newPage, ready, checkPage, shot, pageFetch, log,
} from './harness.mjs';

const PIN = '4826';
const DRIVES = {
	ak: {
		slug: 'twi-text', locale: 'ak-GH', title: 'Yɛn kasa mu nsɛm',
		prompts: ['Ka wo kurom dwamu ho asɛm kyerɛ yɛn.'],
		text: 'Me nana taa to dwom bi anɔpa biara. me@example.org',
		offline: 'Ɛnnɛ yɛkɔɔ dwamu, na nnipa dɔɔso wɔ hɔ.',
		/* the drive's file words its description, and a scope's name, and
		   gives its title in Tajik */
		description: 'Kyerɛw nsɛm tiawa wɔ Twi mu ma yɛn kasa.',
		translations: { ak: { scopes: { publish_text: 'Yi me nsɛm adi ma obiara' } }, tg: { title: 'Матнҳо бо забони тви' } },
	},
	tg: {
		slug: 'tajik-text', locale: 'tg-TJ', title: 'Матнҳо бо забони тоҷикӣ',
		prompts: ['Дар бораи бозори шаҳратон нақл кунед.'],
		text: 'Бибиам ҳар саҳар суруд мехонд. me@example.org',
		offline: 'Имрӯз ба бозор рафтем.',
		description: 'Матнҳои кӯтоҳ бо забони тоҷикӣ нависед.',
		translations: { ak: { title: 'Tajik kasa mu nsɛm' } },
	},
};
/* Each language's name in itself, as the menu shows it (i18n.js). */
const ENDONYMS = ['English', 'Français', 'Русский', 'Íslenska', 'Тоҷикӣ', 'Twi', 'Eʋegbe', 'Gã'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/*
** What language ${lang}'s catalog can put on a page: each value (each
** plural form) as a pattern with its placeholders open, and the pieces
** between placeholders (a sentence filled around a node, such as a drive's
** title in its own lang, is several text nodes).
*/
function catalog(lang) {
	const cat = JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', `${lang}.json`), 'utf8'));
	const patterns = []; /* values with words of their own, placeholders open */
	const joins = []; /* values of placeholders alone ("{a} · {b}"): their separators */
	const pieces = new Set();
	for (const [k, v] of Object.entries(cat)) {
		if (k.startsWith('_') || typeof v !== 'string')
			continue;
		const plural = /^(zero|one|two|few|many|other):/.test(v);
		for (let form of v.split('|')) {
			form = form.replace(/^(zero|one|two|few|many|other):/, '').replace(/\s+/g, ' ').trim();
			const parts = form.split(plural ? /\{\w+\}|#/ : /\{\w+\}/);
			if (!parts.some((p) => /\p{L}/u.test(p))) {
				const seps = parts.filter((p) => p.trim() !== '');
				if (seps.length > 0)
					joins.push(seps);
				continue;
			}
			for (const p of parts)
				if (/\p{L}/u.test(p))
					pieces.add(p.trim());
			patterns.push(new RegExp(`^${parts.map(escape).join('[\\s\\S]+?')}$`, 'u'));
		}
	}
	return { cat, patterns, joins, pieces };
}

/* Is ${text} (one visible text node) from catalog ${c} or data in ${allowed}? */
function fromCatalog(c, allowed, text, depth = 0) {
	text = text.trim();
	if (!/\p{L}/u.test(text))
		return true;
	if (c.pieces.has(text) || c.patterns.some((re) => re.test(text)))
		return true;
	if (allowed.some((a) => a === text || a.includes(text)))
		return true;
	if (/^\[[A-Z_]+\]$/.test(text) || /\d{4}/.test(text) && /\d{1,2}:\d{2}/.test(text))
		return true; /* a redaction mark; a date and time */
	/* "{language} · {kind}": every part must be allowed on its own */
	if (depth === 0)
		for (const seps of c.joins) {
			const re = new RegExp(seps.map(escape).join('|'));
			const parts = text.split(re);
			if (parts.length > 1 && parts.every((p) => fromCatalog(c, allowed, p, 1)))
				return true;
		}
	return false;
}

/* The visible text nodes of the page, each with where it is. */
function visibleText(page) {
	return page.evaluate(() => {
		const out = [];
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			const s = n.textContent.replace(/\s+/g, ' ').trim();
			const p = n.parentElement;
			if (s === '' || !p || p.closest('script, style, template, noscript'))
				continue;
			if (!p.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }))
				continue;
			const closed = p.closest('details:not([open])');
			if (closed && !closed.querySelector(':scope > summary')?.contains(p))
				continue;
			const opt = p.closest('option');
			if (opt && !opt.selected)
				continue;
			out.push({
				text: s,
				where: p.closest('[id]')?.id ?? p.tagName,
				/* the consent document's own words, and its binding English beside a draft */
				doc: p.closest('#doc-body, #binding-body, #binding-title, #doc-title, .explanation, .binding-expl span[lang], #licence span') !== null,
			});
		}
		return out;
	});
}

/*
** Fails unless every visible text node of ${page} comes from ${lang}'s
** catalog or is data in ${allowed}; ${view} names the view in the message.
*/
async function onlyCatalog(page, cat, allowed, view) {
	const bad = [];
	for (const { text, where, doc } of await visibleText(page))
		if (!doc && !fromCatalog(cat, allowed, text))
			bad.push(`${where}: ${JSON.stringify(text)}`);
	assert.deepEqual(bad, [], `${page.url()} (${view}): visible text not from the catalog`);
}

/* A catalog's address as the source tree names it: the built webroot's
   i18n/ak.drive.3f2a91c0d4.json (the drive pages' part) and
   i18n/ak.3f2a91c0d4.json are both ak's catalog, i18n/ak.json. */
const catalogName = (path) => path.replace(/(\.drive)?\.[0-9a-f]{8,}(?=\.json$)/, '');
const isPost = (path) => (r) => new URL(r.url()).pathname === path && r.request().method() === 'POST';

/*
** One person at drive ${d} in language ${lang}: from the card's link to a
** sent text. Resolves {ctx, page, allowed, cat, asked} (asked: the
** catalog files the pages fetched).
*/
async function drive(f, browser, base, lang, card, overrides = {}) {
	const d = DRIVES[lang];
	const cat = catalog(lang);
	/* strings saved on the node's translation page are the catalog too */
	for (const v of Object.values(overrides))
		cat.pieces.add(v);
	const { ctx, page } = await newPage(browser, f.problems, { locale: d.locale });
	/* The drives' descriptions and translated words, as a campaign file
	** gives them ("description", "translations"), laid into the node's
	** answer here: a node that caches a campaign holding them frees them
	** twice (server/http/api_shared.c, req_campaign), so the files above
	** leave them out until it is fixed. */
	await page.route('**/api/v1/campaigns', async (route) => {
		const r = await route.fetch();
		const j = await r.json();
		for (const c of j.campaigns ?? []) {
			const x = Object.values(DRIVES).find((y) => y.slug === c.slug);
			if (x) {
				c.description = x.description;
				c.translations = x.translations;
			}
		}
		await route.fulfill({ response: r, json: j });
	});
	const asked = [];
	page.on('request', (r) => {
		const u = new URL(r.url());
		if (u.pathname.startsWith('/i18n/'))
			asked.push(catalogName(u.pathname));
	});
	/* every drive's own title and prompts are the drive's words, not the pages' */
	const allowed = [...Object.values(DRIVES).flatMap((x) => [x.title, x.description, ...x.prompts,
	    ...Object.values(x.translations).flatMap((tr) => [tr.title, ...Object.values(tr.scopes ?? {})])]),
	    d.text, d.offline, card,
	    'Tributary', ...ENDONYMS].filter((x) => typeof x === 'string');

	f.step = `${lang}: the card's link`;
	await page.goto(`${base}/join.html?card=${card}`);
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), lang, `the browser's ${d.locale} picks ${lang}`);
	assert.equal(await page.inputValue('#card'), card, 'the card code comes from the link');
	assert.equal(await page.locator('#pin2').isVisible(), true, 'a new card asks for its PIN twice');
	await onlyCatalog(page, cat, allowed, 'join');
	/* the menu holds the languages the node offers, each named in itself */
	const list = await pageFetch(page, 'GET', '/api/v1/i18n');
	assert.equal(list.status, 200, `GET /api/v1/i18n: ${list.status}`);
	const offered = JSON.parse(list.text).languages.filter((x) => x.offered).map((x) => x.lang);
	assert.deepEqual(await page.$$eval('#lang option', (os) => os.map((o) => o.value)), offered,
	    'the menu lists the offered languages, in the node\'s order');
	assert.ok(offered.includes(lang), `${lang} is offered`);
	assert.equal(await page.$eval('#lang', (s) => s.value), lang);
	for (const [k, v] of Object.entries(overrides))
		assert.equal(await page.locator(`[data-i18n="${k}"]`).first().textContent(), v, `the node's ${k} over the file's`);
	/* the check can fail: an English string of the catalog is caught */
	await page.evaluate(() => {
		const p = document.createElement('p');
		p.id = 'probe';
		p.textContent = 'Continue with my card';
		document.getElementById('main').append(p);
	});
	await assert.rejects(onlyCatalog(page, cat, allowed, 'probe'), /probe: "Continue with my card"/);
	await page.evaluate(() => document.getElementById('probe').remove());
	await checkPage(page);
	await shot(page, `i-${lang}-01-join`);

	f.step = `${lang}: two PINs that differ`;
	let logins = 0;
	page.on('request', (r) => {
		if (new URL(r.url()).pathname === '/api/v1/login')
			logins++;
	});
	await page.fill('#pin', PIN);
	await page.fill('#pin2', PIN.split('').reverse().join(''));
	await page.locator('#card-form button[type=submit]').click();
	await page.locator('#card-error p', { hasText: cat.cat['join.pin_mismatch'] }).waitFor();
	assert.equal(logins, 0, 'two PINs that differ are refused before anything is sent');
	assert.equal(await page.getAttribute('#pin2', 'aria-invalid'), 'true');
	await onlyCatalog(page, cat, allowed, 'join: PINs differ');

	f.step = `${lang}: the PIN twice`;
	await page.fill('#pin2', PIN);
	const [login] = await Promise.all([
		page.waitForResponse(isPost('/api/v1/login')),
		page.locator('#card-form button[type=submit]').click(),
	]);
	assert.equal(login.status(), 201, `the card's first use: ${login.status()}`);
	assert.equal(login.request().postDataJSON().pin_again, PIN, 'the PIN typed twice goes as pin_again');
	await page.waitForURL(/\/(consent|contribute)\.html/);
	await ready(page);
	const me = JSON.parse((await pageFetch(page, 'GET', '/api/v1/me')).text).account;
	allowed.push(me.handle);
	assert.match(await page.locator('#nav-who-text').textContent(), new RegExp(escape(me.handle)),
	    'the menu says who is logged in');
	assert.equal(await page.locator('#menu-logout').isVisible(), true, 'Log out in the menu');

	log(`${lang}: after the login, ${new URL(page.url()).pathname}${new URL(page.url()).search}`);
	if (/\/contribute\.html/.test(page.url())) {
		f.step = `${lang}: which drive`;
		/* the node does not say which drive the card is for: a choice,
		   never simply the first drive */
		await page.locator('#choose').waitFor();
		await onlyCatalog(page, cat, allowed, 'choose a drive');
		const link = page.locator('#choose-list a', { hasText: d.title });
		assert.equal(await link.locator('[lang]').getAttribute('lang'), lang, 'the drive\'s title carries its own lang');
		/* the other drive, under the title its file gives in this language */
		const [other] = Object.values(DRIVES).filter((x) => x !== d);
		const otherTitle = other.translations[lang]?.title;
		assert.ok(otherTitle, 'the other drive translates its title');
		const o = page.locator('#choose-list a', { hasText: otherTitle });
		assert.equal(await o.count(), 1, `the other drive is offered as "${otherTitle}"`);
		assert.equal(await o.locator('[lang]').getAttribute('lang'), lang, 'a translated title carries the page\'s lang');
		await checkPage(page);
		await shot(page, `i-${lang}-02-choose`);
		await link.click();
		await page.waitForURL(new RegExp(`/contribute\\.html\\?campaign=${d.slug}`));
		await ready(page);
		await page.locator('#no-consent').waitFor();
		await onlyCatalog(page, cat, allowed, 'consent first');
		await page.locator('#consent-link').click();
		await page.waitForURL(new RegExp(`/consent\\.html\\?campaign=${d.slug}`));
		await ready(page);
	}

	f.step = `${lang}: the consent`;
	await page.locator('#scope-list input').first().waitFor();
	assert.equal(await page.getAttribute('#campaign-title', 'lang'), lang, 'the drive\'s title carries its own lang');
	assert.equal(await page.locator('#scope-list').getByText('publish_text').count(), 0, 'no internal scope id shown');
	assert.equal(await page.locator('#campaign-desc').textContent(), d.description, 'the drive\'s description');
	assert.equal(await page.getAttribute('#campaign-desc', 'lang'), lang);
	const ownScope = d.translations[lang]?.scopes?.publish_text;
	if (ownScope)
		assert.equal(await page.locator('label[for="scope-publish_text"] .name').textContent(), ownScope,
		    'the drive\'s own name for a scope, in this language');
	await onlyCatalog(page, cat, allowed, 'consent');
	await checkPage(page);
	await shot(page, `i-${lang}-03-consent`);

	f.step = `${lang}: a needed use left out`;
	await page.check('#age');
	await page.locator('#submit').click();
	const formError = page.locator('#form-error p');
	await formError.waitFor();
	const focused = await page.evaluate(() => document.activeElement?.id);
	assert.equal(focused, 'form-error', 'the message about the missing use has the focus');
	const box = await page.locator('#form-error').boundingBox();
	const vh = page.viewportSize().height;
	assert.ok(box && box.y >= 0 && box.y + box.height <= vh, `the message is on screen (${JSON.stringify(box)})`);
	await onlyCatalog(page, cat, allowed, 'consent: a use missing');
	await shot(page, `i-${lang}-03b-missing`, page.locator('#form-error'));

	f.step = `${lang}: consent given`;
	await page.check('#scope-publish_text');
	await Promise.all([page.waitForResponse(isPost('/api/v1/consents')), page.locator('#submit').click()]);
	await page.locator('#done').waitFor();
	assert.equal(await page.locator('#done h1').count(), 1, 'the consent-saved view has a main heading');
	await onlyCatalog(page, cat, allowed, 'consent saved');
	await shot(page, `i-${lang}-04-consented`);

	f.step = `${lang}: write`;
	await page.locator('#contribute-now').click();
	await page.waitForURL(new RegExp(`/contribute\\.html\\?campaign=${d.slug}`));
	await ready(page);
	await page.locator('#write-view').waitFor();
	assert.equal(await page.locator('#campaign-line [lang]').getAttribute('lang'), lang, 'the title in the line carries its lang');
	await page.fill('#text', d.text);
	await onlyCatalog(page, cat, allowed, 'write');
	await checkPage(page);

	f.step = `${lang}: preview and send`;
	await page.locator('#preview-button').click();
	await page.locator('#preview-view').waitFor();
	await onlyCatalog(page, cat, allowed, 'preview');
	await shot(page, `i-${lang}-05-preview`);
	await Promise.all([page.waitForResponse(isPost('/api/v1/contributions')), page.locator('#send').click()]);
	await page.locator('#done').waitFor();
	await onlyCatalog(page, cat, allowed, 'sent');
	assert.deepEqual([...new Set(asked)], [`/i18n/${lang}.json`], `only the ${lang} catalog is fetched: ${asked.join(' ')}`);
	return { ctx, page, allowed, cat, asked, me };
}

await runFlow('tributary-i18n-', async (f) => {
	const { data } = f;
	f.step = 'init';
	const adminCode = initNode(data);
	for (const [lang, d] of Object.entries(DRIVES)) {
		const file = join(f.tmp, `${lang}.json`);
		writeFileSync(file, JSON.stringify({
			slug: d.slug, title: d.title, language: lang, kind: 'text', consent: 'general',
			required_scopes: ['publish_text'], minimum_age: 16, max_chars: 2000, prompts: d.prompts,
		}));
		run(['campaign', 'import', '--data', data, file]);
	}
	const [akCard] = driveCodes(data, DRIVES.ak.slug, 1);
	const [tgCard] = driveCodes(data, DRIVES.tg.slug, 1);
	const base = await f.serve();
	log(`server at ${base}`);
	const browser = await f.launch();

	/* ---- Twi: the drive, then the text written offline ---- */
	const ak = await drive(f, browser, base, 'ak', akCard);
	const { page } = ak;

	f.step = 'ak: offline, the text is kept';
	await page.locator('#another').click();
	await page.locator('#write-view').waitFor();
	const answered = []; /* the Idempotency-Key of each answer the server gave */
	page.on('response', (r) => {
		if (isPost('/api/v1/contributions')(r))
			answered.push(`${r.request().headers()['idempotency-key']} ${r.status()}`);
	});
	await ak.ctx.setOffline(true);
	await page.fill('#text', DRIVES.ak.offline);
	await page.locator('#preview-button').click();
	const keep = page.locator('#write-error button');
	await keep.waitFor();
	await onlyCatalog(page, ak.cat, ak.allowed, 'offline: no preview');
	await keep.click();
	await page.locator('#waiting').waitFor();
	assert.equal(await page.locator('#waiting-text').textContent(), DRIVES.ak.offline);
	await onlyCatalog(page, ak.cat, ak.allowed, 'offline: waiting');
	await checkPage(page);
	await shot(page, 'i-ak-06-waiting');
	const stored = await page.evaluate((id) => Object.keys(localStorage).filter((k) => k.startsWith(`tributary.draft.${id}.`)),
	    ak.me.id);
	assert.equal(stored.length, 1, 'the text waits in this browser, under its account');
	const queuedKey = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), stored[0])).key;
	assert.ok(queuedKey, 'the waiting text has its Idempotency-Key');

	f.step = 'ak: back online, sent once';
	const [sent] = await Promise.all([
		page.waitForResponse((r) => isPost('/api/v1/contributions')(r) && r.request().headers()['idempotency-key'] === queuedKey),
		ak.ctx.setOffline(false),
	]);
	assert.equal(sent.status(), 201, `the waiting text: ${sent.status()} ${await sent.text()}`);
	await page.locator('#done-preview').waitFor();
	assert.match(await page.locator('#done-text').textContent(), /dwamu/, 'the redacted text as saved is shown');
	await onlyCatalog(page, ak.cat, ak.allowed, 'offline: sent');
	await shot(page, 'i-ak-07-sent');
	await page.waitForTimeout(4000); /* any second send would have gone by now */
	assert.deepEqual(answered.filter((a) => a.startsWith(queuedKey)), [`${queuedKey} 201`],
	    'the waiting text reached the server once');
	const mine = JSON.parse((await pageFetch(page, 'GET', '/api/v1/me/contributions')).text).contributions;
	assert.equal(mine.filter((c) => c.text === DRIVES.ak.offline).length, 1, 'one contribution of the offline text');
	assert.equal(mine.length, 2, 'the text written online and the one written offline');
	assert.deepEqual(await page.evaluate((id) => Object.keys(localStorage).filter((k) => k.startsWith(`tributary.draft.${id}.`)),
	    ak.me.id), [], 'nothing waits in the browser once sent');
	await page.reload();
	await ready(page);
	await page.locator('#write-view').waitFor();
	await page.waitForTimeout(1000);
	const again = JSON.parse((await pageFetch(page, 'GET', '/api/v1/me/contributions')).text).contributions;
	assert.equal(again.length, 2, 'a reload sends nothing again');

	f.step = 'ak: the menu at 200% text size';
	await page.evaluate(() => {
		document.documentElement.style.fontSize = '200%';
	});
	const wide = await page.evaluate(() => [...document.querySelectorAll('header.site *')]
	    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.id || e.tagName));
	assert.deepEqual(wide, [], 'nothing in the header runs past the screen at 200%');
	await checkPage(page);
	await shot(page, 'i-ak-08-200pc');
	await page.evaluate(() => {
		document.documentElement.style.fontSize = '';
	});

	f.step = 'ak: log out';
	await page.locator('#menu-logout').click();
	await page.waitForURL(/\/join\.html$/);
	await ready(page);
	await page.locator('#flash').waitFor();
	assert.equal(await page.locator('#nav-who').isVisible(), false, 'nobody in the menu');
	assert.equal((await pageFetch(page, 'GET', '/api/v1/me')).status, 401, 'logged out: /me is 401');
	await onlyCatalog(page, ak.cat, ak.allowed, 'logged out');
	await ak.ctx.close();

	f.step = 'ak: a key the catalog lacks loads English then, and only then';
	{
		const { ctx, page: mp } = await newPage(browser, f.problems, { locale: DRIVES.ak.locale });
		const files = [];
		mp.on('request', (r) => {
			const u = new URL(r.url());
			if (u.pathname.startsWith('/i18n/'))
				files.push(catalogName(u.pathname));
		});
		await mp.route(/\/i18n\/ak(\.drive)?(\.[0-9a-f]{8,})?\.json$/, async (route) => {
			const r = await route.fetch();
			const c = await r.json();
			delete c['join.or'];
			delete c['join.need_card'];
			await route.fulfill({ response: r, json: c });
		});
		await mp.goto(`${base}/join.html`);
		await ready(mp);
		assert.equal(await mp.locator('.or').textContent(), 'or', 'the HTML\'s English stays where the catalog lacks the key');
		await mp.waitForTimeout(500); /* English, asked for by the page's fill */
		await mp.locator('#card-form button[type=submit]').click();
		await mp.locator('#card-error p').waitFor();
		assert.deepEqual(files, ['/i18n/ak.json', '/i18n/en.json'], `English only once a key was missing: ${files.join(' ')}`);
		const shown = await mp.locator('#card-error p').textContent();
		assert.equal(shown, JSON.parse(readFileSync(join(REPO, 'webroot', 'i18n', 'en.json'), 'utf8'))['join.need_card'],
		    'the missing message in English, not its key');
		await ctx.close();
	}

	/* ---- Tajik: the drive, then Delete my account ---- */
	f.step = 'tg: a string saved on the node\'s translation page';
	const TG_CARD_TITLE = 'Бо корти худ (аз саҳифаи тарҷума)';
	const { ctx: actx, page: ap } = await newPage(browser, f.problems);
	await ap.goto(`${base}/join.html`);
	await ready(ap);
	const adm = await pageFetch(ap, 'POST', '/api/v1/login', { code: adminCode });
	assert.equal(adm.status, 200, `admin login: ${adm.status} ${adm.text}`);
	const saved = await pageFetch(ap, 'PUT', '/api/v1/i18n/tg/strings/join.card_title', { text: TG_CARD_TITLE });
	assert.equal(saved.status, 200, `PUT a Tajik string: ${saved.status} ${saved.text}`);
	await actx.close();

	const tg = await drive(f, browser, base, 'tg', tgCard, { 'join.card_title': TG_CARD_TITLE });

	f.step = 'tg: delete my account';
	const tp = tg.page;
	await tp.goto(`${base}/contributions.html`);
	await ready(tp);
	await tp.locator('#erase').waitFor();
	await onlyCatalog(tp, tg.cat, tg.allowed, 'my contributions');
	await tp.locator('#erase').click();
	await tp.locator('#erase-q').waitFor();
	assert.equal(await tp.locator('#erase-yes').isEnabled(), false, 'nothing is deleted before the box is ticked');
	await onlyCatalog(tp, tg.cat, tg.allowed, 'delete: confirm');
	await checkPage(tp);
	await shot(tp, 'i-tg-06-erase', tp.locator('#erase-box'));
	await tp.check('#erase-sure');
	const [erase] = await Promise.all([
		tp.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/me/erase' && r.method() === 'POST'),
		tp.locator('#erase-yes').click(),
	]);
	assert.deepEqual(erase.postDataJSON(), { confirm: 'erase' }, 'the confirmation the API asks for');
	await tp.waitForURL((u) => u.pathname === '/' || u.pathname.endsWith('/index.html'));
	await ready(tp);
	await tp.locator('#flash').waitFor();
	assert.equal((await pageFetch(tp, 'GET', '/api/v1/me')).status, 401, 'the account is gone: /me is 401');
	assert.deepEqual(await tp.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tributary.draft.'))), [],
	    'nothing of the account stays in the browser');
	await onlyCatalog(tp, tg.cat, tg.allowed, 'deleted');
	const relog = await tp.request.post(`${base}/api/v1/login`, { data: { card: tgCard, pin: PIN } });
	assert.equal(relog.status(), 401, 'the card stops working');
	await tg.ctx.close();
});
