/*
** Translate the pages (issue 18): for a maintainer, or an account a
** maintainer let translate (can_translate). Every string of the pages in
** English beside the chosen language's (GET /api/v1/i18n/{lang}/strings),
** the missing ones first; each saved on its own (PUT …/strings/{key}) as a
** draft; "Mark this language reviewed" (POST …/review) is for a second
** speaker: the node refuses it to whoever saved strings since the last
** review (409 second_speaker_needed). The coverage and state come from
** GET /api/v1/i18n; a language under 90% is not in the language menu.
*/
import { t } from './i18n.js';
import { get, post, request, me, showError, clearError, ApiError, csrfToken } from './api.js';
import { $, el, start } from './page.js';

let languages = []; /* GET /api/v1/i18n's list */
let rows = []; /* the chosen language's strings */
let shown = 50; /* rows on the page: a phone need not draw 800 at once */

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
	});
	await loadLanguages();
	const wanted = new URLSearchParams(location.search).get('to');
	if (wanted && languages.some((l) => l.lang === wanted))
		$('tlang').value = wanted;
	$('tlang').addEventListener('change', () => loadRows().catch((e) => showError($('page-error'), e)));
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
	$('signed-in').hidden = false;
});
