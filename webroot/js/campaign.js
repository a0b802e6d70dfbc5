/*
** The maintainer's campaign page (flows 4 and 6 from the side of those who
** run a drive).
**
** Without ?slug=: every campaign (GET /api/v1/campaigns) and a form for a
** new one. With ?slug=SLUG: its numbers (GET …/stats) with small bar
** charts drawn here as plain inline SVG (no chart library: the page must
** stay small for a weak connection, and the CSP allows no inline style, so
** every look is a class in app.css); its prompts (list, edit, retire,
** restore, add one, import a .txt or .csv file); the correction list (items
** a reviewer flagged for personal data: correct the text or reject); the
** contributions, to override a decision with a reason; drive cards to
** print; the campaign's definition and closing it. Both views end with the
** audit log and the state of its hash chain.
*/
import { t, tn, has, nfc, languageName, formatTime, currentLang } from './i18n.js';
import { get, post, me, csrfToken, showError, showMessage, clearError, ApiError } from './api.js';
import { fillRedacted } from './redaction.js';
import { $, el, start, focusOn } from './page.js';

const REASONS = ['wrong_words', 'noise', 'hard_to_hear', 'personal_data', 'offensive',
	'not_the_language', 'other'];
const STATUSES = ['pending', 'validated', 'rejected', 'withdrawn'];
const SCOPES = ['publish_text', 'publish_voice', 'commercial_use', 'voice_synthesis'];
const MANAGERS = ['maintainer', 'admin'];

const params = new URLSearchParams(location.search);
const slug = params.get('slug');

let campaigns = [];
let campaign = null; /* the campaign on screen (its definition) */
let stats = null;
let licences = [];
let prompts = [];
let editing = null; /* id of the prompt being edited */
let corrections = { items: [], next: null };
let contribs = { items: [], next: null, status: 'pending' };
let open = null; /* {list, id, what}: the form open under one item */
let audit = { entries: [], next: null, chain: null };

function say(text) {
	showMessage($('status'), text);
}

function enc(s) {
	return encodeURIComponent(String(s));
}

/*
** Sends ${body} as it is (a file's bytes, or JSON text) with Content-Type
** ${type} and the session's CSRF token; api.js sends JSON only. Resolves
** with the Response when it is 2xx, else throws an ApiError as api.js
** does, so showError() words it the same way.
*/
async function sendRaw(path, body, type, accept = 'application/json') {
	const headers = { 'Content-Type': type, Accept: accept };
	if (csrfToken() !== null)
		headers['X-CSRF-Token'] = csrfToken();
	let res;
	try {
		res = await fetch(path, { method: 'POST', credentials: 'same-origin', cache: 'no-store', headers, body });
	} catch {
		throw new ApiError(0, 'network', t('error.network'), null, null);
	}
	if (res.ok)
		return res;
	let data = null;
	try {
		data = JSON.parse(await res.text());
	} catch {
		data = null;
	}
	const e = data && typeof data.error === 'object' ? data.error : {};
	throw new ApiError(res.status, typeof e.code === 'string' ? e.code : `http_${res.status}`,
	    typeof e.message === 'string' ? e.message : '', data, res.headers);
}

/* ---- words ---- */

function kindName(k) {
	const s = t(`kind.${k}`);
	return s === `kind.${k}` ? String(k ?? '') : s;
}

function statusName(s) {
	return STATUSES.includes(s) ? t(`contributions.status_${s}`) : String(s ?? '');
}

function reasonName(r) {
	return REASONS.includes(r) ? t(`review.reason_${r}`) : String(r ?? '');
}

function scopeLabel(id) {
	const k = `scope.${id}`;
	return has(k) ? t(k) : id;
}

function number(n) {
	try {
		return new Intl.NumberFormat(currentLang()).format(n);
	} catch {
		return String(n);
	}
}

/* A date of the API (Unix seconds) as YYYY-MM-DD in UTC, or ''. */
function isoDay(sec) {
	if (sec === null || sec === undefined || sec === '' || !Number.isFinite(Number(sec)) || Number(sec) === 0)
		return '';
	return new Date(Number(sec) * 1000).toISOString().slice(0, 10);
}

/* A time of the API: Unix seconds, or a text kept as it is. */
function when(v) {
	if (typeof v === 'number' || /^\d+$/.test(String(v ?? '')))
		return formatTime(Number(v));
	return String(v ?? '');
}

/* ---- SVG, drawn with the DOM (never from strings) ---- */

const SVGNS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
	const e = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(attrs))
		if (v !== undefined && v !== null)
			e.setAttribute(k, String(v));
	for (const c of children)
		if (c !== null && c !== undefined)
			e.append(c);
	return e;
}

/*
** A bar a day for ${days} (oldest first) of the field ${field}, in a
** 300×110 box that scales to the width of the screen. Each bar carries
** its day and number as a <title>; the whole is one image with a text
** alternative, and the numbers are in the table under the charts too.
*/
function dayChart(days, field, label) {
	const W = 300, H = 110, top = 14, base = 92;
	const values = days.map((d) => Math.max(0, Number(d?.[field]) || 0));
	const max = Math.max(1, ...values);
	const total = values.reduce((a, b) => a + b, 0);
	const n = Math.max(1, values.length);
	const step = W / n;
	const id = `chart-${field}`;
	const desc = t('campaign.chart_desc', { what: label, total: number(total), max: number(Math.max(0, ...values)) });
	const box = svg('svg', {
		viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', class: `chart chart-${field}`,
		'aria-labelledby': `${id}-t ${id}-d`, 'data-total': total,
	});
	box.append(svg('title', { id: `${id}-t` }, label), svg('desc', { id: `${id}-d` }, desc));
	/* a faint line at the highest value, and the base line */
	box.append(svg('line', { x1: 0, x2: W, y1: top, y2: top, class: 'chart-grid' }));
	box.append(svg('text', { x: 0, y: top - 3, class: 'chart-label' }, number(max)));
	values.forEach((v, i) => {
		const h = (v / max) * (base - top);
		const bar = svg('rect', {
			x: (i * step + step * 0.12).toFixed(2), y: (base - h).toFixed(2),
			width: (step * 0.76).toFixed(2), height: Math.max(h, v > 0 ? 1 : 0).toFixed(2),
			class: 'chart-bar', 'data-day': days[i]?.day ?? '', 'data-value': v,
		});
		bar.append(svg('title', {}, `${days[i]?.day ?? ''}: ${number(v)}`));
		box.append(bar);
	});
	box.append(svg('line', { x1: 0, x2: W, y1: base, y2: base, class: 'chart-axis' }));
	if (days.length > 0) {
		box.append(svg('text', { x: 0, y: H - 4, class: 'chart-label' }, days[0]?.day ?? ''));
		box.append(svg('text', { x: W, y: H - 4, class: 'chart-label', 'text-anchor': 'end' },
		    days[days.length - 1]?.day ?? ''));
	}
	return el('figure', { class: 'chart-box' },
	    el('figcaption', {},
		el('span', { class: 'chart-name', text: label }),
		' ',
		el('span', { class: 'chart-total', text: t('campaign.chart_total', { n: number(total) }) })),
	    box);
}

