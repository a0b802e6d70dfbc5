/*
** Translate the pages (issue 18): for a maintainer, or an account a
** maintainer let translate (can_translate). Every string of the pages in
** English beside the chosen language's (GET /api/v1/i18n/{lang}/strings),
** the missing ones first; each saved on its own (PUT …/strings/{key}) as a
** draft; "Mark this language reviewed" (POST …/review) is for a second
** speaker: the node refuses it to whoever saved strings since the last
** review (409 second_speaker_needed). The coverage and state come from
** GET /api/v1/i18n; a language under 90% is not in the language menu.
**
** The "Consent document" tab does the same for a consent document: its
** parts (title, licence notes, each scope's explanation, each heading and
** paragraph) in English beside the language's, the missing first
** (GET /api/v1/consent/{slug}/translations/{lang}); each part saved as a
** draft (PUT …/parts/{part}); a second speaker marks the translation
** reviewed (POST …/review), and the node serves it as reviewed at once,
** as a new version when somebody consented to the text it corrects.
*/
import { t } from './i18n.js';
import { get, post, request, me, showError, clearError, ApiError, csrfToken } from './api.js';
import { $, el, start } from './page.js';

let languages = []; /* GET /api/v1/i18n's list */
let rows = []; /* the chosen language's strings */
let shown = 50; /* rows on the page: a phone need not draw 800 at once */
let consentView = null; /* GET …/translations/{lang}'s answer */

function say(text) {
	$('status').replaceChildren(el('p', { text }));
}

function chosen() {
	return $('tlang').value;
}

function renderState() {
	const l = languages.find((x) => x.lang === chosen());
	if (!l) {
		$('tstate').textContent = '';
		return;
	}
	$('tstate').textContent = t('translate.state', {
		have: l.have,
		keys: l.keys,
		percent: Math.floor(l.coverage * 1000) / 10,
	}) + ' ' + t(l.reviewed ? 'translate.reviewed' : 'translate.draft') + ' ' +
	    t(l.offered ? 'translate.offered' : 'translate.not_offered');
}

async function loadLanguages() {
	const ans = await get('/api/v1/i18n');
	languages = Array.isArray(ans?.languages) ? ans.languages : [];
	const keep = chosen();
	$('tlang').replaceChildren(...languages.filter((l) => l.lang !== 'en').map((l) =>
		el('option', { value: l.lang, lang: l.lang, text: `${l.name} (${l.lang})` })));
	if (keep && languages.some((l) => l.lang === keep))
		$('tlang').value = keep;
	renderState();
}

