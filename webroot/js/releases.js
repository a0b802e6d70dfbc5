/*
** The releases page (issue 14, "Pages"). One page, two views.
**
** Anyone: the approved releases not retired (GET /api/v1/releases), each
** with its licence, item count and date, and its dataset card (GET
** /api/v1/releases/{version}/card, Markdown) opened on demand: the card's
** YAML front matter is shown as it is, folded away in a <details>; the
** rest is drawn with markdown.js (DOM nodes and textContent only).
**
** A maintainer (or an administrator) also gets a form for a new release,
** with a preview of what it would hold and leave out (POST
** /api/v1/releases/preview) before creating it (POST /api/v1/releases),
** and every release (GET /api/v1/releases/all), drafts and retired ones
** too, each with Approve and Verify and its card.
*/
import { t, tn, has, nfc, formatTime, currentLang } from './i18n.js';
import { get, post, me, showError, showMessage, clearError, ApiError, appendDetails } from './api.js';
import { renderMarkdown } from './markdown.js';
import { $, el, start, focusOn } from './page.js';

const MANAGERS = ['maintainer', 'admin'];
/* The reasons release.c names for leaving an item out, in its order. */
const REASONS = ['not_validated', 'withdrawn', 'scope_missing', 'age', 'awaiting_correction', 'k_anonymity', 'prompt_licence'];
const SPLITS = ['train', 'dev', 'test'];

let maintainer = false;
let licences = []; /* [{id, name}] of GET /api/v1/licences */
let campaigns = []; /* GET /api/v1/campaigns */
let published = []; /* GET /api/v1/releases */
let every = []; /* GET /api/v1/releases/all */
let report = null; /* {kind: 'preview'|'created', version, report} on screen */
const cards = new Map(); /* version → the card's Markdown, once fetched */
const opened = new Set(); /* "list:version" of the cards open on screen */
const notes = new Map(); /* version → {key, vars, bad}: an action's outcome */

function enc(s) {
	return encodeURIComponent(String(s));
}

function number(n) {
	try {
		return new Intl.NumberFormat(currentLang()).format(n);
	} catch {
		return String(n);
	}
}

/* The text for ${key}, or ${fallback} when the catalogs have none. */
function tOr(key, fallback) {
	return has(key) ? t(key) : fallback;
}

function licenceName(id) {
	const l = licences.find((x) => x.id === id);
	return l && l.name ? `${l.name} (${id})` : String(id ?? '');
}

function reasonName(r) {
	return tOr(`releases.left_${r}`, String(r));
}

/*
** Fetches ${path} as text (a card is text/markdown, not JSON). Resolves
** with the text; an error answer is thrown as an ApiError, as api.js does.
*/
async function getText(path) {
	let res;
	try {
		res = await fetch(path, {
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { Accept: 'text/markdown, text/plain, application/json' },
		});
	} catch {
		throw new ApiError(0, 'network', t('error.network'), null, null);
	}
	const text = await res.text();
	if (res.ok)
		return text;
	let data = null;
	try {
		data = JSON.parse(text);
	} catch {
		data = null;
	}
	const e = data && typeof data.error === 'object' ? data.error : {};
	throw new ApiError(res.status, typeof e.code === 'string' ? e.code : `http_${res.status}`,
	    typeof e.message === 'string' ? e.message : '', data, res.headers);
}

/*
** Shows ${err} in ${box} in plain words from its code: the page's own
** sentence for that code in context ${ctx} (releases.err_CTX_CODE), else
** for the code (releases.err_CODE, then error.CODE); the server's words
** follow as a detail. An error with no sentence of ours is shown as
** api.js shows it.
*/
function showCodeError(box, err, ctx) {
	const code = err instanceof ApiError ? err.code : null;
	let text = null;
	if (code !== null)
		for (const k of [`releases.err_${ctx}_${code}`, `releases.err_${code}`, `error.${code}`]) {
			if (has(k)) {
				text = t(k);
				break;
			}
		}
	if (text === null || code === 'network') {
		showError(box, err);
		return;
	}
	box.replaceChildren(el('p', { text }));
	appendDetails(box, err);
}

/* ---- the dataset card ---- */

