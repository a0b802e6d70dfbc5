/*
** My earnings (issue 15, "Pages"): what this person earned and was paid,
** from GET /api/v1/me/earnings. Their balance per currency, then every
** ledger entry newest first, 50 at a time ("Show older entries" follows
** the answer's "next"): an accrual with the contribution it came from, a
** reversal with its reason, a payout with its method and reference, a
** royalty with its release.
**
** And how to pay them: a method and a contact (POST /api/v1/me/payout-
** contact), which the server seals to the treasurer's key before it keeps
** it. The page shows the method on file and when it was set, never the
** contact (the server cannot read it back), and says in plain words when
** the node has no treasurer key to seal it to (409 no_treasurer).
*/
import { t, formatTime } from './i18n.js';
import { get, post, me, showError, showMessage, clearError, ApiError, appendDetails } from './api.js';
import { $, el, start, focusOn, driveWords } from './page.js';
import { METHODS, balanceCard, entryItem, methodName } from './pay.js';

let earnings = null; /* the first page's answer */
let entries = []; /* every entry loaded so far, newest first */
let next = 0; /* ?before= of the next page; 0 at the end */
const contributions = new Map(); /* id → {campaign, audio} of my contributions */
const titles = new Map(); /* campaign slug → {title, lang} */

function say(text) {
	$('status').replaceChildren(el('p', { text }));
}

/* Contribution ${id} as a link to it under "My contributions". */
function contributionLink(id) {
	const c = contributions.get(Number(id));
	const a = el('a', { href: `contributions.html#contribution-${encodeURIComponent(id)}`,
		text: t('earnings.contribution_no', { id }) });
	if (c) {
		/* the drive's title in its own language */
		const d = titles.get(c.campaign) ?? { title: c.campaign, lang: null };
		if (d.title)
			a.append(' · ', el('span', { lang: d.lang, text: d.title }));
		if (c.audio && Number.isFinite(Number(c.audio.duration)))
			a.append(` · ${t('contributions.seconds', { n: Number(c.audio.duration).toFixed(1) })}`);
	}
	return a;
}

function renderBalances() {
	const list = Array.isArray(earnings?.balances) ? earnings.balances : [];
	$('balances').replaceChildren(...list.map(balanceCard));
	$('balances-none').hidden = list.length > 0;
}

function renderEntries() {
	$('entries').replaceChildren(...entries.map((e) => entryItem(e, { contribution: contributionLink })));
	$('entries-none').hidden = entries.length > 0;
	$('more').hidden = !(next > 0);
}

function renderContact() {
	const c = earnings?.contact ?? null;
	const p = $('contact-on-file');
	if (c && typeof c.method === 'string') {
		p.dataset.state = 'set';
		p.dataset.method = c.method;
		p.textContent = t('earnings.contact_on_file', { method: methodName(c.method), when: formatTime(c.updated_at) });
	} else {
		p.dataset.state = 'none';
		delete p.dataset.method;
		p.textContent = t('earnings.contact_none');
	}
	$('no-treasurer').hidden = earnings?.contact_possible !== false;
}

function render() {
	if (earnings === null)
		return;
	renderBalances();
	renderContact();
	renderEntries();
}

async function load() {
	earnings = await get('/api/v1/me/earnings');
	entries = Array.isArray(earnings?.entries) ? earnings.entries : [];
	next = Number(earnings?.next ?? 0);
	const m = earnings?.contact?.method;
	if (METHODS.includes(m))
		$('contact-method').value = m;
	render();
}

async function loadMore() {
	const b = $('more');
	clearError($('more-error'));
	b.disabled = true;
	try {
		const r = await get(`/api/v1/me/earnings?before=${encodeURIComponent(next)}`);
		const more = Array.isArray(r?.entries) ? r.entries : [];
		const first = more[0];
		entries = entries.concat(more);
		next = Number(r?.next ?? 0);
		renderEntries();
		if (first)
			focusOn(document.getElementById(`entry-${first.id}`));
	} catch (e) {
		showError($('more-error'), e);
	} finally {
		b.disabled = false;
	}
}

async function saveContact(ev) {
	ev.preventDefault();
	const box = $('contact-error');
	const text = $('contact-text');
	clearError(box);
	$('status').replaceChildren();
	text.removeAttribute('aria-invalid');
	const contact = text.value.trim();
	if (contact === '') {
		showMessage(box, t('earnings.contact_empty'));
		text.setAttribute('aria-invalid', 'true');
		focusOn(text);
		return;
	}
	$('contact-save').disabled = true;
	try {
		const r = await post('/api/v1/me/payout-contact', { method: $('contact-method').value, contact });
		earnings.contact = r?.contact ?? null;
		earnings.contact_possible = true;
		/* The page forgets it too: only the treasurer reads it from here on. */
		text.value = '';
		renderContact();
		say(t('earnings.contact_saved'));
		focusOn($('contact-on-file'));
	} catch (e) {
		if (e instanceof ApiError && e.code === 'no_treasurer') {
			earnings.contact_possible = false;
			renderContact();
			showMessage(box, t('earnings.no_treasurer'));
		} else if (e instanceof ApiError && e.code === 'invalid') {
			showMessage(box, t('earnings.contact_invalid'));
			appendDetails(box, e);
			text.setAttribute('aria-invalid', 'true');
			focusOn(text);
		} else
			showError(box, e);
	} finally {
		$('contact-save').disabled = false;
	}
}

start(async () => {
	document.addEventListener('langchange', render);
	const who = await me();
	if (who === null) {
		$('logged-out').hidden = false;
		return;
	}
	/* What the entries came from: my contributions and the drives' names. */
	const [mine, camps] = await Promise.all([
		get('/api/v1/me/contributions').catch(() => null),
		get('/api/v1/campaigns').catch(() => null),
	]);
	for (const c of mine?.contributions ?? [])
		contributions.set(Number(c.id), { campaign: c.campaign, audio: c.audio ?? null });
	for (const c of camps?.campaigns ?? [])
		titles.set(c.slug, { title: driveWords(c).title, lang: driveWords(c).titleLang || null });
	$('contact-form').addEventListener('submit', saveContact);
	$('more').addEventListener('click', loadMore);
	await load();
	$('signed-in').hidden = false;
});
