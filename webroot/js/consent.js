/*
** The consent page: the campaign's consent document in the chosen
** language, one checkbox per scope, the age confirmation, and the POST
** that records which document (by its SHA-256) the person agreed to.
** A document may come with a recorded reading of it (a player shows it).
** Once consent is given, the person may also record a short spoken
** statement of agreement (POST /api/v1/consents/{id}/spoken, audio/wav):
** kept as evidence only, never published.
*/
import { t, currentLang, pickLang, languageName, formatTime } from './i18n.js';
import { get, getHanded, handOff, handOver, post, me, csrfToken, showError, showMessage, clearError, ApiError } from './api.js';
import { renderMarkdown } from './markdown.js';
import { $, el, start, focusOn, scopeName as catalogScopeName, pickDrive, rememberDrive, driveChoice, driveWords, consentHref,
    setDriveTitle, setDriveDescription } from './page.js';
import { recordingProblem, mountRecorder } from './recorder.js';
import { registerServiceWorker } from './sw-register.js';

const params = new URLSearchParams(location.search);
let slug = null;
let campaign = null;
let doc = null;
let seq = 0;
let existing = null; /* a live consent this person already gave here */
let granted = null; /* the consent just saved */
let who = null; /* /me's answer */

/* A scope's name as this drive's file words it, else the catalog's. */
const scopeName = (id) => catalogScopeName(id, campaign);
let spoken = null; /* the spoken statement's recorder */
let spokenTake = null;

function required() {
	return Array.isArray(campaign?.required_scopes) ? campaign.required_scopes : [];
}

async function loadDoc() {
	const mine = ++seq;
	const lang = currentLang();
	/* The campaign names its consent document ("general"); the document's
	   slug is what the consent endpoint takes. */
	const docSlug = campaign?.consent || slug;
	/* the one asked for as the page started, if it is this one */
	const early = earlyDoc !== null && earlyDoc.slug === docSlug && earlyDoc.lang === lang ? earlyDoc.answer : null;
	earlyDoc = null;
	const d = await (early ?? get(
	    `/api/v1/consent/${encodeURIComponent(docSlug)}?lang=${encodeURIComponent(lang)}`));
	if (mine !== seq)
		return false; /* a later language switch won */
	doc = d;
	render();
	return true;
}

function scopeItem(s, bindingScopes, checked) {
	const id = `scope-${s.id}`;
	const label = el('label', { for: id },
	    el('span', { class: 'name', text: scopeName(s.id) }),
	    el('span', { class: 'explanation', lang: doc.lang, text: s.explanation }));
	const b = bindingScopes?.find((x) => x.id === s.id);
	if (b && b.explanation !== s.explanation)
		label.append(el('span', { class: 'binding-expl' },
		    el('strong', { text: `${t('consent.in_english')} ` }),
		    el('span', { lang: 'en', text: b.explanation })));
	if (required().includes(s.id))
		label.append(el('span', { class: 'needed', text: t('consent.needed') }));
	const input = el('input', { type: 'checkbox', id, name: 'scopes', value: s.id });
	input.checked = checked;
	return el('div', { class: 'check' }, input, label);
}

function render() {
	if (doc === null)
		return;
	document.title = `${campaign ? driveWords(campaign).title : doc.title} — ${t('consent.page_title')}`;
	if (campaign) {
		setDriveTitle($('campaign-title'), campaign);
		setDriveDescription($('campaign-desc'), campaign);
		/* the consent says what the drive keeps: names, when it does */
		$('names-kept').hidden = campaign.redact?.names !== false;
	} else {
		$('campaign-title').textContent = doc.title;
		$('campaign-title').lang = doc.lang || '';
	}

	const article = $('doc');
	article.lang = doc.lang;
	$('doc-title').textContent = doc.title;
	$('doc-meta').textContent = t('consent.meta', {
		version: doc.version,
		language: languageName(doc.lang),
	});
	$('doc-body').replaceChildren(renderMarkdown(doc.body, { idPrefix: 'doc-' }));
	renderReading();

	const want = currentLang();
	$('lang-notice').hidden = doc.lang === want;
	if (doc.lang !== want)
		$('lang-notice-text').textContent = t('consent.lang_missing', {
			language: languageName(want),
			shown: languageName(doc.lang),
		});

	const draft = doc.reviewed === false;
	const binding = draft && doc.binding && typeof doc.binding === 'object' ? doc.binding : null;
	$('unreviewed').hidden = !draft;
	$('binding-text').hidden = binding === null;
	if (binding !== null) {
		$('binding-title').textContent = binding.title;
		$('binding-body').replaceChildren(
		    renderMarkdown(binding.body, { idPrefix: 'en-', headingOffset: 2 }));
		$('binding-text').lang = binding.lang || 'en';
	} else
		$('binding-body').replaceChildren();

	const licence = $('licence');
	licence.replaceChildren();
	if (doc.licence_notes) {
		licence.append(el('strong', { text: `${t('consent.licence')} ` }),
		    el('span', { text: doc.licence_notes }));
	}
	licence.hidden = !doc.licence_notes;

	/* Keep what was ticked: the scopes are the same in every language. */
	const list = $('scope-list');
	const was = new Set([...list.querySelectorAll('input:checked')].map((i) => i.value));
	list.replaceChildren(...(doc.scopes ?? []).map(
	    (s) => scopeItem(s, binding?.scopes, was.has(s.id))));

	$('age-label').textContent = t('consent.age', { n: doc.minimum_age ?? 16 });
	renderExisting();
	renderDone();
}