/* One string: its key, the English, the text area, its Save button. */
function rowItem(r) {
	const id = `t-${r.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
	const area = el('textarea', { id, rows: 2, lang: chosen(), dir: 'auto' });
	area.value = typeof r.text === 'string' ? r.text : '';
	const err = el('div', { class: 'alert', role: 'alert' });
	const ok = el('span', { class: 'muted', role: 'status' });
	const btn = el('button', { type: 'button', class: 'secondary', text: t('translate.save') });
	btn.addEventListener('click', async () => {
		clearError(err);
		ok.textContent = '';
		btn.disabled = true;
		try {
			await request('PUT', `/api/v1/i18n/${encodeURIComponent(chosen())}/strings/${encodeURIComponent(r.key)}`, { text: area.value });
			r.text = area.value;
			r.saved = true;
			ok.textContent = t('translate.saved');
			item.dataset.missing = 'false';
			await loadLanguages();
		} catch (e) {
			showError(err, e);
		} finally {
			btn.disabled = false;
		}
	});
	const item = el('li', { class: 'card translate-row', 'data-key': r.key },
		el('p', { class: 'muted' }, el('code', { text: r.key })),
		el('p', { lang: 'en', text: r.en }),
		el('label', { for: id, class: 'hint', text: t('translate.your_text') }),
		area,
		el('div', { class: 'buttons' }, btn, ok),
		err);
	item.dataset.missing = r.text === null ? 'true' : 'false';
	return item;
}

function renderRows() {
	const only = $('only-missing').checked;
	const list = rows.filter((r) => !only || r.text === null);
	$('rows').replaceChildren(...list.slice(0, shown).map(rowItem));
	$('more').hidden = list.length <= shown;
}

async function loadRows() {
	clearError($('page-error'));
	if (!chosen()) {
		rows = [];
		renderRows();
		return;
	}
	const ans = await get(`/api/v1/i18n/${encodeURIComponent(chosen())}/strings`);
	rows = Array.isArray(ans?.strings) ? ans.strings : [];
	shown = 50;
	renderRows();
	renderState();
}

async function markReviewed() {
	const box = $('review-error');
	clearError(box);
	$('review').disabled = true;
	try {
		await post(`/api/v1/i18n/${encodeURIComponent(chosen())}/review`);
		say(t('translate.review_done'));
		await loadLanguages();
	} catch (e) {
		if (e instanceof ApiError && e.code === 'second_speaker_needed')
			box.replaceChildren(el('p', { text: t('translate.second_speaker') }));
		else
			showError(box, e);
	} finally {
		$('review').disabled = false;
	}
}

/* ---------------------------------------------------------------------
** The consent document
*/

function showTab(which) {
	const consent = which === 'consent';
	$('tab-strings').hidden = consent;
	$('tab-consent').hidden = !consent;
	$('tab-strings-btn').setAttribute('aria-pressed', String(!consent));
	$('tab-consent-btn').setAttribute('aria-pressed', String(consent));
	if (consent && consentView === null)
		loadConsent().catch((e) => showError($('page-error'), e));
}

/* The documents the node's campaigns name, "general" first. */
async function loadDocuments() {
	const ans = await get('/api/v1/campaigns').catch(() => null);
	const slugs = new Set(['general']);
	for (const c of Array.isArray(ans?.campaigns) ? ans.campaigns : [])
		if (typeof c.consent === 'string')
			slugs.add(c.consent);
	$('cdoc').replaceChildren(...[...slugs].map((s) => el('option', { value: s, text: s })));
}

function partLabel(p) {
	if (p.kind === 'scope')
		return t('translate.part_scope', { id: p.id.slice(6) });
	return t(`translate.part_${p.kind}`);
}

function renderConsentState() {
	const v = consentView;
	if (!v) {
		$('cstate').textContent = '';
		return;
	}
	const missing = v.parts.filter((p) => p.missing).length;
	let s = t('translate.consent_state', { version: v.version, missing, parts: v.parts.length, drafts: v.drafts }) + ' ' +
	    t(v.reviewed && v.drafts === 0 ? 'translate.consent_reviewed' : 'translate.consent_draft');
	if (v.consented)
		s += ' ' + t('translate.consent_consented', { version: v.next_version });
	$('cstate').textContent = s;
}

/* One part: what it is, the English, the text area, its Save button. */
function partItem(p) {
	const id = `c-${p.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
	const area = el('textarea', { id, rows: p.kind === 'paragraph' ? 5 : 2, lang: chosen(), dir: 'auto' });
	area.value = typeof p.draft === 'string' ? p.draft : typeof p.text === 'string' ? p.text : '';
	const err = el('div', { class: 'alert', role: 'alert' });
	const ok = el('span', { class: 'muted', role: 'status' });
	const btn = el('button', { type: 'button', class: 'secondary', text: t('translate.save') });
	const item = el('li', { class: 'card translate-row', 'data-part': p.id, 'data-missing': p.missing ? 'true' : 'false' },
		el('p', { class: 'muted' }, el('span', { text: partLabel(p) }), ' ', el('code', { text: p.id })),
		el('p', { lang: 'en', class: 'consent-en', text: p.en }),
		el('label', { for: id, class: 'hint', text: t('translate.your_text') }),
		area,
		el('div', { class: 'buttons' }, btn, ok),
		err);
	btn.addEventListener('click', async () => {
		clearError(err);
		ok.textContent = '';
		btn.disabled = true;
		try {
			const path = `/api/v1/consent/${encodeURIComponent($('cdoc').value)}/translations/` +
			    `${encodeURIComponent(chosen())}/parts/${encodeURIComponent(p.id)}`;
			const ans = await request('PUT', path, { text: area.value });
			if (p.draft === null || p.draft === undefined)
				consentView.drafts++;
			p.draft = ans?.text ?? area.value;
			p.missing = false;
			item.dataset.missing = 'false';
			ok.textContent = t('translate.saved');
			renderConsentState();
		} catch (e) {
			showError(err, e);
		} finally {
			btn.disabled = false;
		}
	});
	return item;
}

function renderConsent() {
	renderConsentState();
	$('cparts').replaceChildren(...(consentView?.parts ?? []).map(partItem));
}

async function loadConsent() {
	clearError($('creview-error'));
	if (!chosen() || !$('cdoc').value) {
		consentView = null;
		renderConsent();
		return;
	}
	consentView = await get(`/api/v1/consent/${encodeURIComponent($('cdoc').value)}/translations/${encodeURIComponent(chosen())}`);
	renderConsent();
}

async function markConsentReviewed() {
	const box = $('creview-error');
	clearError(box);
	$('cstatus').textContent = '';
	$('creview').disabled = true;
	try {
		const ans = await post(`/api/v1/consent/${encodeURIComponent($('cdoc').value)}/translations/${encodeURIComponent(chosen())}/review`);
		await loadConsent();
		$('cstatus').textContent = t(ans?.new_version ? 'translate.consent_review_new' : 'translate.consent_review_done',
		    { version: ans?.version ?? '' });
	} catch (e) {
		showError(box, e);
	} finally {
		$('creview').disabled = false;
	}
}

/* Uploads the chosen WAV as the reading of the consent text in the
** language being translated (POST /api/v1/consent/general/reading). */
async function sendReading() {
	const box = $('reading-error');
	const file = $('reading-file').files?.[0];
	clearError(box);
	$('reading-status').textContent = '';
	if (!file) {
		box.replaceChildren(el('p', { text: t('translate.reading_none') }));
		return;
	}
	$('reading-send').disabled = true;
	try {
		const res = await fetch(`/api/v1/consent/general/reading?lang=${encodeURIComponent(chosen())}`, {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'audio/wav', 'X-CSRF-Token': csrfToken() ?? '', Accept: 'application/json' },
			body: file,
		});
		if (!res.ok) {
			const data = await res.json().catch(() => null);
			throw new ApiError(res.status, data?.error?.code ?? `http_${res.status}`, data?.error?.message ?? '', data, res.headers);
		}
		$('reading-status').textContent = t('translate.reading_done');
	} catch (e) {
		showError(box, e);
	} finally {
		$('reading-send').disabled = false;
	}
}

