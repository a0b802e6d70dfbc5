/*
** Contribute to a campaign.
**
** Text: write, preview what the server's redaction keeps (POST
** /api/v1/redact), then send (POST /api/v1/contributions). The draft and
** its Idempotency-Key live in localStorage, under the account and the
** drive, until the server confirms it, so a retry after a dropped
** connection (or a reload) sends the same key and never makes a
** duplicate. Without a connection the draft is marked queued: it is sent
** (same key) when the connection returns, and the page then shows what
** was saved, redacted; once sent it is gone from the phone.
**
** Audio: record (recorder.js), listen, then send: the WAV goes into the
** outbox on this phone (queue.js, IndexedDB) with its key and account, and
** is sent from there at once or when the connection returns. The page
** itself opens without a network (the Service Worker keeps it; the last
** answers of /me and /campaigns are kept here), so a person at a drive
** with no signal can still record.
*/
import { t, tn, nfc, languageName, formatTime } from './i18n.js';
import { get, getHanded, post, postWith, me, showError, showMessage, clearError, ApiError, uuid, appendDetails } from './api.js';
import { removedSummary, fillRedacted } from './redaction.js';
import { $, el, start, focusOn, fillText, pickDrive, rememberDrive, driveTitle, driveChoice, driveWords, consentHref,
    setDriveDescription } from './page.js';
import { recordingProblem, mountRecorder, wavBytes, secondsText, sizeText } from './recorder.js';
import { Outbox } from './queue.js';
import { rateText } from './pay.js';
import { registerServiceWorker } from './sw-register.js';

const params = new URLSearchParams(location.search);
let account = null;
let campaign = null;
let prompts = [];
let promptAt = 0;
let sentPrompt = null; /* the prompt of the text just sent */
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
			return {
				text: d.text,
				key: typeof d.key === 'string' ? d.key : null,
				queued: d.queued === true && typeof d.key === 'string',
				prompt: d.prompt && typeof d.prompt.text === 'string' ? d.prompt : null,
			};
	} catch {
		/* storage off or spoiled: start afresh */
	}
	return { text: '', key: null };
}

