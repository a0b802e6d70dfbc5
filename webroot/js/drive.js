/*
** Which drive a person is at: the campaign "Contribute" leads to.
**
** A person at a drive holds a card made for one campaign; the node says
** which (card_campaigns in the /me and login answers, when it does). Else
** the drives they gave consent to, else the one this phone last saw them
** choose. One candidate is their drive; several are offered as a choice;
** none leaves every open drive to choose from (or the only one). Never
** simply the first drive of the list.
*/
import { t, languageName } from './i18n.js';
import { el } from './page.js';

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

/* ${c}'s title as a node in its own language (the campaign's). */
export function driveTitle(c, tag = 'span') {
	return el(tag, { lang: c.title_lang || c.language || '', text: c.title ?? c.slug });
}

/* A list of links to ${href}(c) for each drive of ${list}. */
export function driveChoice(list, href) {
	return list.map((c) => el('li', { class: 'card drive-choice' },
	    el('a', { href: href(c), class: 'drive-link' }, driveTitle(c)),
	    el('p', { class: 'muted', text: t(c.kind === 'audio' ? 'drive.kind_audio' : 'drive.kind_text', {
		    language: languageName(c.language),
	    }) })));
}
