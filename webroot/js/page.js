/* What every page shares: start i18n, then report a failure to load. */
import { init, t, has, apply, languageName, currentLang } from './i18n.js';
import { showError, me, logout } from './api.js';

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(props)) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'class')
			e.className = v;
		else if (k === 'text')
			e.textContent = v;
		else if (k in e && typeof v !== 'string')
			e[k] = v;
		else
			e.setAttribute(k, v === true ? '' : v);
	}
	for (const c of children)
		if (c !== null && c !== undefined)
			e.append(c);
	return e;
}

const FLASH_KEY = 'tributary.flash';

/* Leaves a message (a catalog key) for the next page to show once. */
export function flash(key) {
	try {
		sessionStorage.setItem(FLASH_KEY, key);
	} catch {
		/* storage off: no message */
	}
}

function showFlash() {
	let key = null;
	try {
		key = sessionStorage.getItem(FLASH_KEY);
		sessionStorage.removeItem(FLASH_KEY);
	} catch {
		return;
	}
	const main = $('main');
	if (!key || !/^[a-z_]+\.[a-z_]+$/.test(key) || !main)
		return;
	const box = el('div', { id: 'flash', class: 'success', role: 'status' });
	box.append(el('p', { 'data-i18n': key, text: t(key) }));
	main.prepend(box);
	apply(box);
}

/* Roles that see the Admin page in the menu (maintainers re-issue cards)
   and the Campaigns page (they run the drives). */
const STAFF = ['admin', 'maintainer'];
/* Roles that may review (the server lets a maintainer do a reviewer's work). */
const REVIEWERS = ['admin', 'maintainer', 'reviewer'];
/* Roles that see the pay ledger and record payouts. */
const TREASURERS = ['admin', 'treasurer'];

let shown = null; /* the account the menu shows */

/* The name the menu gives ${account}: its handle (a card's is card-…). */
export function accountName(account) {
	return account?.handle || t('join.card_account');
}

function renderWho() {
	const w = $('nav-who-text');
	if (w && shown !== null)
		w.textContent = t('nav.who', { name: accountName(shown) });
}

/*
** Shows or hides the menu's entries for ${account} (null: nobody): the
** staff pages its role opens, the translation page if it may translate,
** who is logged in, and Log out.
*/
export function showNav(account) {
	shown = account ?? null;
	const role = account ? account.role : null;
	for (const [id, roles] of [['nav-admin', STAFF], ['nav-campaign', STAFF], ['nav-review', REVIEWERS],
	    ['nav-treasurer', TREASURERS]]) {
		const a = $(id);
		if (a)
			a.hidden = !roles.includes(role);
	}
	const tr = $('nav-translate');
	if (tr)
		tr.hidden = !(account?.can_translate === true || STAFF.includes(role));
	for (const id of ['nav-who', 'nav-logout']) {
		const li = $(id);
		if (li)
			li.hidden = account === null || account === undefined;
	}
	renderWho();
}

/* Log out from the menu: on to the join page (the next person at a shared
   phone starts there), saying so. */
async function onMenuLogout(ev) {
	const b = ev.currentTarget;
	b.disabled = true;
	try {
		await logout();
		flash('consents.logged_out_ok');
		location.assign('join.html');
	} catch (e) {
		b.disabled = false;
		const box = $('page-error');
		if (box) {
			showError(box, e);
			focusOn(box);
		}
	}
}

/* Runs ${main} after i18n is up; any error it throws lands in #page-error. */
export async function start(main) {
	/* who is logged in decides the menu; the page's own me() shares it.
	   Asked for now, beside the catalog, not after it: on a weak link
	   each request after another costs a round trip. */
	const who = me().then((w) => w?.account ?? null, () => null);
	try {
		await init();
	} catch (e) {
		/* the catalogs failed: the English in the HTML stays */
		console.error(e);
	}
	showFlash();
	$('menu-logout')?.addEventListener('click', onMenuLogout);
	document.addEventListener('langchange', renderWho);
	try {
		await main();
	} catch (e) {
		console.error(e);
		const box = $('page-error');
		if (box)
			showError(box, e);
	} finally {
		const l = $('loading');
		if (l)
			l.hidden = true;
		showNav(await who);
		/* for tests and scripts: the page is wired and filled */
		document.documentElement.dataset.ready = 'true';
	}
}

/* Moves focus to ${node} (made focusable) so screen readers follow. */
export function focusOn(node) {
	if (!node)
		return;
	if (!node.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName))
		node.setAttribute('tabindex', '-1');
	node.focus();
}

/*
** The name of scope ${id} in the page's language: as ${campaign}'s file
** translates it, else the catalog's, else the id itself.
*/
export function scopeName(id, campaign = null) {
	const own = campaign?.translations?.[currentLang()]?.scopes?.[id];
	if (typeof own === 'string' && own !== '')
		return own;
	const k = `scope.${id}`;
	return has(k) ? t(k) : id;
}