/*
** ${src} split into its YAML front matter (the lines between a first
** line "---" and the next "---", without them; '' if there is none) and
** the Markdown after it.
*/
export function splitCard(src) {
	const lines = String(src ?? '').replace(/\r\n?/g, '\n').split('\n');
	if (lines[0].trim() !== '---')
		return { yaml: '', body: lines.join('\n') };
	const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
	if (end === -1)
		return { yaml: '', body: lines.join('\n') };
	return { yaml: lines.slice(1, end).join('\n'), body: lines.slice(end + 1).join('\n') };
}

/* The card ${src} drawn into ${box}; ids prefixed ${prefix}. */
function fillCard(box, src, prefix) {
	const { yaml, body } = splitCard(src);
	box.replaceChildren();
	if (yaml !== '')
		box.append(el('details', { class: 'card-yaml' },
		    el('summary', { text: t('releases.card_yaml') }),
		    el('div', { class: 'details-body' }, el('pre', { class: 'preview-text', text: yaml }))));
	const doc = el('div', { class: 'doc-body card-doc' });
	doc.append(renderMarkdown(body, { headingOffset: 3, idPrefix: prefix }));
	box.append(doc);
}

/*
** A folded "Dataset card" for release ${r} in list ${list}: its Markdown
** is fetched the first time it is opened (a card can be long and the
** connection weak), then kept.
*/
function cardDetails(r, list) {
	const key = `${list}:${r.version}`;
	const body = el('div', { class: 'details-body card-box' });
	const d = el('details', { class: 'card-details release-card', 'data-card': r.version },
	    el('summary', { text: t('releases.card') }), body);
	const load = async () => {
		if (cards.has(r.version)) {
			fillCard(body, cards.get(r.version), `${list}-${r.version}-`);
			return;
		}
		body.replaceChildren(el('p', { class: 'muted', role: 'status', text: t('common.loading') }));
		try {
			const src = await getText(`/api/v1/releases/${enc(r.version)}/card`);
			cards.set(r.version, src);
			fillCard(body, src, `${list}-${r.version}-`);
		} catch (e) {
			const box = el('div', { class: 'alert', role: 'alert' });
			body.replaceChildren(box);
			showCodeError(box, e, 'card');
		}
	};
	d.addEventListener('toggle', () => {
		if (d.open) {
			opened.add(key);
			if (body.dataset.loaded !== 'true') {
				body.dataset.loaded = 'true';
				load();
			}
		} else
			opened.delete(key);
	});
	if (opened.has(key))
		d.open = true; /* the toggle event loads it */
	return d;
}

/* Bytes as people read them: "1.2 MB". */
function size(n) {
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let v = Number(n) || 0;
	let u = 0;
	while (v >= 1000 && u < units.length - 1) {
		v /= 1000;
		u++;
	}
	return `${new Intl.NumberFormat(currentLang(), { maximumFractionDigits: u ? 1 : 0 }).format(v)} ${units[u]}`;
}

/*
** The files of published release ${r} (through the node's Hub read API,
** as any Hub client sees them) and the lines that load it, folded.
*/
function filesDetails(r) {
	const body = el('div', { class: 'details-body' });
	const d = el('details', { class: 'card-details release-files', 'data-files': r.version },
	    el('summary', { text: t('releases.files') }), body);
	const origin = window.location.origin;
	const load = async () => {
		body.replaceChildren(el('p', { class: 'muted', role: 'status', text: t('common.loading') }));
		try {
			const tree = await get(`/api/datasets/${r.repo.split('/').map(enc).join('/')}/tree/${enc(r.version)}?recursive=true`);
			const files = (Array.isArray(tree) ? tree : []).filter((f) => f.type === 'file');
			const configs = [...new Set(files.map((f) => f.path.split('/'))
			    .filter((p) => p[0] === 'data' && p.length > 2).map((p) => p[1]))];
			const config = configs[0] ?? '';
			const py = `export HF_ENDPOINT=${origin}\npython -c 'from datasets import load_dataset; ` +
			    `ds = load_dataset("${r.repo}"${config ? `, "${config}"` : ''}, revision="${r.version}")'`;
			const js = `await snapshotDownload({ repo: { type: "dataset", name: "${r.repo}" }, ` +
			    `revision: "${r.version}", hubUrl: "${origin}" }) // @huggingface/hub`;
			body.replaceChildren(
			    el('ul', { class: 'file-list' }, ...files.map((f) => el('li', { 'data-path': f.path },
				el('code', { text: f.path }), ` ${size(f.size)}`))),
			    el('p', { text: t('releases.load_python') }),
			    el('pre', { class: 'load-cmd', 'data-lang': 'python', text: py }),
			    el('p', { text: t('releases.load_js') }),
			    el('pre', { class: 'load-cmd', 'data-lang': 'js', text: js }));
		} catch (e) {
			const box = el('div', { class: 'alert', role: 'alert' });
			body.replaceChildren(box);
			showCodeError(box, e, 'card');
		}
	};
	d.addEventListener('toggle', () => {
		if (d.open && body.dataset.loaded !== 'true') {
			body.dataset.loaded = 'true';
			load();
		}
	});
	return d;
}

