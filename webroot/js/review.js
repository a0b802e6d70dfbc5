/*
** Review (flow 4): a reviewer chooses a drive in a language they speak,
** reads or listens to one contribution at a time beside its prompt, and
** votes it good or not good; a "not good" needs one of the fixed reasons
** (and a note for "something else").
**
** GET /api/v1/review/campaigns lists the drives in the reviewer's
** languages; GET /api/v1/review/next?campaign=SLUG gives the next item (204
** when nothing is left for this reviewer); POST /api/v1/reviews sends the
** vote with an Idempotency-Key. The key is kept (in sessionStorage) until
** the server answers, so sending the same vote again after a dropped
** connection, or a reload, is the same vote and never a second one.
** Refusals (own item, voted already, decided, withdrawn, not your language)
** are said in plain words and the page moves on to the next item.
**
** On a laptop the keyboard does it all: U or ↑ good, J or ↓ not good, 1–7
** a reason, Enter sends it, Space plays a recording, Esc goes back.
*/
import { t, languageName, formatTime } from './i18n.js';
import { get, postWith, me, showError, showMessage, clearError, ApiError, uuid } from './api.js';
import { fillRedacted } from './redaction.js';
import { $, el, start, focusOn, fillText, driveTitle, driveWords } from './page.js';

/* The fixed reasons, in the order of their number keys (1–7). */
const REASONS = ['wrong_words', 'noise', 'hard_to_hear', 'personal_data', 'offensive',
	'not_the_language', 'other'];

/* Refusals after which this item is done for this reviewer: say why, go on. */
const MOVE_ON = ['own_item', 'second_vote', 'already_decided', 'withdrawn', 'not_your_language', 'not_found'];

const NOTE_MAX = 500;

const params = new URLSearchParams(location.search);
let account = null;
let campaigns = [];
let languages = [];
let campaign = null; /* the drive being reviewed */
let item = null; /* the item on screen */
let today = null;
let busy = false;
let lastResult = null; /* {key, vars}: the message of the last answer, kept for a language change */
let lastNotice = null;
let retryBody = null; /* the vote that got no answer, sent again by #retry */

/* ---- the vote waiting for an answer, kept per account ---- */

function pendingKey() {
	return `tributary.vote.${account.id}`;
}

function loadPending() {
	try {
		const p = JSON.parse(sessionStorage.getItem(pendingKey()) ?? 'null');
		if (p && typeof p.key === 'string' && p.body && typeof p.body === 'object')
			return p;
	} catch {
		/* storage off or spoiled */
	}
	return null;
}

function savePending(p) {
	try {
		if (p === null)
			sessionStorage.removeItem(pendingKey());
		else
			sessionStorage.setItem(pendingKey(), JSON.stringify(p));
	} catch {
		/* storage off: the key lives as long as the page */
	}
}

/* The same vote as the one waiting keeps its key; any other gets a new one. */
function keyFor(body) {
	const p = loadPending();
	if (p !== null && JSON.stringify(p.body) === JSON.stringify(body))
		return p.key;
	const key = uuid();
	savePending({ key, body });
	return key;
}

/* ---- words ---- */

function reasonName(r) {
	return REASONS.includes(r) ? t(`review.reason_${r}`) : String(r ?? '');
}

function kindName(k) {
	const s = t(`kind.${k}`);
	return s === `kind.${k}` ? String(k ?? '') : s;
}

function renderToday() {
	const p = $('today');
	p.hidden = today === null;
	if (today !== null)
		p.textContent = t('review.today', { n: today });
}

function setToday(r) {
	const n = Number(r?.today);
	if (Number.isFinite(n)) {
		today = n;
		renderToday();
	}
}

/* The last answer's message in #result, and a refusal in #notice. */
function renderMessages() {
	if (lastResult === null)
		$('result').replaceChildren();
	else
		showMessage($('result'), t(lastResult.key, lastResult.vars));
	$('notice').hidden = lastNotice === null;
	if (lastNotice !== null)
		showMessage($('notice'), t(lastNotice));
}

function clearMessages() {
	lastResult = null;
	lastNotice = null;
	renderMessages();
	clearError($('vote-error'));
	$('retry').hidden = true;
}

/* An empty queue's answer carries no count: ask for it (votes cast from
   another tab or phone count too). A failure keeps the last one. */