function saveDraft() {
	try {
		if (draft.text === '' && draft.key === null && !draft.queued)
			localStorage.removeItem(draftKey());
		else
			localStorage.setItem(draftKey(), JSON.stringify(draft));
	} catch {
		/* storage off: the draft lives as long as the page */
	}
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

/*
** The prompt the node offers next: the one this person has not done with
** the fewest contributions so far, so that every prompt is covered evenly.
** A prompt they have done is dropped from the list; offline, the list
** stays as it is and the page goes on to the next one in it.
*/
async function fetchNextPrompt() {
	if (prompts.length === 0)
		return;
	try {
		/* the first one was asked for as the page started */
		const early = firstPrompt !== null && firstPrompt.slug === campaign.slug ? firstPrompt.answer : null;
		firstPrompt = null;
		const r = await (early ?? get(`/api/v1/campaigns/${encodeURIComponent(campaign.slug)}/prompt`));
		if (r === null) { /* 204: every prompt done */
			prompts = [];
			return;
		}
		const i = prompts.findIndex((p) => p.id === r.prompt.id);
		if (i >= 0)
			promptAt = i;
		else {
			prompts.push({ id: r.prompt.id, text: r.prompt.text });
			promptAt = prompts.length - 1;
		}
	} catch {
		/* offline or busy: keep the local order */
	}
}

/* Forgets a prompt this person has done (sent, or queued to send). */
function dropPrompt(p) {
	if (p === null)
		return;
	const i = prompts.indexOf(p);
	if (i >= 0) {
		prompts.splice(i, 1);
		if (promptAt >= i && promptAt > 0)
			promptAt--;
	}
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
	fillText(line, 'contribute.for_campaign', {
		title: driveTitle(campaign),
		language: languageName(campaign.language),
	});
	line.hidden = false;
	/* A drive that pays states its rate before anything is given. */
	const rate = rateText(campaign.pay);
	$('pay-line').textContent = rate ?? '';
	$('pay-line').hidden = rate === null;
	/* A drive that keeps people's names says so (its consent does too). */
	let names = $('names-line');
	if (names === null) {
		names = document.createElement('p');
		names.id = 'names-line';
		names.dataset.i18n = 'contribute.names_kept';
		$('pay-line').after(names);
	}
	names.textContent = t('contribute.names_kept');
	names.hidden = campaign.redact?.names !== false;
	setDriveDescription($('campaign-desc'), campaign);
	document.title = `${driveWords(campaign).title} — ${t('contribute.page_title')}`;
}

function show(view) {
	for (const id of ['write-view', 'preview-view', 'done', 'waiting'])
		$(id).hidden = id !== view;
	if (view !== 'done')
		$('done-preview').hidden = true;
}

/* ---- text written without a connection: kept, sent when it returns ---- */

let queueTimer = null;
let queueTries = 0;
let queueSending = false;

/* The body of a contribution of ${text} on prompt ${p}. */
function contributionBody(text, p) {
	const body = { campaign: campaign.slug, text };
	if (p !== null && typeof p.id === 'number')
		body.prompt_id = p.id;
	else if (p !== null)
		body.prompt = p.text;
	return body;
}

/* Keeps the draft on this phone to be sent when the connection returns. */
function queueDraft() {
	draft.text = nfc($('text').value);
	if (draft.key === null)
		draft.key = uuid();
	draft.queued = true;
	const p = currentPrompt();
	draft.prompt = p === null ? null : { id: p.id, text: p.text };
	saveDraft();
	showWaiting();
	retryQueued(true);
}

function showWaiting() {
	const box = $('waiting-text');
	box.lang = campaign?.language || '';
	box.textContent = draft.text;
	show('waiting');
	focusOn($('waiting-h'));
}

/* Tries the queued draft again after a wait that grows (or at once). */
function retryQueued(now = false) {
	clearTimeout(queueTimer);
	if (!draft?.queued)
		return;
	const wait = now ? 0 : Math.min(60000, 3000 * 2 ** Math.min(queueTries, 5));
	queueTimer = setTimeout(sendQueued, wait);
}

/*
** Sends the queued draft under its own key: at most one contribution
** whatever happens (the server answers a repeat with the first result).
*/
async function sendQueued() {
	if (!draft?.queued || queueSending)
		return;
	queueSending = true;
	const box = $('waiting-error');
	try {
		const r = await postWith('/api/v1/contributions', contributionBody(draft.text, draft.prompt),
		    { 'Idempotency-Key': draft.key });
		const c = r?.contribution ?? {};
		if (draft.prompt !== null)
			dropPrompt(prompts.find((x) => x.id === draft.prompt.id) ?? null);
		draft = { text: '', key: null };
		saveDraft();
		queueTries = 0;
		$('text').value = '';
		renderCounter();
		$('draft-kept').hidden = true;
		clearError(box);
		/* what was saved, redacted, as the preview would have shown it */
		const saved = $('done-text');
		saved.lang = campaign?.language || '';
		fillRedacted(saved, String(c.text ?? ''));
		$('done-removed').textContent = removedSummary(c.redaction ?? {});
		show('done');
		$('done-preview').hidden = false;
		focusOn($('done'));
	} catch (e) {
		const again = !(e instanceof ApiError) || e.status === 0 || e.status === 408 || e.status === 429 ||
		    e.status >= 500 || e.status === 401 || e.code === 'csrf';
		if (again) {
			/* still no connection (or no login): it waits */
			queueTries++;
			if (e instanceof ApiError && e.status !== 0)
				showError(box, e);
			else
				clearError(box);
			if (e instanceof ApiError && (e.status === 401 || e.code === 'csrf'))
				await me({ fresh: true }).catch(() => null);
			retryQueued();
		} else {
			/* the server will not take it: back to writing, with why */
			draft.queued = false;
			if (e.status === 409 && e.code !== 'prompt_done')
				draft.key = null;
			saveDraft();
			$('text').value = draft.text;
			renderCounter();
			show('write-view');
			showSendError($('write-error'), e);
		}
	} finally {
		queueSending = false;
	}
}

/* Takes the queued draft back to change it (it is not sent meanwhile). */
function onWaitingEdit() {
	clearTimeout(queueTimer);
	draft.queued = false;
	saveDraft();
	$('text').value = draft.text;
	renderCounter();
	show('write-view');
	focusOn($('text'));
}

/* A failed preview for want of a connection: offer to keep it. */
function offerQueue(box) {
	showMessage(box, t('offline.no_preview'));
	const b = el('button', { type: 'button', class: 'secondary', 'data-i18n': 'offline.keep', text: t('offline.keep') });
	b.addEventListener('click', queueDraft);
	box.append(el('div', { class: 'buttons' }, b));
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
		/* The drive's own settings: names it keeps or allows. */
		const r = await post('/api/v1/redact', { text, campaign: campaign.slug });
		preview = { text: String(r?.text ?? ''), report: r?.report ?? {}, of: text };
		renderPreview();
		clearError($('send-error'));
		show('preview-view');
		focusOn($('preview-h'));
	} catch (e) {
		if (offline(e))
			offerQueue(box);
		else
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
		const href = consentHref(campaign);
		box.append(el('p', {}, el('a', { href, text: t('contribute.read_consent') })));
		return;
	}
	if (e.status === 413 || e.code === 'too_large') {
		showMessage(box, t('contribute.too_large', { max: maxChars() }));
		appendDetails(box, e);
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
	if (p !== null && typeof p.id === 'number')
		body.prompt_id = p.id;
	else if (p !== null)
		body.prompt = p.text;
	send.disabled = edit.disabled = true;
	try {
		await postWith('/api/v1/contributions', body, { 'Idempotency-Key': draft.key });
		sentPrompt = p;
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
		if (offline(e)) {
			/* they saw the preview: it goes when the connection returns */
			queueDraft();
		} else if (e instanceof ApiError && e.code === 'prompt_done') {
			/* done before (on another device, say): on to the next */
			dropPrompt(p);
			await fetchNextPrompt();
			renderPrompt();
			show('write-view');
			showError($('write-error'), e);
		} else if (e instanceof ApiError && e.status === 409) {
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

async function onAnother() {
	clearError($('write-error'));
	dropPrompt(sentPrompt);
	sentPrompt = null;
	await fetchNextPrompt();
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

/* ---- recorded speech ---- */

let recorder = null; /* the controls of mountRecorder() */
let outbox = null;
let outboxItems = []; /* as last read from the outbox */

const isAudio = () => campaign?.kind === 'audio';

function audioLimits() {
	const rate = Number(campaign.sample_rate) > 0 ? Number(campaign.sample_rate) : 16000;
	const min = Number(campaign.min_seconds) > 0 ? Number(campaign.min_seconds) : 1;
	const max = Number(campaign.max_seconds) > min ? Number(campaign.max_seconds) : 30;
	const bytes = Number(campaign.max_bytes) > 0 ? Number(campaign.max_bytes) : wavBytes(max, rate);
	return { rate, min, max, bytes };
}

function renderRecordHint() {
	if (!isAudio())
		return;
	const { min, max } = audioLimits();
	$('record-hint').textContent = t('contribute.record_hint', { min, max });
}

/* Shows message ${key} in ${box}; a language switch translates it too. */
function say(box, key) {
	box.replaceChildren(el('p', { 'data-i18n': key, text: t(key) }));
}

function onTake(take) {
	$('send-audio').disabled = take === null;
	$('send-audio').hidden = take === null;
	if (take !== null) {
		clearError($('record-error'));
		clearError($('queued'));
	}
}

/* The take goes into the outbox; the outbox sends it. */
async function onSendAudio() {
	const box = $('record-error');
	clearError(box);
	const take = recorder.take();
	if (take === null)
		return;
	const { min, max, bytes } = audioLimits();
	if (take.duration < min) {
		showMessage(box, t('contribute.audio_too_short', { min }));
		return;
	}
	if (take.duration > max + 0.001) {
		showMessage(box, t('contribute.audio_too_long', { max }));
		return;
	}
	if (take.blob.size > bytes) {
		showMessage(box, t('contribute.audio_too_big', { size: sizeText(take.blob.size), max: sizeText(bytes) }));
		return;
	}
	const p = currentPrompt();
	const button = $('send-audio');
	button.disabled = true;
	try {
		await outbox.add({
			key: uuid(),
			account: String(account.id),
			campaign: campaign.slug,
			campaignTitle: driveWords(campaign).title,
			campaignLang: driveWords(campaign).titleLang,
			prompt: p === null ? null : p.text,
			promptId: p !== null && typeof p.id === 'number' ? p.id : null,
			blob: take.blob,
			duration: take.duration,
			rate: take.rate,
		});
	} catch (e) {
		console.warn('outbox:', e);
		showMessage(box, t('contribute.no_storage'));
		button.disabled = false;
		return;
	}
	recorder.reset();
	/* nothing left to send: the button goes until the next take */
	$('send-audio').disabled = true;
	$('send-audio').hidden = true;
	say($('queued'), 'contribute.queued');
	dropPrompt(p);
	if (prompts.length > 0)
		promptAt %= prompts.length;
	renderPrompt();
	recorder.focus();
}

function outboxUrl(item) {
	let u = `/api/v1/contributions?campaign=${encodeURIComponent(item.campaign)}`;
	if (item.promptId)
		u += `&prompt_id=${encodeURIComponent(item.promptId)}`;
	else if (item.prompt)
		u += `&prompt=${encodeURIComponent(item.prompt)}`;
	return u;
}

function stateText(it) {
	if (outbox.sending === it.key)
		return t('outbox.sending');
	return t(`outbox.${it.state}`);
}

function outboxEntry(it) {
	const sending = outbox.sending === it.key;
	const state = sending ? 'sending' : it.state;
	const li = el('li', {
		class: `card outbox-item ${state}`, 'data-key': it.key, 'data-state': state, 'data-size': String(it.size ?? 0),
	});
	const head = el('div', { class: 'outbox-head' },
	    el('h3', { text: t('outbox.item', { seconds: secondsText(it.duration ?? 0) }) }),
	    el('span', { class: `badge ${state}`, text: stateText(it) }));
	li.append(head);
	const meta = [];
	if (it.size)
		meta.push(sizeText(it.size));
	meta.push(formatTime(Math.floor(it.created / 1000)));
	li.append(el('p', { class: 'outbox-meta' },
	    el('span', { lang: it.campaignLang ?? '', text: it.campaignTitle ?? it.campaign }),
	    ` · ${meta.join(' · ')}`));
	if (it.prompt)
		li.append(el('p', { class: 'outbox-prompt', text: t('outbox.prompt', { prompt: it.prompt }) }));
	if (sending) {
		const [loaded, total] = outbox.progress.get(it.key) ?? [0, it.size];
		li.append(el('progress', {
			class: 'outbox-progress', max: String(total || 1), value: String(loaded),
			'aria-label': t('outbox.progress'),
		}));
	} else if (it.state === 'waiting') {
		li.append(el('p', { class: 'outbox-why', text: t(`outbox.why_${it.problem ?? 'waiting'}`) }));
	} else if (it.state === 'refused') {
		li.append(el('p', { class: 'outbox-why', text: t('outbox.refused_text') }));
		const msg = el('div', { class: 'alert outbox-error' });
		const e = it.error ?? {};
		showError(msg, new ApiError(e.status ?? 0, e.code ?? 'refused', e.message ?? '', null, null));
		li.append(msg);
		li.append(el('button', {
			type: 'button', class: 'secondary danger wide', 'data-remove': it.key, text: t('outbox.remove'),
		}));
	} else if (it.state === 'sent') {
		li.append(el('p', { class: 'outbox-why', text: t('outbox.sent_text') }));
	}
	return li;
}

function renderOutbox() {
	if (outbox === null)
		return;
	const mine = outboxItems.filter((i) => i.account === String(account.id));
	const others = outboxItems.filter((i) => i.account !== String(account.id) && i.state === 'waiting');
	$('outbox-list').replaceChildren(...mine.slice().reverse().map(outboxEntry));
	$('outbox-others').hidden = others.length === 0;
	if (others.length > 0)
		$('outbox-others').textContent = tn('outbox.others', others.length);
	$('outbox-retry').hidden = !mine.some((i) => i.state === 'waiting');
	$('outbox-login').hidden = !outbox.needLogin;
	$('outbox').hidden = mine.length === 0 && others.length === 0 && !outbox.needLogin;
}

async function loadOutbox() {
	try {
		outboxItems = await outbox.list();
	} catch (e) {
		console.warn('outbox:', e);
		outboxItems = [];
	}
	renderOutbox();
}

function onProgress(ev) {
	const { key, loaded, total } = ev.detail;
	const bar = $('outbox-list').querySelector(`li[data-key="${CSS.escape(key)}"] progress`);
	if (bar) {
		bar.max = total || 1;
		bar.value = loaded;
	}
}

async function onOutboxClick(ev) {
	const b = ev.target.closest('button[data-remove]');
	if (!b)
		return;
	b.disabled = true;
	await outbox.remove(b.dataset.remove).catch(() => false);
	focusOn($('outbox-h'));
}

function startOutbox() {
	outbox = new Outbox({ url: outboxUrl });
	outbox.addEventListener('change', loadOutbox);
	outbox.addEventListener('progress', onProgress);
	outbox.addEventListener('login', renderOutbox);
	outbox.addEventListener('sent', (ev) => {
		$('offline-note').hidden = true;
		if (ev.detail.item.account === String(account.id))
			say($('queued'), 'contribute.done_audio');
	});
	$('outbox-list').addEventListener('click', onOutboxClick);
	$('outbox-retry').addEventListener('click', () => outbox.kick({ now: true }));
	$('outbox-login-link').href = `join.html?next=contribute&campaign=${encodeURIComponent(campaign.slug)}`;
	outbox.account = String(account.id);
	loadOutbox();
	outbox.start();
}

async function startAudio() {
	prompts = normalizePrompts(campaign.prompts);
	promptAt = 0;
	await fetchNextPrompt();
	/* the prompt box serves the recorder here */
	$('record-view').prepend($('prompt-box'));
	$('prompt-h').textContent = t('contribute.prompt_title_audio');
	$('prompt-h').dataset.i18n = 'contribute.prompt_title_audio';
	renderPrompt();
	$('prompt-next').addEventListener('click', () => {
		promptAt++;
		renderPrompt();
	});
	$('prompt-text').lang = campaign.language || '';

	const problem = recordingProblem();
	if (problem === 'insecure') {
		$('insecure-text').textContent = t('contribute.insecure_text', { origin: location.origin });
		$('insecure').hidden = false;
		return;
	}
	if (problem !== null) {
		$('no-media').hidden = false;
		return;
	}
	const { rate, min, max } = audioLimits();
	renderRecordHint();
	recorder = mountRecorder($('recorder'), {
		sampleRate: rate, minSeconds: min, maxSeconds: max, idPrefix: 'rec', onTake,
	});
	$('send-audio').addEventListener('click', onSendAudio);
	$('record-view').hidden = false;
}

/* ---- the last answers of /me and /campaigns, for opening offline ---- */

const KEPT = 'tributary.kept';

function keep(who, campaigns) {
	try {
		localStorage.setItem(KEPT, JSON.stringify({
			account: { id: who.account?.id, handle: who.account?.handle, role: who.account?.role },
			campaigns,
		}));
	} catch {
		/* storage off: online only */
	}
}

function kept() {
	try {
		const k = JSON.parse(localStorage.getItem(KEPT) ?? 'null');
		if (k && k.account && k.account.id !== undefined && Array.isArray(k.campaigns))
			return k;
	} catch {
		/* spoiled */
	}
	return null;
}

const offline = (e) => e instanceof ApiError && e.status === 0;

/* Several drives (or none yet known): the person chooses theirs. */
function showChoice(list) {
	if (list.length === 0) {
		showMessage($('page-error'), t('drive.none'));
		return;
	}
	$('choose-list').replaceChildren(...driveChoice(list,
	    (c) => `contribute.html?campaign=${encodeURIComponent(c.slug)}`));
	$('choose').hidden = false;
	focusOn($('choose-h'));
}

/* The drives and the person's consents, asked for as the page starts,
   beside the catalog and /me (each request after another costs a round
   trip on a weak link); nobody logged in only wastes the second. The
   consent page hands on the drives, the person's consents, /me and the
   first prompt (handOff(), seconds old), so the recorder opens without
   asking after consent. */
const campaignsAnswer = getHanded('/api/v1/campaigns');
const consentsAnswer = getHanded('/api/v1/me/consents');
campaignsAnswer.catch(() => {}); /* both awaited below */
consentsAnswer.catch(() => {});
/* And the drive's next prompt, when the address names the drive (a drive
   without prompts only wastes a 204). */
let firstPrompt = params.get('campaign') === null ? null : {
	slug: params.get('campaign'),
	answer: getHanded(`/api/v1/campaigns/${encodeURIComponent(params.get('campaign'))}/prompt`),
};
firstPrompt?.answer.catch(() => {}); /* awaited by fetchNextPrompt() */

start(async () => {
	registerServiceWorker();
	const q = params.get('campaign');
	let who;
	let campaigns;
	let cut = false; /* no network: working from what this phone kept */
	try {
		who = await me();
		if (who !== null) {
			const r = await campaignsAnswer;
			campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
			keep(who, campaigns);
		}
	} catch (e) {
		const k = offline(e) ? kept() : null;
		if (k === null)
			throw e;
		who = { account: k.account };
		campaigns = k.campaigns;
		cut = true;
	}
	if (who === null) {
		try {
			localStorage.removeItem(KEPT); /* nobody to open offline as */
		} catch {
			/* storage off */
		}
		location.replace(q ? `join.html?next=contribute&campaign=${encodeURIComponent(q)}`
		    : 'join.html?next=contribute');
		return;
	}
	account = who.account ?? {};
	/* The person's own consents: which drive they are at, and whether
	   this one may take what they give. */
	let consents = null;
	if (!cut) {
		try {
			consents = (await consentsAnswer)?.consents ?? [];
		} catch {
			consents = null; /* cannot tell: the server will say */
		}
	}
	if (q) {
		campaign = campaigns.find((c) => c.slug === q) ?? null;
	} else {
		const pick = pickDrive(who, campaigns, consents);
		campaign = pick.one ?? null;
		if (campaign === null) {
			showChoice(pick.choice);
			return;
		}
	}
	if (campaign === null) {
		showMessage($('page-error'), t(q ? 'consent.no_campaign' : 'contribute.no_text_campaign'));
		return;
	}
	rememberDrive(account.id, campaign.slug);
	renderCampaign();
	document.addEventListener('langchange', () => {
		renderCampaign();
		renderCounter();
		renderPreview();
		renderRecordHint();
		recorder?.render();
		renderOutbox();
	});
	if (campaign.kind !== 'text' && campaign.kind !== 'audio') {
		showMessage($('page-error'), t('contribute.audio_later'));
		return;
	}
	/* recordings on this phone go out from any drive's page */
	startOutbox();
	if (isAudio())
		$('offline-note').hidden = !cut;

	/* Without a live consent for this drive the server refuses: say so first. */
	const consented = consents === null || consents.some((x) => x.campaign === campaign.slug &&
	    (x.withdrawn_at === null || x.withdrawn_at === undefined));
	if (!consented) {
		$('consent-link').href = consentHref(campaign);
		if (isAudio()) {
			const p = $('no-consent').querySelector('p');
			p.dataset.i18n = 'contribute.no_consent_audio';
			p.textContent = t('contribute.no_consent_audio');
		}
		$('no-consent').hidden = false;
		return;
	}
	if (isAudio()) {
		await startAudio();
		return;
	}

	prompts = normalizePrompts(campaign.prompts);
	promptAt = 0;
	await fetchNextPrompt();
	renderPrompt();
	draft = loadDraft();
	$('text').value = draft.text;
	$('draft-kept').hidden = draft.text === '' || draft.queued;
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
	$('waiting-edit').addEventListener('click', onWaitingEdit);
	addEventListener('online', () => retryQueued(true));
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'visible')
			retryQueued(true);
	});
	$('preview-button').disabled = false;
	if (draft.queued) {
		showWaiting();
		retryQueued(true);
	} else
		show('write-view');
});