/* ---- a release ---- */

function stateBadge(r) {
	if (r.retired_at !== null && r.retired_at !== undefined)
		return el('span', { class: 'badge withdrawn', 'data-state': 'retired', text: t('releases.state_retired') });
	const approved = r.state === 'approved';
	return el('span', { class: `badge ${approved ? 'validated' : 'pending'}`, 'data-state': r.state,
	    text: tOr(`releases.state_${r.state}`, String(r.state ?? '')) });
}

function fact(dl, label, value, attr) {
	dl.append(el('dt', { text: label }), el('dd', attr ?? {}, value));
}

/*
** Release ${r} as an item of list ${list} ('public' or 'all'); the 'all'
** list adds the approvals, the retirement, and the Approve and Verify
** buttons with the outcome of the last action on it.
*/
function releaseItem(r, list) {
	const all = list === 'all';
	const dl = el('dl', { class: 'facts' });
	fact(dl, t('releases.licence'), licenceName(r.licence), { 'data-fact': 'licence' });
	fact(dl, t('releases.items'), tn('releases.items_n', Number(r.items) || 0), { 'data-fact': 'items' });
	fact(dl, t('releases.created'), formatTime(r.created_at), { 'data-fact': 'created' });
	if (all) {
		fact(dl, t('releases.approvals'), number(Number(r.approvals) || 0), { 'data-fact': 'approvals' });
		if (r.retired_at !== null && r.retired_at !== undefined) {
			fact(dl, t('releases.retired_at'), formatTime(r.retired_at), { 'data-fact': 'retired_at' });
			fact(dl, t('releases.retired_why'), String(r.retired_why ?? ''), { 'data-fact': 'retired_why' });
		}
	}
	/* Where it was published: a link to the published revision. */
	for (const p of Array.isArray(r.published) ? r.published : []) {
		if (p.unpublished_at !== null && p.unpublished_at !== undefined)
			continue;
		const href = `${p.endpoint}/datasets/${p.repo}/tree/${p.commit}`;
		fact(dl, t('releases.published'),
		    el('a', { href, rel: 'noopener', text: `${p.repo} @ ${String(p.commit).slice(0, 8)}` }),
		    { 'data-fact': 'published' });
	}
	const hid = `${list}-rel-${r.version.replace(/[^A-Za-z0-9_-]/g, '_')}`;
	const li = el('li', { class: 'card release', 'data-release': r.version },
	    el('div', { class: 'consent-head' },
		el('h3', { id: hid, text: t('releases.name', { dataset: r.dataset, version: r.version }) }),
		stateBadge(r)),
	    dl);
	if (all) {
		const ok = el('div', { class: 'success', role: 'status', 'data-outcome': 'ok' });
		const bad = el('div', { class: 'alert', role: 'alert', 'data-outcome': 'bad' });
		const buttons = el('div', { class: 'buttons' });
		if (r.state !== 'approved' && (r.retired_at === null || r.retired_at === undefined)) {
			const a = el('button', { type: 'button', 'data-action': 'approve', text: t('releases.approve') });
			a.addEventListener('click', () => onApprove(r, a));
			buttons.append(a);
		}
		const v = el('button', { type: 'button', class: 'secondary', 'data-action': 'verify', text: t('releases.verify') });
		v.addEventListener('click', () => onVerify(r, v));
		buttons.append(v);
		li.append(buttons, ok, bad);
	}
	li.append(cardDetails(r, list));
	if (!all && typeof r.repo === 'string')
		li.append(filesDetails(r));
	return li;
}