async function refreshToday() {
	try {
		setToday(await get('/api/v1/review/campaigns'));
	} catch {
		/* the count stays as it was */
	}
}

/* ---- choosing a drive ---- */

function renderChoose() {
	const ul = $('campaigns');
	ul.replaceChildren();
	for (const c of campaigns) {
		const href = `review.html?campaign=${encodeURIComponent(c.slug)}`;
		ul.append(el('li', {},
		    el('a', { href, 'data-campaign': c.slug },
			Object.assign(driveTitle(c), { className: 'drive-title' }),
			el('span', {
				class: 'drive-meta',
				text: t('home.drive_meta', { language: languageName(c.language), kind: kindName(c.kind) }),
			}))));
	}
	$('no-campaigns').hidden = campaigns.length > 0 || languages.length === 0;
	$('languages-line').hidden = languages.length === 0;
	if (languages.length > 0)
		$('languages-line').textContent = t('review.your_languages', {
			languages: languages.map(languageName).join(t('redact.separator')),
		});
}

function showChoose() {
	$('review-view').hidden = true;
	$('choose').hidden = false;
	renderChoose();
}

/* ---- one item ---- */

function isAudio() {
	return item !== null && item.audio !== null && typeof item.audio === 'object';
}

function renderCampaignLine() {
	if (campaign === null)
		return;
	fillText($('campaign-line'), 'review.for_campaign', {
		title: driveTitle(campaign),
		language: languageName(campaign.language),
	});
	document.title = `${driveWords(campaign).title} — ${t('review.page_title')}`;
}

function renderReasons() {
	const box = $('reasons');
	const chosen = box.querySelector('input:checked')?.value ?? null;
	box.replaceChildren(...REASONS.map((r, i) => {
		const id = `reason-${r}`;
		const input = el('input', { type: 'radio', name: 'reason', id, value: r });
		input.checked = r === chosen;
		return el('div', { class: 'check reason' },
		    input,
		    el('label', { for: id },
			el('kbd', { class: 'reason-key', text: String(i + 1), 'aria-hidden': 'true' }),
			' ',
			el('span', { text: reasonName(r) })));
	}));
}

/* The item's words that change with the language. */
function renderItemWords() {
	if (item === null)
		return;
	const audio = isAudio();
	const h = $('item-h');
	h.dataset.i18n = audio ? 'review.item_title_audio' : 'review.item_title_text';
	h.textContent = t(h.dataset.i18n);
	const q = $('question');
	q.dataset.i18n = audio ? 'review.question_audio' : 'review.question_text';
	q.textContent = t(q.dataset.i18n);
	const meta = [];
	if (audio && Number.isFinite(Number(item.audio.duration)))
		meta.push(t('review.length', { n: Number(item.audio.duration).toFixed(1) }));
	if (item.created_at)
		meta.push(t('review.given_at', { when: formatTime(item.created_at) }));
	$('item-meta').textContent = meta.join(' · ');
	const player = $('item-body').querySelector('audio');
	if (player)
		player.setAttribute('aria-label', t('review.recording_label', { id: item.id }));
}

function renderItem() {
	const prompt = typeof item.prompt === 'string' && item.prompt !== '' ? item.prompt
	    : item.prompt && typeof item.prompt.text === 'string' ? item.prompt.text : null;
	$('prompt-box').hidden = prompt === null;
	$('prompt-text').textContent = prompt ?? '';
	$('prompt-text').lang = campaign.language || '';
	const body = $('item-body');
	body.replaceChildren();
	if (isAudio()) {
		body.append(el('audio', { controls: '', preload: 'metadata', src: item.audio.url }));
	} else {
		const box = el('div', { class: 'contribution-text review-text', lang: campaign.language || null });
		fillRedacted(box, item.text ?? '');
		body.append(box);
	}
	$('key-space').hidden = !isAudio();
	$('item-view').dataset.item = String(item.id);
	closeDown(false);
	$('note').value = '';
	for (const r of $('reasons').querySelectorAll('input'))
		r.checked = false;
	renderItemWords();
}

function setBusy(on) {
	busy = on;
	for (const id of ['up', 'down', 'send-down', 'cancel-down', 'retry', 'check-again'])
		$(id).disabled = on;
	$('review-view').setAttribute('aria-busy', on ? 'true' : 'false');
}