/* One row of the reasons' bar list: name, count and a bar of its share. */
function reasonRow(reason, n, max) {
	const w = max > 0 ? (n / max) * 100 : 0;
	const bar = svg('svg', { viewBox: '0 0 100 6', preserveAspectRatio: 'none', class: 'bar', 'aria-hidden': 'true' },
	    svg('rect', { x: 0, y: 0, width: 100, height: 6, class: 'bar-track' }),
	    svg('rect', { x: 0, y: 0, width: w.toFixed(2), height: 6, class: `bar-fill reason-${reason}` }));
	return el('li', { 'data-reason': reason },
	    el('span', { class: 'bar-name', text: reasonName(reason) }),
	    el('span', { class: 'bar-count', text: number(n) }),
	    bar);
}

/* ---- the numbers ---- */

/* The totals shown, in this order ("pending" is the queue: shown once). */
const TOTALS = ['queue', 'validated', 'rejected', 'withdrawn', 'corrections', 'votes',
	'contributors', 'reviewers'];

function renderStats() {
	if (stats === null)
		return;
	const tot = stats.totals ?? {};
	const dl = $('totals');
	dl.replaceChildren();
	const keys = [...TOTALS];
	if (campaign?.kind === 'audio')
		keys.splice(2, 0, 'validated_seconds');
	for (const k of keys) {
		const v = Number(tot[k] ?? 0);
		const shown = k === 'validated_seconds'
		    ? t('campaign.hours', { n: (v / 3600).toFixed(v >= 36000 ? 0 : 1) })
		    : number(v);
		dl.append(el('div', { class: `stat stat-${k}` },
		    el('dt', { text: t(`campaign.total_${k}`) }),
		    el('dd', { 'data-stat': k, 'data-value': String(v), text: shown })));
	}
	const days = Array.isArray(stats.days) ? stats.days.slice(-30) : [];
	$('day-charts').replaceChildren(
	    dayChart(days, 'submitted', t('campaign.day_submitted')),
	    dayChart(days, 'validated', t('campaign.day_validated')),
	    dayChart(days, 'votes', t('campaign.day_votes')));
	renderDaysTable(days);
	const reasons = stats.reasons ?? {};
	const names = [...REASONS, ...Object.keys(reasons).filter((r) => !REASONS.includes(r))];
	const counts = names.map((r) => [r, Math.max(0, Number(reasons[r]) || 0)]);
	const max = Math.max(0, ...counts.map(([, n]) => n));
	$('reasons-chart').replaceChildren(...counts.sort((a, b) => b[1] - a[1]).map(([r, n]) => reasonRow(r, n, max)));
	$('no-reasons').hidden = max > 0;
	$('reasons-chart').hidden = max === 0;
}

function renderDaysTable(days) {
	const cols = ['submitted', 'validated', 'rejected', 'withdrawn', 'votes', 'contributors'];
	const head = el('tr', {}, el('th', { scope: 'col', text: t('campaign.day') }),
	    ...cols.map((c) => el('th', { scope: 'col', text: t(`campaign.day_${c}`) })));
	const rows = days.slice().reverse().map((d) => el('tr', {},
	    el('th', { scope: 'row', text: String(d?.day ?? '') }),
	    ...cols.map((c) => el('td', { text: number(Number(d?.[c]) || 0) }))));
	$('days-table').replaceChildren(el('table', { class: 'days' },
	    el('thead', {}, head), el('tbody', {}, ...rows)));
}

async function loadStats() {
	stats = await get(`/api/v1/campaigns/${enc(slug)}/stats`);
	renderStats();
}

/* ---- licences ---- */

/* The choices of a licence select: the licence's name (its id if none). */
function licenceOptions() {
	return [el('option', { value: '', text: t('campaign.licence_choose') }),
		...licences.map((l) => el('option', { value: l.id, text: l.name || l.id }))];
}

function fillLicences() {
	for (const s of document.querySelectorAll('select.licence-select')) {
		const v = s.value;
		s.replaceChildren(...licenceOptions());
		s.value = v;
	}
}

function licenceSelect(id, value) {
	const s = el('select', { id, name: 'licence', class: 'licence-select' }, ...licenceOptions());
	s.value = value ?? '';
	return s;
}

/* ---- prompts ---- */

function promptEditForm(p) {
	const err = el('div', { class: 'alert', role: 'alert' });
	const text = el('textarea', { id: `pe-text-${p.id}`, rows: '3', maxlength: '1000' });
	text.value = p.text ?? '';
	const source = el('input', { id: `pe-source-${p.id}`, type: 'text', autocomplete: 'off' });
	source.value = p.source ?? '';
	const lic = licenceSelect(`pe-licence-${p.id}`, p.licence);
	const save = el('button', { type: 'submit', text: t('campaign.save') });
	const cancel = el('button', { type: 'button', class: 'secondary', text: t('campaign.cancel') });
	const form = el('form', { class: 'item-form', method: 'post', novalidate: true },
	    el('div', { class: 'field' }, el('label', { for: text.id, text: t('campaign.prompt_text') }), text),
	    el('div', { class: 'field' }, el('label', { for: source.id, text: t('campaign.prompt_source') }), source),
	    el('div', { class: 'field' }, el('label', { for: lic.id, text: t('campaign.prompt_licence') }), lic),
	    err,
	    el('div', { class: 'buttons' }, save, cancel));
	cancel.addEventListener('click', () => {
		editing = null;
		renderPrompts();
		focusOn(document.querySelector(`[data-edit-prompt="${CSS.escape(String(p.id))}"]`));
	});
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearError(err);
		const body = { text: nfc(text.value).trim(), source: nfc(source.value).trim() };
		if (body.text === '') {
			showMessage(err, t('campaign.prompt_empty'));
			focusOn(text);
			return;
		}
		if (lic.value !== '')
			body.licence = lic.value;
		save.disabled = cancel.disabled = true;
		try {
			const r = await post(`/api/v1/prompts/${enc(p.id)}`, body);
			replacePrompt(r?.prompt ?? { ...p, ...body });
			editing = null;
			renderPrompts();
			say(t('campaign.prompt_saved'));
			focusOn(document.querySelector(`[data-edit-prompt="${CSS.escape(String(p.id))}"]`));
		} catch (e) {
			showError(err, e);
			save.disabled = cancel.disabled = false;
		}
	});
	return form;
}