/* The outcome kept for ${version}, into its item's regions in ${root}. */
function showNote(root, version) {
	const n = notes.get(version);
	const li = [...root.children].find((x) => x.dataset.release === version);
	if (!n || !li)
		return;
	const ok = li.querySelector('[data-outcome="ok"]');
	const bad = li.querySelector('[data-outcome="bad"]');
	clearError(ok);
	clearError(bad);
	if (n.err)
		showCodeError(bad, n.err, n.ctx);
	else
		showMessage(n.bad ? bad : ok, t(n.key, n.vars));
}

function renderPublic() {
	$('public-none').hidden = published.length > 0;
	$('public-list').replaceChildren(...published.map((r) => releaseItem(r, 'public')));
}

function renderAll() {
	if (!maintainer)
		return;
	$('all-none').hidden = every.length > 0;
	$('all-list').replaceChildren(...every.map((r) => releaseItem(r, 'all')));
	for (const v of notes.keys())
		showNote($('all-list'), v);
}

async function loadPublic() {
	const r = await get('/api/v1/releases');
	published = Array.isArray(r?.releases) ? r.releases : [];
	renderPublic();
}

async function loadAll() {
	const r = await get('/api/v1/releases/all');
	every = Array.isArray(r?.releases) ? r.releases : [];
	renderAll();
}

/* ---- Approve and Verify ---- */

async function onApprove(r, button) {
	button.disabled = true;
	notes.delete(r.version);
	try {
		const a = await post(`/api/v1/releases/${enc(r.version)}/approve`);
		notes.set(r.version, {
			key: a.state === 'approved' ? 'releases.approved' : 'releases.approved_part',
			vars: { approvals: number(a.approvals), needed: number(a.needed) },
		});
	} catch (e) {
		notes.set(r.version, { err: e, ctx: 'approve' });
	}
	try {
		await Promise.all([loadAll(), loadPublic()]);
	} catch (e) {
		showError($('page-error'), e);
	}
	const li = [...$('all-list').children].find((x) => x.dataset.release === r.version);
	focusOn(li?.querySelector('[data-action="verify"]') ?? li);
}

async function onVerify(r, button) {
	button.disabled = true;
	notes.delete(r.version);
	try {
		const v = await post(`/api/v1/releases/${enc(r.version)}/verify`);
		if (v.valid)
			notes.set(r.version, { key: 'releases.verify_ok', vars: {} });
		else if (v.first_bad === 'manifest.sig')
			notes.set(r.version, { key: 'releases.verify_sig', vars: {}, bad: true });
		else
			notes.set(r.version, { key: 'releases.verify_bad', vars: { file: v.first_bad || '?' }, bad: true });
	} catch (e) {
		notes.set(r.version, { err: e, ctx: 'verify' });
	}
	button.disabled = false;
	showNote($('all-list'), r.version);
}

/* ---- the new release ---- */

/* The licence table releases are cut under: [{id, text, audio, permits}]. */
let releaseLicences = [];

function fillLicences() {
	const s = $('nr-licence');
	const was = s.value;
	const named = (id) => {
		const l = licences.find((x) => x.id === id);
		return l?.name ? `${l.name} (${id})` : id;
	};
	s.replaceChildren(el('option', { value: '', text: t('releases.licence_choose') }),
	    ...releaseLicences.map((l) => el('option', { value: l.id, text: named(l.id) })));
	s.value = releaseLicences.some((l) => l.id === was) ? was : '';
	fillPermits();
}

/* Only the uses the chosen licence may permit can be ticked. */
function fillPermits() {
	const l = releaseLicences.find((x) => x.id === $('nr-licence').value);
	for (const input of document.querySelectorAll('#nr-permits input')) {
		const ok = l !== undefined && l.permits.includes(input.value);
		input.disabled = !ok;
		if (!ok)
			input.checked = false;
	}
}