/* Asks for the next item of the drive; shows it, or the empty queue. */
async function loadNext({ focus = true } = {}) {
	setBusy(true);
	try {
		const r = await get(`/api/v1/review/next?campaign=${encodeURIComponent(campaign.slug)}`);
		if (r !== null)
			setToday(r);
		item = r?.item ?? null;
	} catch (e) {
		item = null;
		$('item-view').hidden = true;
		$('empty').hidden = true;
		if (e instanceof ApiError && (e.code === 'not_your_language' || e.status === 404)) {
			lastNotice = e.code === 'not_your_language' ? 'review.err_not_your_language' : 'review.no_such_campaign';
			showChoose();
			$('choose').prepend($('notice'));
			renderMessages();
			return;
		}
		showError($('page-error'), e);
		return;
	} finally {
		setBusy(false);
	}
	$('item-view').hidden = item === null;
	$('empty').hidden = item !== null;
	if (item === null) {
		if (focus)
			focusOn($('empty'));
		refreshToday();
		return;
	}
	renderItem();
	if (focus)
		focusOn($('item-h'));
}

/* ---- voting ---- */

function openDown() {
	$('down-form').hidden = false;
	$('down').setAttribute('aria-expanded', 'true');
	$('down').classList.add('chosen');
}

function closeDown(refocus = true) {
	$('down-form').hidden = true;
	$('down').setAttribute('aria-expanded', 'false');
	$('down').classList.remove('chosen');
	clearError($('vote-error'));
	if (refocus)
		focusOn($('down'));
}

function chosenReason() {
	return $('reasons').querySelector('input:checked')?.value ?? null;
}

/* The words for a refusal ${code} that moves on, or null. */
function refusalKey(code) {
	return MOVE_ON.includes(code) ? `review.err_${code}` : null;
}

/* Sends ${body} under its kept key; on an answer goes to the next item. */
async function send(body) {
	if (busy || item === null)
		return;
	clearMessages();
	const key = keyFor(body);
	setBusy(true);
	let next = false;
	try {
		const r = await postWith('/api/v1/reviews', body, { 'Idempotency-Key': key });
		savePending(null);
		setToday(r);
		const status = r?.status;
		lastResult = {
			key: status === 'validated' ? 'review.voted_validated'
			    : status === 'rejected' ? 'review.voted_rejected'
			    : body.vote === 'up' ? 'review.voted_up' : 'review.voted_down',
		};
		next = true;
	} catch (e) {
		const code = e instanceof ApiError ? e.code : null;
		const answered = e instanceof ApiError && e.status >= 400 && e.status < 500 &&
		    e.status !== 408 && e.status !== 429;
		if (answered)
			savePending(null); /* the server has decided: this key is spent */
		if (answered && refusalKey(code) !== null) {
			lastNotice = refusalKey(code);
			next = true;
		} else {
			showError($('vote-error'), e);
			/* no answer, or the server could not take it now: the same
			   vote under the same key is safe to send again */
			retryBody = answered ? null : body;
			$('retry').hidden = answered;
		}
	} finally {
		setBusy(false);
	}
	renderMessages();
	if (next)
		await loadNext();
}

function voteUp() {
	if (item === null)
		return;
	send({ contribution: item.id, vote: 'up' });
}

function onDownSubmit(ev) {
	ev.preventDefault();
	if (item === null)
		return;
	const box = $('vote-error');
	clearError(box);
	const reason = chosenReason();
	const note = $('note').value.trim();
	$('note').removeAttribute('aria-invalid');
	if (reason === null) {
		showMessage(box, t('review.need_reason'));
		focusOn($('reasons').querySelector('input'));
		return;
	}
	if (reason === 'other' && note === '') {
		showMessage(box, t('review.need_note'));
		$('note').setAttribute('aria-invalid', 'true');
		focusOn($('note'));
		return;
	}
	if ([...note].length > NOTE_MAX) {
		showMessage(box, t('review.note_too_long', { max: NOTE_MAX }));
		$('note').setAttribute('aria-invalid', 'true');
		focusOn($('note'));
		return;
	}
	const body = { contribution: item.id, vote: 'down', reason };
	if (note !== '')
		body.note = note;
	send(body);
}