function replacePrompt(p) {
	const i = prompts.findIndex((x) => x.id === p.id);
	if (i >= 0)
		prompts[i] = p;
	else
		prompts.push(p);
	/* live ones first, as the server lists them */
	prompts.sort((a, b) => Number(Boolean(a.retired)) - Number(Boolean(b.retired)));
}

async function setRetired(p, retired, button) {
	button.disabled = true;
	try {
		const r = await post(`/api/v1/prompts/${enc(p.id)}`, { retired });
		replacePrompt(r?.prompt ?? { ...p, retired });
		renderPrompts();
		say(t(retired ? 'campaign.prompt_retired_ok' : 'campaign.prompt_restored_ok'));
		focusOn(document.querySelector(`[data-edit-prompt="${CSS.escape(String(p.id))}"]`) ?? $('prompts-h'));
	} catch (e) {
		button.disabled = false;
		showError($('page-error'), e);
	}
}

function promptItem(p) {
	const li = el('li', { class: `card prompt-item${p.retired ? ' retired' : ''}`, 'data-prompt': String(p.id) });
	if (editing === p.id) {
		li.append(promptEditForm(p));
		return li;
	}
	const meta = [];
	if (p.source)
		meta.push(t('campaign.prompt_from', { source: p.source }));
	if (p.licence)
		meta.push(licences.find((l) => l.id === p.licence)?.name || p.licence);
	meta.push(tn('campaign.prompt_uses', Number(p.uses) || 0));
	const head = el('div', { class: 'consent-head' },
	    el('p', { class: 'prompt-line', lang: campaign?.language || null, text: p.text ?? '' }));
	if (p.retired)
		head.append(el('span', { class: 'badge withdrawn', text: t('campaign.retired') }));
	const edit = el('button', { type: 'button', class: 'secondary', 'data-edit-prompt': String(p.id), text: t('campaign.edit') });
	const toggle = el('button', {
		type: 'button', class: 'secondary', 'data-retire-prompt': String(p.id),
		text: t(p.retired ? 'campaign.restore' : 'campaign.retire'),
	});
	edit.addEventListener('click', () => {
		editing = p.id;
		renderPrompts();
		focusOn($(`pe-text-${p.id}`));
	});
	toggle.addEventListener('click', () => setRetired(p, !p.retired, toggle));
	li.append(head, el('p', { class: 'hint', text: meta.join(' · ') }), el('div', { class: 'buttons' }, edit, toggle));
	return li;
}

function renderPrompts() {
	const live = prompts.filter((p) => !p.retired).length;
	$('prompts-count').textContent = t('campaign.prompts_count', {
		live: number(live), retired: number(prompts.length - live),
	});
	$('prompts').replaceChildren(...prompts.map(promptItem));
}

async function loadPrompts() {
	const r = await get(`/api/v1/campaigns/${enc(slug)}/prompts`);
	prompts = Array.isArray(r?.prompts) ? r.prompts : [];
	renderPrompts();
}

async function onPromptAdd(ev) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const err = $('pa-error');
	clearError(err);
	const text = nfc($('pa-text').value).trim();
	const source = nfc($('pa-source').value).trim();
	const licence = $('pa-licence').value;
	$('pa-text').removeAttribute('aria-invalid');
	$('pa-licence').removeAttribute('aria-invalid');
	if (text === '') {
		showMessage(err, t('campaign.prompt_empty'));
		$('pa-text').setAttribute('aria-invalid', 'true');
		focusOn($('pa-text'));
		return;
	}
	if (licence === '') {
		showMessage(err, t('campaign.need_licence'));
		$('pa-licence').setAttribute('aria-invalid', 'true');
		focusOn($('pa-licence'));
		return;
	}
	const body = { text, licence };
	if (source !== '')
		body.source = source;
	const button = form.querySelector('button[type=submit]');
	button.disabled = true;
	try {
		const r = await post(`/api/v1/campaigns/${enc(slug)}/prompts`, body);
		if (r?.prompt)
			replacePrompt(r.prompt);
		$('pa-text').value = '';
		renderPrompts();
		say(t('campaign.prompt_added'));
	} catch (e) {
		showError(err, e);
		if (e instanceof ApiError && e.code === 'duplicate')
			showMessage(err, t('campaign.prompt_duplicate'));
	} finally {
		button.disabled = false;
	}
}

/* Is ${file} a CSV (by its name or type)? Otherwise it is one prompt a line. */
function isCsv(file) {
	return /\.csv$/i.test(file?.name ?? '') || file?.type === 'text/csv';
}

function renderImportFields() {
	const f = $('pi-file').files?.[0];
	$('pi-txt-fields').hidden = Boolean(f) && isCsv(f);
}

