/*
** My contributions: everything this person gave (already redacted), its
** review status, a Withdraw button per item and a Withdraw all, each with
** a plain confirmation; and the export of everything held about them.
*/
import { t, tn, formatTime } from './i18n.js';
import { get, post, me, showError, clearError } from './api.js';
import { removedSummary, fillRedacted } from './redaction.js';
import { $, el, start, focusOn, flash, forgetDrive, driveTitle } from './page.js';
import { dropAccount } from './queue.js';

const STATUSES = ['pending', 'validated', 'rejected', 'withdrawn'];

let account = null;
let items = [];
let titles = new Map(); /* campaign slug → {title, language} */
let open = null; /* id of the contribution whose confirmation is showing */
let allOpen = false;
let eraseOpen = false;

function live(c) {
	return c.status !== 'withdrawn' && (c.withdrawn_at === null || c.withdrawn_at === undefined);
}

function say(text) {
	$('status').replaceChildren(el('p', { text }));
}

function fact(term, value) {
	return [el('dt', { text: term }), el('dd', {}, value)];
}

function statusName(s) {
	return STATUSES.includes(s) ? t(`contributions.status_${s}`) : String(s ?? '');
}

/* What withdrawing does and does not do, for one item or for all. */
function explanation() {
	return [
		el('p', { text: t('consents.confirm_does') }),
		el('ul', {},
		    el('li', { text: t('contributions.does_1') }),
		    el('li', { text: t('contributions.does_2') }),
		    el('li', { text: t('contributions.does_3') })),
		el('p', { text: t('consents.confirm_doesnt') }),
		el('ul', {},
		    el('li', { text: t('consents.doesnt_1') }),
		    el('li', { text: t('consents.doesnt_2') })),
	];
}

function confirmPanel(c, headingId) {
	const panel = el('div', { class: 'confirm', role: 'group', 'aria-labelledby': `${headingId}-q` });
	const err = el('div', { class: 'alert', role: 'alert' });
	const yes = el('button', { type: 'button', class: 'danger', text: t('consents.confirm_yes') });
	const no = el('button', { type: 'button', class: 'secondary', text: t('contributions.confirm_no') });
	panel.append(
	    el('h3', { id: `${headingId}-q`, text: t('contributions.confirm_title') }),
	    ...explanation(),
	    err,
	    el('div', { class: 'buttons' }, yes, no));
	no.addEventListener('click', () => {
		open = null;
		render();
		focusOn(document.querySelector(`[data-withdraw="${CSS.escape(String(c.id))}"]`));
	});
	yes.addEventListener('click', async () => {
		clearError(err);
		yes.disabled = no.disabled = true;
		try {
			const r = await post(`/api/v1/contributions/${encodeURIComponent(c.id)}/withdraw`);
			const w = r?.contribution;
			if (w && typeof w === 'object')
				Object.assign(c, w);
			c.status = 'withdrawn';
			c.withdrawn_at = c.withdrawn_at ?? Math.floor(Date.now() / 1000);
			open = null;
			render();
			say(t('contributions.withdrawn_ok'));
			focusOn($(headingId));
		} catch (e) {
			showError(err, e);
			yes.disabled = no.disabled = false;
		}
	});
	return panel;
}

