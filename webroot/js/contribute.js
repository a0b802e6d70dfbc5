/*
** Contribute text to a campaign: write, preview what the server's
** redaction keeps (POST /api/v1/redact), then send (POST
** /api/v1/contributions). The draft and its Idempotency-Key live in
** localStorage until the server confirms it, so a retry after a dropped
** connection (or a reload) sends the same key and never makes a duplicate.
*/
import { t, nfc, languageName } from './i18n.js';
import { get, post, postWith, me, showError, showMessage, clearError, ApiError } from './api.js';
import { removedSummary, fillRedacted } from './redaction.js';
import { $, el, start, focusOn } from './page.js';

const params = new URLSearchParams(location.search);
let account = null;
let campaign = null;
let prompts = [];
let promptAt = 0;
let draft = null; /* {text, key} */
let preview = null; /* {text, report, of}: the redaction of text ${of} */

/* ---- the draft, kept on this device per account and campaign ---- */

function draftKey() {
	return `tributary.draft.${account.id}.${campaign.slug}`;
}

function loadDraft() {
	try {
		const d = JSON.parse(localStorage.getItem(draftKey()) ?? 'null');
		if (d && typeof d.text === 'string')
			return { text: d.text, key: typeof d.key === 'string' ? d.key : null };
	} catch {
		/* storage off or spoiled: start afresh */
	}
	return { text: '', key: null };
}

function saveDraft() {
	try {
		if (draft.text === '' && draft.key === null)
			localStorage.removeItem(draftKey());
		else
			localStorage.setItem(draftKey(), JSON.stringify(draft));
	} catch {
		/* storage off: the draft lives as long as the page */
	}
}

/* A random UUID; crypto.randomUUID needs a secure origin, which a drive's
   plain-HTTP LAN address is not, so build one from getRandomValues then. */