async function onImport(ev) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const err = $('pi-error');
	clearError(err);
	const file = $('pi-file').files?.[0] ?? null;
	if (file === null) {
		showMessage(err, t('campaign.import_need_file'));
		focusOn($('pi-file'));
		return;
	}
	const csv = isCsv(file);
	let path = `/api/v1/campaigns/${enc(slug)}/prompts/import`;
	if (!csv) {
		const licence = $('pi-licence').value;
		if (licence === '') {
			showMessage(err, t('campaign.need_licence'));
			focusOn($('pi-licence'));
			return;
		}
		const q = new URLSearchParams({ licence });
		const source = nfc($('pi-source').value).trim();
		if (source !== '')
			q.set('source', source);
		path += `?${q}`;
	}
	const button = form.querySelector('button[type=submit]');
	button.disabled = true;
	try {
		const res = await sendRaw(path, file, csv ? 'text/csv' : 'text/plain');
		const r = await res.json().catch(() => ({}));
		say(t('campaign.imported', {
			n: number(Number(r?.imported) || 0), dup: number(Number(r?.duplicates) || 0),
		}));
		form.reset();
		renderImportFields();
		await Promise.all([loadPrompts(), loadStats()]);
	} catch (e) {
		const lines = Array.isArray(e?.body?.error?.lines) ? e.body.error.lines : [];
		if (lines.length > 0) {
			/* our words for the whole, the server's for each line */
			showMessage(err, t('campaign.import_refused', { n: lines.length }));
			err.append(el('ul', { class: 'refused-lines' }, ...lines.map((l) => el('li', {
				'data-line': String(l.line),
				text: t('campaign.import_line', { line: l.line, message: l.message ?? '' }),
			}))));
		} else
			showError(err, e);
		focusOn(err);
	} finally {
		button.disabled = false;
	}
}

/* ---- one contribution, as the correction list and the browser show it ---- */

function itemBody(c) {
	const box = el('div', { class: 'contribution-text', lang: campaign?.language || null });
	if (c.audio && typeof c.audio.url === 'string')
		box.append(el('audio', {
			controls: '', preload: 'none', src: c.audio.url,
			'aria-label': t('review.recording_label', { id: c.id }),
		}));
	else if (typeof c.text === 'string' && c.text !== '')
		fillRedacted(box, c.text);
	else {
		box.classList.add('muted');
		box.textContent = t('contributions.erased');
	}
	return box;
}

function votesLine(c) {
	const up = Number(c?.votes?.up ?? 0), down = Number(c?.votes?.down ?? 0);
	return t('campaign.votes', { up: number(up), down: number(down) });
}

function itemHead(c, list) {
	const status = STATUSES.includes(c.status) ? c.status : 'pending';
	return el('div', { class: 'consent-head' },
	    el('h3', { id: `${list}-item-${c.id}`, text: t('campaign.item_no', { id: c.id }) }),
	    el('span', { class: `badge ${status}`, text: statusName(c.status) }));
}

function itemFacts(c) {
	const parts = [when(c.created_at), votesLine(c)];
	if (c.prompt)
		parts.unshift(t('campaign.item_prompt', { prompt: typeof c.prompt === 'string' ? c.prompt : c.prompt?.text ?? '' }));
	return el('p', { class: 'hint', text: parts.filter((x) => x).join(' · ') });
}

/*
** The form under item ${c} for ${what}: 'correct' (a new text and an
** optional reason), 'reject' (a reason) or 'override' (a new status and a
** reason). ${list} names the list it sits in ('corr' or 'contribs').
*/
function actionForm(c, what, list) {
	const p = `${list}-${what}-${c.id}`;
	const err = el('div', { class: 'alert', role: 'alert' });
	const fields = [];
	let text = null;
	let choice = null;
	if (what === 'correct') {
		text = el('textarea', { id: `${p}-text`, rows: '5', lang: campaign?.language || null });
		text.value = c.text ?? '';
		fields.push(el('div', { class: 'field' },
		    el('label', { for: text.id, text: t('campaign.correct_text') }),
		    el('p', { class: 'hint', id: `${p}-text-hint`, text: t('campaign.correct_hint') }),
		    text));
		text.setAttribute('aria-describedby', `${p}-text-hint`);
	}
	if (what === 'override') {
		choice = el('fieldset', {}, el('legend', { text: t('campaign.override_to') }));
		for (const s of ['validated', 'rejected']) {
			const input = el('input', { type: 'radio', name: `${p}-status`, id: `${p}-${s}`, value: s });
			input.checked = s !== c.status && (s === 'validated' || c.status === 'validated');
			choice.append(el('div', { class: 'check' }, input, el('label', { for: input.id, text: statusName(s) })));
		}
		fields.push(choice);
	}
	const reason = el('input', { id: `${p}-reason`, type: 'text', autocomplete: 'off', maxlength: '500' });
	fields.push(el('div', { class: 'field' },
	    el('label', { for: reason.id, text: t(what === 'correct' ? 'campaign.reason_optional' : 'campaign.reason_required') }),
	    reason));
	const yes = el('button', {
		type: 'submit', class: what === 'reject' ? 'danger' : '',
		text: t(`campaign.${what}_yes`),
	});
	const no = el('button', { type: 'button', class: 'secondary', text: t('campaign.cancel') });
	const form = el('form', { class: 'item-form confirm-soft', method: 'post', novalidate: true, 'data-form': what },
	    ...fields, err, el('div', { class: 'buttons' }, yes, no));
	no.addEventListener('click', () => {
		open = null;
		redraw();
		focusOn(document.querySelector(`[data-${what}="${CSS.escape(String(c.id))}"]`));
	});
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearError(err);
		const why = nfc(reason.value).trim();
		reason.removeAttribute('aria-invalid');
		let url;
		let body;
		if (what === 'correct') {
			const nt = nfc(text.value).trim();
			if (nt === '') {
				showMessage(err, t('contribute.empty'));
				focusOn(text);
				return;
			}
			url = `/api/v1/contributions/${enc(c.id)}/correct`;
			body = { text: nt };
			if (why !== '')
				body.reason = why;
		} else {
			if (why === '') {
				showMessage(err, t('campaign.need_reason'));
				reason.setAttribute('aria-invalid', 'true');
				focusOn(reason);
				return;
			}
			const status = what === 'reject' ? 'rejected' : choice.querySelector('input:checked')?.value;
			if (!status) {
				showMessage(err, t('campaign.need_status'));
				return;
			}
			url = `/api/v1/contributions/${enc(c.id)}/decision`;
			body = { status, reason: why };
		}
		yes.disabled = no.disabled = true;
		try {
			const r = await post(url, body);
			open = null;
			const done = r?.contribution ?? {};
			say(t(`campaign.${what}_ok`, { id: c.id, status: statusName(done.status ?? body.status) }));
			await Promise.all([loadCorrections(), loadContribs(), loadStats()]);
			focusOn($(list === 'corr' ? 'corrections-h' : 'contribs-h'));
		} catch (e) {
			showError(err, e);
			yes.disabled = no.disabled = false;
		}
	});
	return form;
}