start(async () => {
	const who = await me();
	const a = who?.account ?? null;
	if (a === null || !(a.can_translate || ['maintainer', 'treasurer', 'admin'].includes(a.role))) {
		$('logged-out').hidden = false;
		return;
	}
	document.addEventListener('langchange', () => {
		renderState();
		renderRows();
		renderConsent();
	});
	await loadLanguages();
	const wanted = new URLSearchParams(location.search).get('to');
	if (wanted && languages.some((l) => l.lang === wanted))
		$('tlang').value = wanted;
	$('tlang').addEventListener('change', () => {
		consentView = null;
		loadRows().catch((e) => showError($('page-error'), e));
		if (!$('tab-consent').hidden)
			loadConsent().catch((e) => showError($('page-error'), e));
	});
	await loadDocuments();
	$('cdoc').addEventListener('change', () => loadConsent().catch((e) => showError($('page-error'), e)));
	$('tab-strings-btn').addEventListener('click', () => showTab('strings'));
	$('tab-consent-btn').addEventListener('click', () => showTab('consent'));
	$('creview').addEventListener('click', markConsentReviewed);
	$('only-missing').addEventListener('change', () => {
		shown = 50;
		renderRows();
	});
	$('more').addEventListener('click', () => {
		shown += 50;
		renderRows();
	});
	$('review').addEventListener('click', markReviewed);
	$('reading-send').addEventListener('click', sendReading);
	await loadRows();
	if (new URLSearchParams(location.search).get('tab') === 'consent')
		showTab('consent');
	$('signed-in').hidden = false;
});