/* A recorded reading of the document, when it has one. */
function renderReading() {
	const url = typeof doc.reading === 'string' && doc.reading !== '' ? doc.reading : null;
	const audio = $('reading-audio');
	$('reading').hidden = url === null;
	if (url === null) {
		audio.removeAttribute('src');
		return;
	}
	const abs = new URL(url, location.href).href;
	if (audio.src !== abs) {
		audio.src = abs;
		audio.lang = doc.lang;
	}
}

/* ---- the spoken statement ---- */

function renderSpoken() {
	if (granted === null)
		return;
	$('spoken-statement').textContent = t('consent.spoken_statement', {
		campaign: campaign ? driveWords(campaign).title : doc?.title ?? slug,
	});
	$('spoken-insecure-text').textContent = t('consent.spoken_insecure', { origin: location.origin });
	spoken?.render();
}

/* POSTs a WAV; the answer's JSON, or an ApiError. */
async function postAudio(path, blob) {
	const headers = { 'Content-Type': 'audio/wav', Accept: 'application/json' };
	if (csrfToken() !== null)
		headers['X-CSRF-Token'] = csrfToken();
	let res;
	try {
		res = await fetch(path, { method: 'POST', credentials: 'same-origin', cache: 'no-store', headers, body: blob });
	} catch {
		throw new ApiError(0, 'network', t('error.network'), null, null);
	}
	let data = null;
	try {
		data = JSON.parse(await res.text());
	} catch {
		data = null;
	}
	if (!res.ok) {
		const e = data && typeof data.error === 'object' ? data.error : {};
		throw new ApiError(res.status, typeof e.code === 'string' ? e.code : `http_${res.status}`,
		    typeof e.message === 'string' ? e.message : '', data, res.headers);
	}
	return data;
}

async function onSpokenSend() {
	const box = $('spoken-error');
	const button = $('spoken-send');
	clearError(box);
	if (spokenTake === null || granted?.id === undefined)
		return;
	button.disabled = true;
	try {
		await postAudio(`/api/v1/consents/${encodeURIComponent(granted.id)}/spoken`, spokenTake.blob);
		$('spoken-done').replaceChildren(el('p', { 'data-i18n': 'consent.spoken_done', text: t('consent.spoken_done') }));
		$('spoken-recorder').hidden = true;
		button.hidden = true;
		spokenTake = null;
		focusOn($('spoken-done'));
	} catch (e) {
		showError(box, e);
		button.disabled = false;
	}
}

function offerSpoken() {
	if (granted === null || granted.id === undefined || granted.id === null)
		return;
	$('spoken').hidden = false;
	renderSpoken();
	if (recordingProblem() !== null) {
		$('spoken-insecure').hidden = false;
		return;
	}
	spoken = mountRecorder($('spoken-recorder'), {
		sampleRate: 16000,
		minSeconds: 1,
		maxSeconds: 30,
		idPrefix: 'spoken-rec',
		onTake(take) {
			spokenTake = take;
			$('spoken-send').disabled = take === null;
			$('spoken-send').hidden = take === null;
			if (take !== null)
				clearError($('spoken-error'));
		},
	});
	$('spoken-send').addEventListener('click', onSpokenSend);
}

function renderExisting() {
	$('already').hidden = existing === null || granted !== null;
	if (existing !== null)
		$('already-text').textContent = t('consent.already', {
			date: formatTime(existing.given_at),
		});
}

function renderDone() {
	if (granted === null)
		return;
	const names = (granted.scopes ?? []).map((s) => el('li', { text: scopeName(s) }));
	$('done-scopes').replaceChildren(...names);
	renderSpoken();
}

async function loadExisting() {
	try {
		const r = await consentsAnswer;
		existing = (r?.consents ?? []).find(
		    (c) => c.campaign === slug && (c.withdrawn_at === null || c.withdrawn_at === undefined)) ?? null;
	} catch {
		existing = null;
	}
	renderExisting();
}