function actionButton(c, what, list, danger) {
	const b = el('button', {
		type: 'button', class: danger ? 'danger secondary' : 'secondary',
		[`data-${what}`]: String(c.id), 'aria-describedby': `${list}-item-${c.id}`,
		text: t(`campaign.${what}`),
	});
	b.addEventListener('click', () => {
		open = { list, id: c.id, what };
		redraw();
		const f = document.querySelector(`[data-${list}-item="${CSS.escape(String(c.id))}"] form`);
		focusOn(f?.querySelector('textarea, input:checked, input[type=text]'));
	});
	return b;
}

/* Both lists: one form is open at a time, in either of them. */
function redraw() {
	renderCorrections();
	renderContribs();
}

/* ---- the correction list ---- */

function correctionItem(c) {
	const li = el('li', { class: 'card contribution', 'data-corr-item': String(c.id) },
	    itemHead(c, 'corr'), itemBody(c), itemFacts(c));
	const reasons = Array.isArray(c.reasons) ? c.reasons : [];
	if (reasons.length > 0)
		li.append(el('ul', { class: 'review-reasons' }, ...reasons.map((r) => el('li', {},
		    el('strong', { text: reasonName(r.reason) }),
		    r.note ? ` — “${r.note}”` : '',
		    r.reviewer ? el('span', { class: 'muted', text: ` (${r.reviewer})` }) : ''))));
	if (open !== null && open.list === 'corr' && open.id === c.id) {
		li.append(actionForm(c, open.what, 'corr'));
		return li;
	}
	const buttons = el('div', { class: 'buttons' });
	if (c.kind !== 'audio' && !c.audio)
		buttons.append(actionButton(c, 'correct', 'corr', false));
	buttons.append(actionButton(c, 'reject', 'corr', true));
	li.append(buttons);
	return li;
}

function renderCorrections() {
	$('corrections').replaceChildren(...corrections.items.map(correctionItem));
	$('corrections-none').hidden = corrections.items.length > 0;
	$('corrections-older').hidden = corrections.next === null || corrections.next === undefined;
}

/* The newest page of the correction list, or (${older}) the page after it. */
async function loadCorrections({ older = false } = {}) {
	const q = older && corrections.next !== null ? `?before=${enc(corrections.next)}` : '';
	const r = await get(`/api/v1/campaigns/${enc(slug)}/corrections${q}`);
	const items = Array.isArray(r?.items) ? r.items : [];
	corrections.items = older ? [...corrections.items, ...items] : items;
	corrections.next = r?.next ?? null;
	renderCorrections();
}

/* ---- the contributions, to override a decision ---- */

function contribItem(c) {
	const li = el('li', { class: 'card contribution', 'data-contribs-item': String(c.id) },
	    itemHead(c, 'contribs'), itemBody(c), itemFacts(c));
	if (c.status === 'withdrawn')
		return li;
	if (open !== null && open.list === 'contribs' && open.id === c.id) {
		li.append(actionForm(c, 'override', 'contribs'));
		return li;
	}
	li.append(el('div', { class: 'buttons' }, actionButton(c, 'override', 'contribs', false)));
	return li;
}

function renderContribs() {
	$('contribs').replaceChildren(...contribs.items.map(contribItem));
	$('contribs-none').hidden = contribs.items.length > 0;
	$('contribs-older').hidden = contribs.next === null || contribs.next === undefined;
}

/* The newest page of the chosen status, or (${older}) the page after it. */
async function loadContribs({ older = false } = {}) {
	const q = new URLSearchParams({ status: contribs.status });
	if (older && contribs.next !== null)
		q.set('before', String(contribs.next));
	const r = await get(`/api/v1/campaigns/${enc(slug)}/contributions?${q}`);
	const items = Array.isArray(r?.items) ? r.items : [];
	contribs.items = older ? [...contribs.items, ...items] : items;
	contribs.next = r?.next ?? null;
	renderContribs();
}

/* ---- drive cards ---- */

let cardsUrl = null;

async function onCards(ev) {
	ev.preventDefault();
	const err = $('cards-error');
	const input = $('cards-count');
	clearError(err);
	input.removeAttribute('aria-invalid');
	const count = Number(input.value);
	if (!Number.isInteger(count) || count < 1 || count > 200) {
		showMessage(err, t('campaign.cards_range'));
		input.setAttribute('aria-invalid', 'true');
		focusOn(input);
		return;
	}
	const button = ev.currentTarget.querySelector('button');
	button.disabled = true;
	try {
		const res = await sendRaw(`/api/v1/campaigns/${enc(slug)}/cards`, JSON.stringify({ count }),
		    'application/json', 'text/html');
		const blob = new Blob([await res.arrayBuffer()], { type: 'text/html' });
		/* Downloaded, not opened in a tab: a tab opened from a blob keeps
		   this page's CSP, which would strip the sheet's own styles. */
		if (cardsUrl !== null)
			URL.revokeObjectURL(cardsUrl);
		cardsUrl = URL.createObjectURL(blob);
		const a = $('cards-link');
		a.href = cardsUrl;
		a.download = `cards-${slug}-${new Date().toISOString().slice(0, 10)}.html`;
		$('cards-done').hidden = false;
		a.click();
		say(tn('campaign.cards_ok', count));
		await loadAudit();
	} catch (e) {
		showError(err, e);
	} finally {
		button.disabled = false;
	}
}

/* ---- the campaign's definition ---- */

/* The id of the input of field ${name} in form ${p} ("review.min_votes" too). */
function fieldId(p, name) {
	return `${p}-${String(name).replace(/[^a-z0-9_]/gi, '-')}`;
}

function textField(p, name, label, value, { hint, ...attrs } = {}) {
	const input = el('input', { id: fieldId(p, name), name, type: 'text', autocomplete: 'off', ...attrs });
	input.value = value ?? '';
	return fieldBox(p, name, label, input, hint);
}