function uuid() {
	if (typeof crypto.randomUUID === 'function')
		return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/* ---- writing ---- */

function maxChars() {
	const n = Number(campaign?.max_chars);
	return Number.isFinite(n) && n > 0 ? n : 2000;
}

/* Characters as the server counts them: code points of the NFC text. */
function length(s) {
	return [...nfc(s)].length;
}

function renderCounter() {
	const n = length($('text').value);
	const max = maxChars();
	const c = $('counter');
	c.textContent = n > max
	    ? t('contribute.counter_over', { n, max, over: n - max })
	    : t('contribute.counter', { n, max });
	c.classList.toggle('over', n > max);
	if (n > max)
		$('text').setAttribute('aria-invalid', 'true');
	else
		$('text').removeAttribute('aria-invalid');
}

function currentPrompt() {
	return prompts.length > 0 ? prompts[promptAt % prompts.length] : null;
}

function renderPrompt() {
	const p = currentPrompt();
	$('prompt-box').hidden = p === null;
	if (p !== null)
		$('prompt-text').textContent = p.text;
	$('prompt-next').hidden = prompts.length < 2;
}

function renderCampaign() {
	if (campaign === null)
		return;
	const line = $('campaign-line');
	line.textContent = t('contribute.for_campaign', {
		title: campaign.title ?? campaign.slug,
		language: languageName(campaign.language),
	});
	line.hidden = false;
	document.title = `${campaign.title ?? campaign.slug} — ${t('contribute.page_title')}`;
}

function show(view) {
	for (const id of ['write-view', 'preview-view', 'done'])
		$(id).hidden = id !== view;
}

function onInput() {
	draft.text = $('text').value;
	saveDraft();
	renderCounter();
	clearError($('write-error'));
}

async function onPreview(ev) {
	ev.preventDefault();
	const box = $('write-error');
	const button = $('preview-button');
	clearError(box);
	const text = nfc($('text').value);
	if (text.trim() === '') {
		showMessage(box, t('contribute.empty'));
		focusOn($('text'));
		return;
	}
	if (length(text) > maxChars()) {
		showMessage(box, t('contribute.too_long', { max: maxChars(), over: length(text) - maxChars() }));
		focusOn($('text'));
		return;
	}
	button.disabled = true;
	try {
		const r = await post('/api/v1/redact', { text });
		preview = { text: String(r?.text ?? ''), report: r?.report ?? {}, of: text };
		renderPreview();
		clearError($('send-error'));
		show('preview-view');
		focusOn($('preview-h'));
	} catch (e) {
		showSendError(box, e);
	} finally {
		button.disabled = false;
	}
}

function renderPreview() {
	if (preview === null)
		return;
	const box = $('preview-text');
	box.lang = campaign?.language || '';
	fillRedacted(box, preview.text);
	$('removed-text').textContent = removedSummary(preview.report);
}

/* An error of the redact or send answer, in words and with what to do. */
function showSendError(box, e) {
	if (!(e instanceof ApiError)) {
		showError(box, e);
		return;
	}
	if (e.code === 'consent_required') {
		showMessage(box, t('contribute.consent_required'));
		const href = `consent.html?campaign=${encodeURIComponent(campaign.slug)}`;
		box.append(el('p', {}, el('a', { href, text: t('contribute.read_consent') })));
		return;
	}
	if (e.status === 413 || e.code === 'too_large') {
		showMessage(box, t('contribute.too_large', { max: maxChars() }));
		if (e.message)
			box.append(el('p', { class: 'detail', text: e.message }));
		return;
	}
	if (e.code === 'empty') {
		showMessage(box, t('contribute.empty'));
		return;
	}
	showError(box, e);
}

async function onSend() {
	const box = $('send-error');
	const send = $('send');
	const edit = $('edit');
	clearError(box);
	if (preview === null)
		return;
	/* The key belongs to this draft until the server has it. */
	if (draft.key === null) {
		draft.key = uuid();
		saveDraft();
	}
	const body = { campaign: campaign.slug, text: preview.of };
	const p = currentPrompt();
	if (p !== null)
		body.prompt = p.id;
	send.disabled = edit.disabled = true;
	try {
		await postWith('/api/v1/contributions', body, { 'Idempotency-Key': draft.key });
		draft = { text: '', key: null };
		saveDraft();
		preview = null;
		$('text').value = '';
		renderCounter();
		$('draft-kept').hidden = true;
		show('done');
		focusOn($('done'));
		window.scrollTo(0, 0);
	} catch (e) {
		if (e instanceof ApiError && e.status === 409) {
			/* This key already saved an earlier, different text: that one
			   is kept (see My contributions); this text gets a new key. */
			draft.key = null;
			saveDraft();
			showMessage(box, t('contribute.key_used'));
			box.append(el('p', {}, el('a', { href: 'contributions.html', text: t('nav.contributions') })));
		} else
			showSendError(box, e);
		/* any other failure keeps the key: sending again is safe */
	} finally {
		send.disabled = edit.disabled = false;
	}
}

function onEdit() {
	show('write-view');
	focusOn($('text'));
}

function onAnother() {
	clearError($('write-error'));
	if (prompts.length > 1)
		promptAt++;
	renderPrompt();
	show('write-view');
	focusOn($('text'));
}

function normalizePrompts(list) {
	if (!Array.isArray(list))
		return [];
	return list.map((p) => (typeof p === 'string' ? { id: p, text: p }
	    : p && typeof p.text === 'string' ? { id: p.id ?? p.text, text: p.text } : null))
	    .filter((p) => p !== null && p.text !== '');
}

start(async () => {
	const who = await me();
	const q = params.get('campaign');
	if (who === null) {
		location.replace(q ? `join.html?next=contribute&campaign=${encodeURIComponent(q)}`
		    : 'join.html?next=contribute');
		return;
	}
	account = who.account ?? {};
	const r = await get('/api/v1/campaigns');
	const campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	campaign = q ? campaigns.find((c) => c.slug === q) ?? null
	    : campaigns.find((c) => c.kind === 'text') ?? null;
	if (campaign === null) {
		showMessage($('page-error'), t(q ? 'consent.no_campaign' : 'contribute.no_text_campaign'));
		return;
	}
	renderCampaign();
	document.addEventListener('langchange', () => {
		renderCampaign();
		renderCounter();
		renderPreview();
	});
	if (campaign.kind !== 'text') {
		showMessage($('page-error'), t('contribute.audio_later'));
		return;
	}

	/* Without a live consent for this drive the server refuses: say so first. */
	let consented = true;
	try {
		const c = await get('/api/v1/me/consents');
		consented = (c?.consents ?? []).some((x) => x.campaign === campaign.slug &&
		    (x.withdrawn_at === null || x.withdrawn_at === undefined));
	} catch {
		consented = true; /* cannot tell: the server will say */
	}
	if (!consented) {
		$('consent-link').href = `consent.html?campaign=${encodeURIComponent(campaign.slug)}`;
		$('no-consent').hidden = false;
		return;
	}

	prompts = normalizePrompts(campaign.prompts);
	promptAt = prompts.length > 0 ? Math.floor(Math.random() * prompts.length) : 0;
	renderPrompt();
	draft = loadDraft();
	$('text').value = draft.text;
	$('draft-kept').hidden = draft.text === '';
	$('text').lang = campaign.language || '';
	renderCounter();
	$('text').addEventListener('input', onInput);
	$('write-form').addEventListener('submit', onPreview);
	$('send').addEventListener('click', onSend);
	$('edit').addEventListener('click', onEdit);
	$('another').addEventListener('click', onAnother);
	$('prompt-next').addEventListener('click', () => {
		promptAt++;
		renderPrompt();
	});
	$('preview-button').disabled = false;
	show('write-view');
});