function item(c) {
	const headingId = `contribution-${c.id}`;
	const isLive = live(c);
	const camp = titles.get(c.campaign);
	const text = el('div', { class: 'contribution-text', lang: camp?.language || null });
	if (c.audio && typeof c.audio.url === 'string') {
		/* Fetched only when played: a weak connection pays nothing
		** for a list of recordings. */
		text.append(el('audio', {
			controls: '',
			preload: 'none',
			src: c.audio.url,
			'aria-label': `${t('contributions.recording')} ${c.id}`,
		}));
	} else if (typeof c.text === 'string' && c.text !== '')
		fillRedacted(text, c.text);
	else {
		text.classList.add('muted');
		text.textContent = t(isLive ? 'contributions.no_text' : 'contributions.erased');
	}
	const facts = el('dl', { class: 'facts' },
	    ...fact(t('contributions.given_at'), formatTime(c.created_at)),
	    ...(c.prompt ? fact(t('contributions.prompt'), String(c.prompt)) : []),
	    ...(c.audio ? fact(t('contributions.length'),
		t('contributions.seconds', { n: Number(c.audio.duration).toFixed(1) })) : []),
	    /* a recording is not text-checked: nothing to say it removed */
	    ...(c.audio || c.kind === 'audio' ? [] : fact(t('contributions.removed'), removedSummary(c.redaction))),
	    ...(Array.isArray(c.releases) && c.releases.length > 0
		? fact(t('contributions.releases'), c.releases.join(', ')) : []),
	    ...(isLive ? [] : fact(t('consents.withdrawn_at'), formatTime(c.withdrawn_at))));
	const status = STATUSES.includes(c.status) ? c.status : 'pending';
	const li = el('li', { class: 'card contribution', 'data-contribution': String(c.id) },
	    el('div', { class: 'consent-head' },
		Object.assign(camp ? driveTitle(camp.c, 'h2') : el('h2', { text: c.campaign ?? '' }), { id: headingId }),
		el('span', { class: `badge ${status}`, text: statusName(c.status) })),
	    text,
	    facts);
	if (isLive) {
		if (open === c.id)
			li.append(confirmPanel(c, headingId));
		else {
			const b = el('button', {
				type: 'button',
				class: 'danger secondary',
				'data-withdraw': String(c.id),
				'aria-describedby': headingId,
				text: t('contributions.withdraw'),
			});
			b.addEventListener('click', () => {
				open = c.id;
				$('status').replaceChildren();
				render();
				focusOn(document.getElementById(`${headingId}-q`));
			});
			li.append(el('div', { class: 'buttons' }, b));
		}
	}
	return li;
}

function renderAll() {
	const n = items.filter(live).length;
	$('all-box').hidden = n === 0;
	const panel = $('all-panel');
	panel.replaceChildren();
	$('all-buttons').hidden = allOpen;
	if (!allOpen || n === 0)
		return;
	const box = el('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'all-q' });
	const err = el('div', { class: 'alert', role: 'alert' });
	const yes = el('button', { type: 'button', class: 'danger', text: t('contributions.all_yes') });
	const no = el('button', { type: 'button', class: 'secondary', text: t('contributions.confirm_no') });
	box.append(
	    el('h3', { id: 'all-q', text: tn('contributions.all_confirm', n) }),
	    ...explanation(),
	    err,
	    el('div', { class: 'buttons' }, yes, no));
	no.addEventListener('click', () => {
		allOpen = false;
		renderAll();
		focusOn($('withdraw-all'));
	});
	yes.addEventListener('click', async () => {
		clearError(err);
		yes.disabled = no.disabled = true;
		try {
			const r = await post('/api/v1/me/withdraw-all');
			allOpen = false;
			await load();
			say(tn('contributions.all_done', Number(r?.withdrawn ?? 0)));
			focusOn($('status'));
		} catch (e) {
			showError(err, e);
			yes.disabled = no.disabled = false;
		}
	});
	panel.append(box);
}

function render() {
	if (account === null)
		return;
	$('empty').hidden = items.length > 0;
	$('list').replaceChildren(...items.map(item));
	renderAll();
}

async function load() {
	const r = await get('/api/v1/me/contributions');
	items = Array.isArray(r?.contributions) ? r.contributions : [];
	items.sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0) || (b.id ?? 0) - (a.id ?? 0));
	render();
}

/* ---- Delete my account (POST /api/v1/me/erase {"confirm":"erase"}) ---- */

/* What this phone keeps for account ${id}: drafts, its drive, recordings
   waiting, the copy of /me kept for opening offline. */
async function forgetHere(id) {
	try {
		for (const k of Object.keys(localStorage))
			if (k.startsWith(`tributary.draft.${id}.`))
				localStorage.removeItem(k);
		const kept = JSON.parse(localStorage.getItem('tributary.kept') ?? 'null');
		if (kept?.account?.id === id)
			localStorage.removeItem('tributary.kept');
	} catch {
		/* storage off: nothing kept */
	}
	forgetDrive(id);
	await dropAccount(id).catch(() => 0);
}