function fieldBox(p, name, label, control, hint) {
	const errId = `${fieldId(p, name)}-error`;
	const box = el('div', { class: 'field', 'data-field': name },
	    el('label', { for: control.id, text: label }));
	if (hint) {
		const hid = `${fieldId(p, name)}-hint`;
		box.append(el('p', { class: 'hint', id: hid, text: hint }));
		control.setAttribute('aria-describedby', `${hid} ${errId}`);
	} else
		control.setAttribute('aria-describedby', errId);
	box.append(control, el('div', { class: 'alert field-error', id: errId, role: 'alert' }));
	return box;
}

/* How many votes decide and by which rule (review.c's review_decide). */
function reviewRule(p, review) {
	const rule = el('select', { id: fieldId(p, 'review.rule'), name: 'rule' },
	    el('option', { value: 'majority', text: t('campaign.rule_majority') }),
	    el('option', { value: 'unanimous', text: t('campaign.rule_unanimous') }));
	rule.value = review.rule === 'unanimous' ? 'unanimous' : 'majority';
	return el('fieldset', { id: fieldId(p, 'review'), 'data-field': 'review', tabindex: '-1' },
	    el('legend', { text: t('campaign.f_review') }),
	    textField(p, 'review.min_votes', t('campaign.f_min_votes'), review.min_votes ?? 2,
		{ inputmode: 'numeric', hint: t('campaign.f_min_votes_hint') }),
	    fieldBox(p, 'review.rule', t('campaign.f_rule'), rule, t('campaign.f_rule_hint')),
	    el('div', { class: 'alert field-error', id: `${fieldId(p, 'review')}-error`, role: 'alert' }));
}

/*
** The campaign form, empty for a new campaign (${c} null) or filled from
** ${c}. The slug names the campaign: saving with a slug that exists
** changes that campaign, so it is fixed once the campaign exists.
*/
function campaignForm(c, p) {
	const form = el('form', { class: 'campaign-form', method: 'post', novalidate: true, 'data-prefix': p });
	const kind = el('select', { id: fieldId(p, 'kind'), name: 'kind' },
	    el('option', { value: 'text', text: kindName('text') }),
	    el('option', { value: 'audio', text: kindName('audio') }));
	kind.value = c?.kind ?? 'text';
	const scopes = el('fieldset', { id: fieldId(p, 'required_scopes'), 'data-field': 'required_scopes', tabindex: '-1' },
	    el('legend', { text: t('campaign.f_scopes') }));
	const have = Array.isArray(c?.required_scopes) ? c.required_scopes : ['publish_text'];
	for (const s of [...SCOPES, ...have.filter((x) => !SCOPES.includes(x))]) {
		const input = el('input', { type: 'checkbox', id: `${p}-scope-${s}`, name: 'scope', value: s });
		input.checked = have.includes(s);
		scopes.append(el('div', { class: 'check' }, input, el('label', { for: input.id },
		    el('span', { class: 'name', text: scopeLabel(s) }),
		    el('span', { class: 'id', text: s }))));
	}
	scopes.append(el('div', { class: 'alert field-error', id: `${fieldId(p, 'required_scopes')}-error`, role: 'alert' }));
	const textOnly = el('div', { class: 'kind-text' },
	    textField(p, 'max_chars', t('campaign.f_max_chars'), c?.max_chars ?? 2000, { inputmode: 'numeric' }));
	const audioOnly = el('div', { class: 'kind-audio' },
	    textField(p, 'min_seconds', t('campaign.f_min_seconds'), c?.min_seconds ?? 1, { inputmode: 'decimal' }),
	    textField(p, 'max_seconds', t('campaign.f_max_seconds'), c?.max_seconds ?? 15, { inputmode: 'decimal' }),
	    textField(p, 'sample_rate', t('campaign.f_sample_rate'), c?.sample_rate ?? 16000,
		{ inputmode: 'numeric', hint: t('campaign.f_sample_rate_hint') }));
	const showKind = () => {
		textOnly.hidden = kind.value !== 'text';
		audioOnly.hidden = kind.value !== 'audio';
	};
	kind.addEventListener('change', showKind);
	showKind();
	const slugField = textField(p, 'slug', t('campaign.f_slug'), c?.slug ?? '',
	    { autocapitalize: 'none', spellcheck: 'false', hint: t('campaign.f_slug_hint') });
	if (c !== null)
		slugField.querySelector('input').readOnly = true;
	const review = c?.review ?? {};
	form.append(
	    slugField,
	    textField(p, 'title', t('campaign.f_title'), c?.title ?? ''),
	    textField(p, 'language', t('campaign.f_language'), c?.language ?? '',
		{ autocapitalize: 'none', spellcheck: 'false', hint: t('campaign.f_language_hint') }),
	    fieldBox(p, 'kind', t('campaign.f_kind'), kind),
	    textField(p, 'consent', t('campaign.f_consent'), c?.consent ?? 'general',
		{ autocapitalize: 'none', spellcheck: 'false', hint: t('campaign.f_consent_hint') }),
	    scopes,
	    textField(p, 'minimum_age', t('campaign.f_minimum_age'), c?.minimum_age ?? 16, { inputmode: 'numeric' }),
	    textOnly,
	    audioOnly,
	    textField(p, 'starts_at', t('campaign.f_starts_at'), isoDay(c?.starts_at), { type: 'date' }),
	    textField(p, 'ends_at', t('campaign.f_ends_at'), isoDay(c?.ends_at), { type: 'date' }),
	    reviewRule(p, review),
	    el('div', { class: 'alert', id: `${p}-error`, role: 'alert' }),
	    el('button', { type: 'submit', class: 'wide', text: t(c === null ? 'campaign.create' : 'campaign.save') }));
	form.addEventListener('submit', (ev) => onCampaignSave(ev, c));
	return form;
}