async function onSubmit(ev) {
	ev.preventDefault();
	const box = $('form-error');
	const button = $('submit');
	clearError(box);
	if (doc === null)
		return;

	for (const i of $('scope-list').querySelectorAll('input'))
		i.removeAttribute('aria-invalid');
	const scopes = [...$('scope-list').querySelectorAll('input:checked')].map((i) => i.value);
	const missing = required().filter((s) => !scopes.includes(s));
	if (missing.length > 0) {
		showMessage(box, t('consent.need_scope', {
			scopes: missing.map(scopeName).join(', '),
		}));
		/* the message sits below the form: bring it on screen; it names
		   the use, and the box is next to the button */
		$(`scope-${missing[0]}`).setAttribute('aria-invalid', 'true');
		focusOn(box);
		box.scrollIntoView({ block: 'center' });
		return;
	}
	if (scopes.length === 0) {
		showMessage(box, t('consent.need_one'));
		focusOn(box);
		box.scrollIntoView({ block: 'center' });
		return;
	}
	if (!$('age').checked) {
		showMessage(box, t('consent.need_age', { n: doc.minimum_age ?? 16 }));
		focusOn($('age'));
		return;
	}

	button.disabled = true;
	try {
		const r = await post('/api/v1/consents', {
			campaign: slug,
			document: doc.sha256,
			scopes,
			age_confirmed: true,
		});
		granted = r?.consent ?? { scopes };
		rememberDrive(who?.account?.id, slug);
		/* what the recorder ("Contribute now") asks for first, asked now
		   while the person reads that it is saved */
		handOff(['/api/v1/campaigns', '/api/v1/me/consents', `/api/v1/campaigns/${encodeURIComponent(slug)}/prompt`]);
		if (who !== null)
			handOver('/api/v1/me', who);
		renderDone();
		$('consent-view').hidden = true;
		$('done').hidden = false;
		offerSpoken();
		focusOn($('done'));
		window.scrollTo(0, 0);
	} catch (e) {
		if (e instanceof ApiError && e.code === 'outdated_document') {
			/* The text changed under us: show the new one, ask again. */
			for (const i of $('scope-list').querySelectorAll('input'))
				i.checked = false;
			try {
				await loadDoc();
				showMessage(box, t('consent.outdated'));
			} catch (e2) {
				showError(box, e2);
			}
			$('doc').scrollIntoView();
		} else {
			showError(box, e);
			if (e instanceof ApiError && e.code === 'guardian_required')
				focusOn($('age'));
		}
	} finally {
		button.disabled = false;
	}
}

/* The drives, asked for as the page starts, beside the catalog and /me
   (each request after another costs a round trip on a weak link). */
const campaignsAnswer = getHanded('/api/v1/campaigns');
campaignsAnswer.catch(() => {}); /* awaited below */
/* And what this person consented to already (nobody logged in only
   wastes it: they are sent to join). */
const consentsAnswer = get('/api/v1/me/consents');
consentsAnswer.catch(() => {}); /* awaited by loadExisting() and below */
/* And the consent document, when the address names it (consentHref()),
   in the language the page will most likely settle on (another one is
   asked for again by loadDoc()). */
let earlyDoc = params.get('doc') === null ? null : {
	slug: params.get('doc'),
	lang: pickLang(),
	answer: get(`/api/v1/consent/${encodeURIComponent(params.get('doc'))}?lang=${encodeURIComponent(pickLang())}`),
};
earlyDoc?.answer.catch(() => {}); /* awaited by loadDoc() */

start(async () => {
	registerServiceWorker();
	who = await me();
	if (who === null) {
		const q = params.get('campaign');
		location.replace(q ? `join.html?campaign=${encodeURIComponent(q)}` : 'join.html');
		return;
	}
	const r = await campaignsAnswer;
	const campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	slug = params.get('campaign');
	if (!slug) {
		/* no drive named: theirs, or a choice (never simply the first) */
		let mine = null;
		try {
			mine = (await consentsAnswer)?.consents ?? [];
		} catch {
			mine = null;
		}
		const pick = pickDrive(who, campaigns, mine);
		slug = pick.one?.slug ?? null;
		if (slug === null && pick.choice.length > 0) {
			$('choose-list').replaceChildren(...driveChoice(pick.choice,
			    (c) => consentHref(c)));
			$('choose').hidden = false;
			focusOn($('choose-h'));
			return;
		}
	}
	if (slug === null) {
		showMessage($('page-error'), t('consent.no_campaigns'));
		return;
	}
	campaign = campaigns.find((c) => c.slug === slug) ?? null;
	if (campaign === null) {
		showMessage($('page-error'), t('consent.no_campaign'));
		return;
	}
	const here = `contribute.html?campaign=${encodeURIComponent(slug)}`;
	$('already-contribute').href = here;
	$('contribute-now').href = here;
	const existingLoaded = loadExisting(); /* beside the document */
	await loadDoc();
	$('consent-view').hidden = false;
	$('consent-form').addEventListener('submit', onSubmit);
	document.addEventListener('langchange', () => {
		loadDoc().catch((e) => showError($('page-error'), e));
	});
	await existingLoaded;
});