function renderErase() {
	const panel = $('erase-panel');
	panel.replaceChildren();
	$('erase-buttons').hidden = eraseOpen;
	if (!eraseOpen)
		return;
	const err = el('div', { class: 'alert', role: 'alert' });
	const sure = el('input', { type: 'checkbox', id: 'erase-sure' });
	const yes = el('button', { type: 'button', class: 'danger', id: 'erase-yes', text: t('erase.yes'), disabled: true });
	const no = el('button', { type: 'button', class: 'secondary', text: t('erase.no') });
	sure.addEventListener('change', () => {
		yes.disabled = !sure.checked;
	});
	panel.append(el('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'erase-q' },
	    el('h3', { id: 'erase-q', text: t('erase.confirm_title') }),
	    el('p', { text: t('erase.confirm_text') }),
	    el('div', { class: 'check' }, sure, el('label', { for: 'erase-sure', text: t('erase.sure') })),
	    err,
	    el('div', { class: 'buttons' }, yes, no)));
	no.addEventListener('click', () => {
		eraseOpen = false;
		renderErase();
		focusOn($('erase'));
	});
	yes.addEventListener('click', async () => {
		clearError(err);
		yes.disabled = no.disabled = true;
		try {
			await post('/api/v1/me/erase', { confirm: 'erase' });
			await forgetHere(account.id);
			flash('erase.done');
			location.assign('./');
		} catch (e) {
			showError(err, e);
			focusOn(err);
			yes.disabled = !sure.checked;
			no.disabled = false;
		}
	});
}

/* The "About you" form: the choices the node offers, what was given. */
let about = null;

function renderAbout() {
	if (about === null)
		return;
	const fill = (sel, values, key) => {
		const cur = sel.value;
		sel.replaceChildren(el('option', { value: '' }, t('about.not_given')),
		    ...values.map((v) => el('option', { value: v }, key ? t(`${key}.${v}`) : v)));
		sel.value = cur;
	};
	fill($('about-age'), about.age_ranges ?? [], null);
	fill($('about-gender'), about.genders ?? [], 'about.genders');
}

async function loadAbout() {
	about = await get('/api/v1/me/demographics');
	renderAbout();
	const d = about?.demographics ?? {};
	$('about-age').value = d.age_range ?? '';
	$('about-gender').value = d.gender ?? '';
	$('about-variety').value = d.variety ?? '';
}

async function saveAbout(ev) {
	ev.preventDefault();
	clearError($('about-error'));
	$('about-save').disabled = true;
	try {
		await post('/api/v1/me/demographics', {
			age_range: $('about-age').value || null,
			gender: $('about-gender').value || null,
			variety: $('about-variety').value.trim() || null,
		});
		say(t('about.saved'));
	} catch (err) {
		showError($('about-error'), err);
		focusOn($('about-variety'));
	} finally {
		$('about-save').disabled = false;
	}
}

start(async () => {
	document.addEventListener('langchange', render);
	document.addEventListener('langchange', renderAbout);
	const who = await me();
	if (who === null) {
		$('logged-out').hidden = false;
		return;
	}
	account = who.account ?? {};
	try {
		const r = await get('/api/v1/campaigns');
		for (const c of r?.campaigns ?? [])
			titles.set(c.slug, { title: c.title, language: c.language, c });
	} catch {
		titles = new Map(); /* the slugs will do */
	}
	$('withdraw-all').addEventListener('click', () => {
		allOpen = true;
		$('status').replaceChildren();
		renderAll();
		focusOn($('all-q'));
	});
	$('about-form').addEventListener('submit', saveAbout);
	$('erase').addEventListener('click', () => {
		eraseOpen = true;
		renderErase();
		focusOn($('erase-q'));
	});
	document.addEventListener('langchange', () => {
		if (eraseOpen)
			renderErase();
	});
	await Promise.all([load(), loadAbout()]);
	$('signed-in').hidden = false;
});