/* The definition the form ${form} (field ids prefixed ${p}) describes. */
function formDefinition(form, p, c) {
	const v = (name) => nfc($(fieldId(p, name))?.value ?? '').trim();
	const num = (name) => (v(name) === '' ? undefined : Number(v(name).replace(',', '.')));
	const def = {
		slug: v('slug'),
		title: v('title'),
		language: v('language'),
		kind: $(fieldId(p, 'kind')).value,
		consent: v('consent'),
		required_scopes: [...form.querySelectorAll('input[name=scope]:checked')].map((i) => i.value),
		minimum_age: num('minimum_age'),
	};
	if (def.kind === 'text')
		def.max_chars = num('max_chars');
	else {
		def.min_seconds = num('min_seconds');
		def.max_seconds = num('max_seconds');
		def.sample_rate = num('sample_rate');
	}
	if (v('starts_at') !== '')
		def.starts_at = v('starts_at');
	if (v('ends_at') !== '')
		def.ends_at = v('ends_at');
	def.review = { rule: $(fieldId(p, 'review.rule')).value };
	if (v('review.min_votes') !== '')
		def.review.min_votes = num('review.min_votes');
	if (c?.description)
		def.description = c.description;
	for (const k of Object.keys(def))
		if (def[k] === undefined)
			delete def[k];
	return def;
}

function clearFieldErrors(form) {
	for (const e of form.querySelectorAll('.field-error'))
		e.replaceChildren();
	for (const i of form.querySelectorAll('[aria-invalid]'))
		i.removeAttribute('aria-invalid');
}

async function onCampaignSave(ev, c) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const p = form.dataset.prefix;
	const box = $(`${p}-error`);
	clearError(box);
	clearFieldErrors(form);
	const def = formDefinition(form, p, c);
	const button = form.querySelector('button[type=submit]');
	button.disabled = true;
	try {
		const r = await post('/api/v1/campaigns', def);
		const saved = r?.campaign ?? def;
		if (c === null) {
			location.assign(`campaign.html?slug=${enc(saved.slug ?? def.slug)}`);
			return;
		}
		campaign = { ...campaign, ...saved };
		renderFacts();
		say(t('campaign.saved'));
		focusOn($('status'));
	} catch (e) {
		const field = e instanceof ApiError ? e.body?.error?.field ?? e.body?.field : null;
		const errBox = field ? $(`${fieldId(p, field)}-error`) : null;
		if (errBox) {
			showError(errBox, e);
			const input = $(fieldId(p, field));
			if (input && input.tagName !== 'FIELDSET')
				input.setAttribute('aria-invalid', 'true');
			input?.closest('details')?.setAttribute('open', '');
			focusOn(input?.tagName === 'FIELDSET' ? input.querySelector('input') : input);
		} else {
			showError(box, e);
			focusOn(box);
		}
	} finally {
		button.disabled = false;
	}
}

/* ---- closing ---- */

let closing = false;

function renderClose() {
	const box = $('close-box');
	box.replaceChildren();
	const ended = campaign?.ends_at && Number(campaign.ends_at) * 1000 <= Date.now();
	if (ended) {
		box.append(el('p', { class: 'notice', text: t('campaign.closed_note') }));
		return;
	}
	if (!closing) {
		const b = el('button', { type: 'button', id: 'close', class: 'danger secondary', text: t('campaign.close') });
		b.addEventListener('click', () => {
			closing = true;
			renderClose();
			focusOn($('close-q'));
		});
		box.append(b);
		return;
	}
	const err = el('div', { class: 'alert', role: 'alert' });
	const yes = el('button', { type: 'button', class: 'danger', text: t('campaign.close_yes') });
	const no = el('button', { type: 'button', class: 'secondary', text: t('campaign.cancel') });
	box.append(el('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'close-q' },
	    el('h3', { id: 'close-q', text: t('campaign.close_q', { title: campaign.title ?? slug }) }),
	    el('p', { text: t('campaign.close_text') }),
	    err,
	    el('div', { class: 'buttons' }, yes, no)));
	no.addEventListener('click', () => {
		closing = false;
		renderClose();
		focusOn($('close'));
	});
	yes.addEventListener('click', async () => {
		clearError(err);
		yes.disabled = no.disabled = true;
		try {
			const r = await post(`/api/v1/campaigns/${enc(slug)}/close`);
			campaign = { ...campaign, ...(r?.campaign ?? { ends_at: Math.floor(Date.now() / 1000) }) };
			closing = false;
			renderFacts();
			say(t('campaign.closed_ok'));
			focusOn($('status'));
			await loadAudit();
		} catch (e) {
			showError(err, e);
			yes.disabled = no.disabled = false;
		}
	});
}

function renderFacts() {
	if (campaign === null)
		return;
	$('page-h').textContent = campaign.title ?? slug;
	$('page-h').lang = campaign.title_lang || campaign.language || '';
	document.title = `${campaign.title ?? slug} — ${t('campaign.page_title')}`;
	$('campaign-facts').textContent = t('campaign.facts', {
		slug: campaign.slug, language: languageName(campaign.language), kind: kindName(campaign.kind),
	});
	const d = [];
	if (campaign.starts_at)
		d.push(t('campaign.starts', { day: isoDay(campaign.starts_at) }));
	if (campaign.ends_at)
		d.push(t('campaign.ends', { day: isoDay(campaign.ends_at) }));
	$('campaign-dates').textContent = d.join(' · ');
	$('campaign-dates').hidden = d.length === 0;
	renderClose();
}

/* ---- the list of campaigns ---- */

function renderList() {
	const ul = $('campaign-list');
	ul.replaceChildren(...campaigns.map((c) => el('li', {},
	    el('a', { href: `campaign.html?slug=${enc(c.slug)}`, 'data-campaign': c.slug },
		el('span', { class: 'drive-title', lang: c.title_lang || c.language || null, text: c.title ?? c.slug }),
		el('span', {
			class: 'drive-meta',
			text: t('campaign.facts', { slug: c.slug, language: languageName(c.language), kind: kindName(c.kind) }),
		})))));
	$('none').hidden = campaigns.length > 0;
}

/* ---- the audit log ---- */

function chainText(ch) {
	if (!ch || typeof ch !== 'object')
		return '';
	const rows = number(Number(ch.rows) || 0);
	if (ch.state === 'intact')
		return t('campaign.chain_intact', { rows });
	if (ch.state === 'changed')
		return t('campaign.chain_changed', { row: ch.bad_id ?? '?', rows });
	if (ch.state === 'gap')
		return t('campaign.chain_gap', { row: ch.bad_id ?? '?', rows });
	return String(ch.state ?? '');
}