/*
** ${parent} filled with the text for ${key}, its {name} placeholders
** filled from ${vars}: a string as text, a Node as itself (so a drive's
** title keeps its own lang attribute inside a translated sentence).
*/
export function fillText(parent, key, vars = {}) {
	parent.replaceChildren();
	const s = t(key);
	let last = 0;
	for (const m of s.matchAll(/\{(\w+)\}/g)) {
		if (m.index > last)
			parent.append(s.slice(last, m.index));
		const v = vars[m[1]];
		parent.append(v instanceof Node ? v : v === undefined ? m[0] : String(v));
		last = m.index + m[0].length;
	}
	if (last < s.length)
		parent.append(s.slice(last));
	return parent;
}

/* ---- which drive a person is at: the campaign "Contribute" leads to ----
** A person at a drive holds a card made for one campaign; the node says
** which (card_campaigns in the /me and login answers, when it does). Else
** the drives they gave consent to, else the one this phone last saw them
** choose. One candidate is their drive; several are offered as a choice;
** none leaves every open drive to choose from (or the only one). Never
** simply the first drive of the list. (Here rather than in a module of its
** own: every page loads this file already, and a first visit on a weak
** link pays for each request.)
*/
const KEY = 'tributary.drive.';

/* Remembers on this phone that account ${id} is at drive ${slug}. */
export function rememberDrive(id, slug) {
	if (id === undefined || id === null || !slug)
		return;
	try {
		localStorage.setItem(KEY + id, slug);
	} catch {
		/* storage off: the choice is asked again */
	}
}

function remembered(id) {
	try {
		return localStorage.getItem(KEY + id);
	} catch {
		return null;
	}
}

/* Forgets what this phone keeps for account ${id} (its account is gone). */
export function forgetDrive(id) {
	try {
		localStorage.removeItem(KEY + id);
	} catch {
		/* storage off */
	}
}

/* The slugs of the drives ${who}'s cards were made for, as the node says. */
export function cardDrives(who) {
	const list = who?.card_campaigns ?? who?.account?.card_campaigns;
	return Array.isArray(list) ? list.filter((s) => typeof s === 'string') : [];
}

/*
** The consent page of drive ${c}: its slug, and the consent document it
** names, so that page asks for the document as it starts instead of
** after the drives (a round trip less on a weak link).
*/
export function consentHref(c) {
	const doc = typeof c?.consent === 'string' ? `&doc=${encodeURIComponent(c.consent)}` : '';
	return `consent.html?campaign=${encodeURIComponent(c.slug)}${doc}`;
}

/*
** The drives ${who} may mean, from ${campaigns} (the node's list) and
** ${consents} (theirs, or null when unknown): {one} when it is plain which,
** else {choice: [campaign…]}.
*/
export function pickDrive(who, campaigns, consents) {
	const open = campaigns.filter((c) => c.open !== false);
	const bySlug = (s) => campaigns.find((c) => c.slug === s) ?? null;
	const cards = cardDrives(who).map(bySlug).filter((c) => c !== null && c.open !== false);
	if (cards.length === 1)
		return { one: cards[0] };
	if (cards.length > 1)
		return { choice: cards };
	const live = [...new Set((consents ?? []).filter((x) => x.withdrawn_at === null || x.withdrawn_at === undefined)
	    .map((x) => x.campaign))].map(bySlug).filter((c) => c !== null && c.open !== false);
	const last = bySlug(remembered(who?.account?.id));
	if (last !== null && last.open !== false && (live.length === 0 || live.includes(last)))
		return { one: last };
	if (live.length === 1)
		return { one: live[0] };
	if (live.length > 1)
		return { choice: live };
	if (open.length === 1)
		return { one: open[0] };
	return { choice: open };
}

/*
** Drive ${c}'s words for this page: its title and description in the
** page's language where its campaign file translates them, else its own
** (in the campaign's language); each with the lang it is in.
*/
export function driveWords(c) {
	const l = currentLang();
	const tr = c?.translations?.[l] ?? {};
	const own = c?.title_lang || c?.language || '';
	const title = typeof tr.title === 'string' && tr.title !== '';
	const desc = typeof tr.description === 'string' && tr.description !== '';
	return {
		title: title ? tr.title : c?.title ?? c?.slug ?? '',
		titleLang: title ? l : own,
		description: desc ? tr.description : typeof c?.description === 'string' ? c.description : null,
		descriptionLang: desc ? l : own,
	};
}

/* ${c}'s title as a node carrying the language it is in. */
export function driveTitle(c, tag = 'span') {
	const w = driveWords(c);
	return el(tag, { lang: w.titleLang, text: w.title });
}

/* ${node} filled with ${c}'s title, its lang set; for headings. */
export function setDriveTitle(node, c) {
	const w = driveWords(c);
	node.textContent = w.title;
	node.lang = w.titleLang;
}

/* ${node} (hidden when there is none) filled with ${c}'s description. */
export function setDriveDescription(node, c) {
	const w = driveWords(c);
	node.hidden = w.description === null;
	node.textContent = w.description ?? '';
	node.lang = w.descriptionLang;
}

/* A list of links to ${href}(c) for each drive of ${list}. */
export function driveChoice(list, href) {
	return list.map((c) => el('li', { class: 'card drive-choice' },
	    el('a', { href: href(c), class: 'drive-link' }, driveTitle(c)),
	    el('p', { class: 'muted', text: t(c.kind === 'audio' ? 'drive.kind_audio' : 'drive.kind_text', {
		    language: languageName(c.language),
	    }) })));
}