/* Opens the reasons with reason number ${n} (1–7) chosen. */
function pickReason(n) {
	const r = REASONS[n - 1];
	openDown();
	const input = $(`reason-${r}`);
	input.checked = true;
	focusOn(r === 'other' ? $('note') : input);
}

/* ---- the keyboard ---- */

function playPause() {
	const a = $('item-body').querySelector('audio');
	if (!a)
		return false;
	if (a.paused)
		a.play().catch(() => {});
	else
		a.pause();
	return true;
}

function onKey(ev) {
	if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing)
		return;
	if ($('review-view').hidden || $('item-view').hidden || busy)
		return;
	const target = ev.target;
	const tag = target?.tagName ?? '';
	const onRadio = tag === 'INPUT' && target.type === 'radio';
	const typing = target?.isContentEditable || tag === 'TEXTAREA' || tag === 'SELECT' ||
	    (tag === 'INPUT' && !onRadio);
	const down = !$('down-form').hidden;
	if (ev.key === 'Escape' && down) {
		ev.preventDefault();
		closeDown();
		return;
	}
	if (typing)
		return; /* the note takes every key */
	const k = ev.key;
	if (k === 'u' || k === 'U' || (k === 'ArrowUp' && !onRadio)) {
		ev.preventDefault();
		voteUp();
	} else if (k === 'j' || k === 'J' || (k === 'ArrowDown' && !onRadio)) {
		ev.preventDefault();
		openDown();
		focusOn($('reasons').querySelector('input:checked') ?? $('reasons').querySelector('input'));
	} else if (/^[1-7]$/.test(k)) {
		ev.preventDefault();
		pickReason(Number(k));
	} else if (k === 'Enter' && down && onRadio) {
		ev.preventDefault();
		$('down-form').requestSubmit();
	} else if (k === ' ' && !/^(BUTTON|A|INPUT|AUDIO|SUMMARY)$/.test(tag)) {
		if (playPause())
			ev.preventDefault();
	}
}

/* ---- entering ---- */

function enterCampaign(c) {
	campaign = c;
	$('choose').hidden = true;
	$('review-view').hidden = false;
	$('change-campaign').href = 'review.html?choose=1';
	renderCampaignLine();
}

start(async () => {
	const q = params.get('campaign');
	const who = await me();
	if (who === null) {
		location.replace(q ? `join.html?next=review&campaign=${encodeURIComponent(q)}` : 'join.html?next=review');
		return;
	}
	account = who.account ?? {};
	renderReasons();
	$('up').addEventListener('click', voteUp);
	$('down').addEventListener('click', () => {
		if ($('down-form').hidden) {
			openDown();
			focusOn($('reasons').querySelector('input'));
		} else
			closeDown();
	});
	$('cancel-down').addEventListener('click', () => closeDown());
	$('down-form').addEventListener('submit', onDownSubmit);
	$('reasons').addEventListener('change', () => {
		clearError($('vote-error'));
		$('note').removeAttribute('aria-invalid');
	});
	$('retry').addEventListener('click', () => {
		if (retryBody !== null)
			send(retryBody);
	});
	$('check-again').addEventListener('click', () => {
		clearMessages();
		loadNext();
	});
	document.addEventListener('keydown', onKey);
	document.addEventListener('langchange', () => {
		renderToday();
		renderChoose();
		renderCampaignLine();
		renderReasons();
		renderItemWords();
		renderMessages();
	});

	let r;
	try {
		r = await get('/api/v1/review/campaigns');
	} catch (e) {
		if (e instanceof ApiError && e.status === 403) {
			$('not-reviewer').hidden = false;
			return;
		}
		throw e;
	}
	campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	languages = Array.isArray(r?.languages) ? r.languages : [];
	setToday(r);
	$('no-languages').hidden = languages.length > 0;
	let slug = q;
	if (!slug && campaigns.length === 1 && !params.has('choose'))
		slug = campaigns[0].slug;
	const c = slug ? campaigns.find((x) => x.slug === slug) ?? null : null;
	if (c === null) {
		showChoose();
		if (slug) {
			lastNotice = 'review.not_in_languages';
			$('choose').prepend($('notice'));
			renderMessages();
		}
		return;
	}
	enterCampaign(c);
	await loadNext({ focus: false });
});