function detailText(d) {
	if (d === null || d === undefined || d === '')
		return '';
	return typeof d === 'string' ? d : JSON.stringify(d);
}

function auditItem(a) {
	const who = a.actor ? a.actor : a.actor_id ? t('campaign.audit_account', { id: a.actor_id }) : t('campaign.audit_node');
	const line = el('p', { class: 'audit-what' },
	    el('code', { text: String(a.action ?? '') }),
	    a.subject_id !== null && a.subject_id !== undefined ? ` #${a.subject_id}` : '');
	const li = el('li', { class: 'audit-entry', 'data-audit': String(a.id) },
	    el('p', { class: 'audit-meta' },
		el('span', { class: 'audit-no', text: `${a.id}` }),
		' · ',
		el('span', { text: when(a.at) }),
		' · ',
		el('strong', { text: who })),
	    line);
	const d = detailText(a.detail);
	if (d !== '')
		li.append(el('p', { class: 'audit-detail', text: d }));
	return li;
}

function renderAudit() {
	const ch = audit.chain;
	const p = $('chain');
	p.textContent = chainText(ch);
	p.className = `chain ${ch?.state === 'intact' ? 'success' : ch ? 'alert' : ''}`;
	p.dataset.state = ch?.state ?? '';
	if (ch?.head)
		p.title = t('campaign.chain_head', { head: String(ch.head) });
	$('audit').replaceChildren(...audit.entries.map(auditItem));
	$('audit-none').hidden = audit.entries.length > 0;
	$('audit-older').hidden = audit.next === null || audit.next === undefined;
}

async function loadAudit({ older = false } = {}) {
	const q = new URLSearchParams();
	const actor = nfc($('audit-actor').value).trim().toLowerCase();
	const subject = nfc($('audit-subject').value).trim();
	if (actor !== '')
		q.set('actor', actor);
	if (subject !== '')
		q.set('subject', subject);
	if (older && audit.next !== null)
		q.set('before', String(audit.next));
	clearError($('audit-error'));
	try {
		const qs = q.toString();
		const r = await get(`/api/v1/audit${qs ? `?${qs}` : ''}`);
		const entries = Array.isArray(r?.entries) ? r.entries : [];
		audit.entries = older ? [...audit.entries, ...entries] : entries;
		audit.next = r?.next ?? null;
		audit.chain = r?.chain ?? audit.chain;
	} catch (e) {
		showError($('audit-error'), e);
	}
	renderAudit();
}

function wireAudit() {
	$('audit-sec').hidden = false;
	$('audit-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const s = $('audit-subject');
		if (s.value.trim() !== '' && !/^\d+$/.test(s.value.trim())) {
			showMessage($('audit-error'), t('campaign.audit_need_number'));
			s.setAttribute('aria-invalid', 'true');
			focusOn(s);
			return;
		}
		s.removeAttribute('aria-invalid');
		loadAudit();
	});
	$('audit-clear').addEventListener('click', () => {
		$('audit-actor').value = '';
		$('audit-subject').value = '';
		loadAudit();
	});
	$('audit-older').addEventListener('click', async () => {
		const last = audit.entries.length;
		await loadAudit({ older: true });
		focusOn($('audit').children[last]);
	});
}

/* ---- entering ---- */

async function enterList() {
	$('list-view').hidden = false;
	const r = await get('/api/v1/campaigns');
	campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	renderList();
	$('new-form-box').replaceChildren(campaignForm(null, 'nf'));
}

async function enterCampaign() {
	const r = await get('/api/v1/campaigns');
	campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	campaign = campaigns.find((c) => c.slug === slug) ?? null;
	if (campaign === null) {
		showMessage($('page-error'), t('campaign.no_such', { slug }));
		$('list-view').hidden = false;
		renderList();
		$('new-form-box').replaceChildren(campaignForm(null, 'nf'));
		return;
	}
	$('campaign-view').hidden = false;
	renderFacts();
	$('edit-form-box').replaceChildren(campaignForm(campaign, 'ef'));
	try {
		const l = await get('/api/v1/licences');
		licences = Array.isArray(l?.licences) ? l.licences : [];
	} catch {
		licences = [];
	}
	fillLicences();
	$('prompt-add').addEventListener('submit', onPromptAdd);
	$('prompt-import').addEventListener('submit', onImport);
	$('pi-file').addEventListener('change', renderImportFields);
	$('cards-form').addEventListener('submit', onCards);
	$('status-filter').addEventListener('change', async () => {
		contribs = { items: [], next: null, status: $('status-filter').value };
		open = null;
		try {
			await loadContribs();
		} catch (e) {
			showError($('page-error'), e);
		}
	});
	$('corrections-older').addEventListener('click', async () => {
		const last = corrections.items.length;
		try {
			await loadCorrections({ older: true });
			focusOn($('corrections').children[last]?.querySelector('h3'));
		} catch (e) {
			showError($('page-error'), e);
		}
	});
	$('contribs-older').addEventListener('click', async () => {
		const last = contribs.items.length;
		try {
			await loadContribs({ older: true });
			focusOn($('contribs').children[last]?.querySelector('h3'));
		} catch (e) {
			showError($('page-error'), e);
		}
	});
	await Promise.all([loadStats(), loadPrompts(), loadCorrections(), loadContribs()]);
}

function rerender() {
	if (!$('list-view').hidden)
		renderList();
	if (campaign === null)
		return;
	renderFacts();
	renderStats();
	fillLicences();
	renderPrompts();
	renderCorrections();
	renderContribs();
	renderAudit();
	/* the forms hold typed values: only an untouched one is rebuilt */
	const ef = $('edit-form-box').querySelector('form');
	if (ef && !ef.closest('details').open)
		$('edit-form-box').replaceChildren(campaignForm(campaign, 'ef'));
}

start(async () => {
	const who = await me();
	if (who === null) {
		location.replace(slug ? `join.html?next=campaign&campaign=${enc(slug)}` : 'join.html?next=campaign');
		return;
	}
	if (!MANAGERS.includes(who.account?.role)) {
		$('not-allowed').hidden = false;
		return;
	}
	document.addEventListener('langchange', rerender);
	wireAudit();
	if (slug)
		await enterCampaign();
	else
		await enterList();
	await loadAudit();
});