function fillCampaigns() {
	const box = $('nr-campaign-list');
	const was = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
	box.replaceChildren(...campaigns.map((c) => {
		const input = el('input', { type: 'checkbox', id: `nr-campaign-${c.slug}`, name: 'campaign', value: c.slug });
		input.checked = was.has(c.slug);
		return el('div', { class: 'check' }, input, el('label', { for: input.id },
		    el('span', { class: 'name', text: c.title || c.slug }),
		    el('span', { class: 'id', text: `${c.slug} · ${c.language ?? ''}` })));
	}));
	$('nr-no-campaigns').hidden = campaigns.length > 0;
}

function invalid(id, on) {
	if (on)
		$(id).setAttribute('aria-invalid', 'true');
	else
		$(id).removeAttribute('aria-invalid');
}

/*
** The request the form describes, or null after showing in #new-error
** what to fix (and focusing that field).
*/
function readForm() {
	const err = $('new-error');
	clearError(err);
	for (const id of ['nr-version', 'nr-dataset', 'nr-licence', 'nr-k', ...SPLITS.map((s) => `nr-${s}`)])
		invalid(id, false);
	const fail = (id, key) => {
		showMessage(err, t(key));
		invalid(id, true);
		focusOn($(id));
		return null;
	};
	const body = {
		version: nfc($('nr-version').value).trim(),
		dataset: nfc($('nr-dataset').value).trim(),
		licence: $('nr-licence').value,
	};
	if (body.version === '')
		return fail('nr-version', 'releases.need_version');
	if (body.dataset === '')
		return fail('nr-dataset', 'releases.need_dataset');
	if (body.licence === '')
		return fail('nr-licence', 'releases.need_licence');
	body.permits = [...document.querySelectorAll('#nr-permits input:checked')].map((i) => i.value);
	const slugs = [...document.querySelectorAll('#nr-campaign-list input:checked')].map((i) => i.value);
	if (slugs.length > 0)
		body.campaigns = slugs;
	const splits = [];
	for (const s of SPLITS) {
		const v = $(`nr-${s}`).value.trim();
		const n = Number(v);
		if (v === '' || !Number.isInteger(n) || n < 0 || n > 100)
			return fail(`nr-${s}`, 'releases.need_splits');
		splits.push(n);
	}
	if (splits[0] + splits[1] + splits[2] !== 100)
		return fail('nr-train', 'releases.need_splits');
	body.splits = splits;
	const k = $('nr-k').value.trim();
	if (k !== '') {
		const n = Number(k);
		if (!Number.isInteger(n) || n < 5 || n > 1000)
			return fail('nr-k', 'releases.need_k');
		body.k = n;
	}
	return body;
}

/* The report ${rep} ({rows, configs, left}) as a table and a list. */
function reportNodes(rep) {
	const configs = rep && typeof rep.configs === 'object' && rep.configs !== null ? rep.configs : {};
	const left = rep && typeof rep.left === 'object' && rep.left !== null ? rep.left : {};
	const out = [el('p', { class: 'lead', 'data-rows': String(Number(rep?.rows) || 0),
	    text: tn('releases.rows_n', Number(rep?.rows) || 0) })];
	const names = Object.keys(configs).sort();
	if (names.length > 0) {
		const splits = [...SPLITS];
		for (const c of names)
			for (const s of Object.keys(configs[c] ?? {}))
				if (!splits.includes(s))
					splits.push(s);
		const head = el('tr', {}, el('th', { scope: 'col', text: t('releases.config') }),
		    ...splits.map((s) => el('th', { scope: 'col', text: tOr(`releases.split_${s}`, s) })),
		    el('th', { scope: 'col', text: t('releases.total') }));
		const rows = names.map((c) => {
			const per = configs[c] ?? {};
			const total = splits.reduce((a, s) => a + (Number(per[s]) || 0), 0);
			return el('tr', { 'data-config': c }, el('th', { scope: 'row', text: c }),
			    ...splits.map((s) => el('td', { 'data-split': s, 'data-value': String(Number(per[s]) || 0),
				text: number(Number(per[s]) || 0) })),
			    el('td', { 'data-split': 'total', 'data-value': String(total), text: number(total) }));
		});
		out.push(el('div', { class: 'table-wrap' },
		    el('table', { class: 'days report-table' },
			el('caption', { class: 'hint', text: t('releases.configs_caption') }),
			el('thead', {}, head), el('tbody', {}, ...rows))));
	}
	const keys = [...REASONS.filter((r) => r in left), ...Object.keys(left).filter((r) => !REASONS.includes(r)).sort()];
	out.push(el('h4', { id: 'left-h', text: t('releases.left_title') }));
	const ul = el('ul', { class: 'left-list', 'aria-labelledby': 'left-h' });
	for (const k of keys)
		ul.append(el('li', { 'data-reason': k, 'data-count': String(Number(left[k]) || 0) },
		    `${reasonName(k)}: `, el('strong', { text: number(Number(left[k]) || 0) })));
	if (keys.length === 0)
		ul.append(el('li', { text: t('releases.left_none') }));
	out.push(ul);
	return out;
}

function renderReport() {
	const box = $('report-box');
	box.hidden = report === null;
	if (report === null)
		return;
	$('report-h').textContent = t(report.kind === 'created' ? 'releases.report_created' : 'releases.report_preview',
	    { version: report.version });
	$('report-box').dataset.kind = report.kind;
	$('report').replaceChildren(...reportNodes(report.report));
}

let busy = false;

async function onPreview(ev) {
	ev.preventDefault();
	if (busy)
		return;
	const body = readForm();
	if (body === null)
		return;
	busy = true;
	clearError($('new-status'));
	try {
		const r = await post('/api/v1/releases/preview', body);
		report = { kind: 'preview', version: body.version, report: r.report };
		renderReport();
		showMessage($('new-status'), tn('releases.preview_done', Number(r.report?.rows) || 0));
		focusOn($('report-h'));
	} catch (e) {
		showCodeError($('new-error'), e, 'preview');
	} finally {
		busy = false;
	}
}

async function onCreate(ev) {
	ev.preventDefault();
	if (busy)
		return;
	const body = readForm();
	if (body === null)
		return;
	busy = true;
	$('create').disabled = true;
	clearError($('new-status'));
	showMessage($('new-status'), t('releases.creating'));
	try {
		const r = await post('/api/v1/releases', body);
		const rel = r.release ?? {};
		report = { kind: 'created', version: rel.version ?? body.version, report: rel.report };
		renderReport();
		showMessage($('new-status'), t('releases.created_ok', { version: report.version }));
		await loadAll();
		focusOn($('report-h'));
	} catch (e) {
		clearError($('new-status'));
		showCodeError($('new-error'), e, 'create');
		if (e instanceof ApiError && e.code === 'conflict') {
			invalid('nr-version', true);
			focusOn($('nr-version'));
		}
	} finally {
		busy = false;
		$('create').disabled = false;
	}
}

async function enterMaintainer() {
	$('maint-view').hidden = false;
	const [c, rl] = await Promise.all([get('/api/v1/campaigns'), get('/api/v1/releases/licences'), loadAll()]);
	campaigns = Array.isArray(c?.campaigns) ? c.campaigns : [];
	releaseLicences = Array.isArray(rl?.licences) ? rl.licences : [];
	$('nr-licence').addEventListener('change', fillPermits);
	fillLicences();
	fillCampaigns();
	/* Enter in a field previews: only the Create button creates. */
	$('new-form').addEventListener('submit', (ev) => (ev.submitter?.id === 'create' ? onCreate(ev) : onPreview(ev)));
}

function rerender() {
	renderPublic();
	if (maintainer) {
		fillLicences();
		fillCampaigns();
		renderAll();
		renderReport();
	}
}

start(async () => {
	/* the public list does not depend on who is logged in */
	const who = await me().catch(() => null);
	maintainer = MANAGERS.includes(who?.account?.role);
	try {
		const l = await get('/api/v1/licences');
		licences = Array.isArray(l?.licences) ? l.licences : [];
	} catch {
		licences = [];
	}
	document.addEventListener('langchange', rerender);
	await loadPublic();
	if (maintainer)
		await enterMaintainer();
});
