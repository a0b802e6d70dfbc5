/*
** Accounts, for the node's administrators: list, create, change a role,
** set the languages a person speaks (reviewers see the drives in them),
** disable (confirmed first), and re-issue a lost drive card (confirmed
** first; the new code is shown once); the organization behind the node
** (shown on the home page and the cards) and whether anyone may sign up
** with a handle. Maintainers and admins find the holder of a lost card by
** the name or note on its stub (its label) or by handle, set that label,
** and re-issue the card; re-issue is offered only where there is a card. Maintainers may only re-issue
** cards and set languages, by account number. Logged out, the page takes
** the one-time login code that `tributary init` prints for the first
** administrator.
*/
import { t, tn, nfc, languageName } from './i18n.js';
import { get, post, me, showError, showMessage, clearError, ApiError } from './api.js';
import { $, el, start, focusOn, showNav } from './page.js';

const ROLES = ['contributor', 'reviewer', 'maintainer', 'treasurer', 'admin'];

let self = null; /* the logged-in account */
let accounts = [];
let holders = []; /* the accounts a card search found */
let open = null; /* {id, what: 'disable' | 'card'} whose confirmation shows */
let shownFor = null; /* whose new code is showing */

function say(text) {
	$('status').replaceChildren(el('p', { text }));
}

function roleName(r) {
	return ROLES.includes(r) ? t(`role.${r}`) : String(r ?? '');
}

function roleSelect(id, value) {
	const s = el('select', { id, name: 'role' });
	for (const r of ROLES) {
		const o = el('option', { value: r, text: roleName(r) });
		o.selected = r === value;
		s.append(o);
	}
	return s;
}

function replace(a) {
	const i = accounts.findIndex((x) => x.id === a.id);
	if (i >= 0)
		accounts[i] = a;
	else if (!$('admin-view').hidden)
		accounts.push(a);
	const h = holders.findIndex((x) => x.id === a.id);
	if (h >= 0)
		holders[h] = { ...holders[h], ...a };
}

/* Draws the account list and the search's results again. */
function redraw() {
	render();
	renderHolders();
}

/* ---- the new card code, shown once ---- */

function renderCodeFor() {
	if (shownFor !== null)
		$('reissue-for').textContent = shownFor.handle
		    ? t('admin.new_code_for', { name: shownFor.handle, id: shownFor.id })
		    : t('admin.new_code_for_id', { id: shownFor.id });
}

/* ${a} is the account, or {id} alone when only its number is known. */
function showCode(a, code) {
	shownFor = a;
	renderCodeFor();
	$('reissue-code').textContent = code;
	$('reissue-result').hidden = false;
	$('reissue-result').scrollIntoView();
	focusOn($('reissue-result'));
}

/* ---- one account ---- */

function confirmPanel(a, what, headingId) {
	const panel = el('div', { class: 'confirm', role: 'group', 'aria-labelledby': `${headingId}-q` });
	const err = el('div', { class: 'alert', role: 'alert' });
	const yes = el('button', {
		type: 'button',
		class: what === 'disable' ? 'danger' : '',
		text: t(what === 'disable' ? 'admin.disable_yes' : 'admin.card_yes'),
	});
	const no = el('button', { type: 'button', class: 'secondary', text: t('admin.cancel') });
	panel.append(
	    el('h3', {
		    id: `${headingId}-q`,
		    text: t(what === 'disable' ? 'admin.disable_q' : 'admin.card_q', { name: a.handle }),
	    }),
	    el('p', { text: t(what === 'disable' ? 'admin.disable_text' : 'admin.card_text') }),
	    err,
	    el('div', { class: 'buttons' }, yes, no));
	no.addEventListener('click', () => {
		open = null;
		redraw();
		focusOn(document.querySelector(`[data-${what}="${CSS.escape(String(a.id))}"]`));
	});
	yes.addEventListener('click', async () => {
		clearError(err);
		yes.disabled = no.disabled = true;
		const url = `/api/v1/accounts/${encodeURIComponent(a.id)}/${what === 'disable' ? 'disable' : 'card'}`;
		try {
			const r = await post(url);
			open = null;
			if (what === 'disable') {
				replace(r?.account ?? { ...a, disabled: true });
				redraw();
				say(t('admin.disabled_ok', { name: a.handle }));
				focusOn($(headingId));
			} else {
				redraw();
				$('status').replaceChildren();
				showCode(a, String(r?.code ?? ''));
			}
		} catch (e) {
			showError(err, e);
			yes.disabled = no.disabled = false;
		}
	});
	return panel;
}

function roleForm(a) {
	const sid = `role-${a.id}`;
	const err = el('div', { class: 'alert', role: 'alert' });
	const select = roleSelect(sid, a.role);
	const button = el('button', { type: 'submit', class: 'secondary', text: t('admin.change_role') });
	const form = el('form', { class: 'role-form', method: 'post', novalidate: true },
	    el('div', { class: 'field' },
		el('label', { for: sid, text: t('admin.role_of', { name: a.handle }) }),
		el('div', { class: 'inline' }, select, button)),
	    err);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearError(err);
		if (select.value === a.role)
			return;
		button.disabled = select.disabled = true;
		try {
			const r = await post(`/api/v1/accounts/${encodeURIComponent(a.id)}/role`, { role: select.value });
			replace(r?.account ?? { ...a, role: select.value });
			render();
			say(t('admin.role_ok', { name: a.handle, role: roleName(select.value) }));
			focusOn($(sid));
		} catch (e) {
			showError(err, e);
			button.disabled = select.disabled = false;
		}
	});
	return form;
}

/* ---- languages ---- */

const LANGS_MAX = 16;

/* "ee, AK  tg-Cyrl" → ['ee', 'ak', 'tg-cyrl'], or null if a tag is not
   BCP 47 in form (the server checks again). */
function parseLanguages(s) {
	const tags = nfc(s).split(/[\s,;]+/).map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
	if (!tags.every((x) => /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/.test(x)))
		return null;
	return [...new Set(tags)];
}

function languagesOf(a) {
	return Array.isArray(a.languages) ? a.languages : [];
}

/* "Ewe (ee), Akan (ak)", or the words for none. */
function languagesText(list) {
	if (list.length === 0)
		return t('admin.languages_none');
	return list.map((l) => {
		const n = languageName(l);
		return n === l ? l : `${n} (${l})`;
	}).join(t('redact.separator'));
}

/*
** Checks the tags typed in ${input}; shows what is wrong in ${err} and
** returns null, or returns the list to send.
*/
function checkLanguages(input, err) {
	const tags = parseLanguages(input.value);
	if (tags === null || tags.length > LANGS_MAX) {
		showMessage(err, t(tags === null ? 'admin.languages_bad' : 'admin.languages_many', { max: LANGS_MAX }));
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return null;
	}
	input.removeAttribute('aria-invalid');
	return tags;
}

function languagesForm(a) {
	const lid = `langs-${a.id}`;
	const err = el('div', { class: 'alert', role: 'alert' });
	const input = el('input', {
		id: lid, name: 'languages', type: 'text', autocomplete: 'off', autocapitalize: 'none',
		spellcheck: 'false', 'aria-describedby': `${lid}-hint`,
	});
	input.value = languagesOf(a).join(', ');
	const button = el('button', { type: 'submit', class: 'secondary', text: t('admin.languages_save') });
	const form = el('form', { class: 'role-form languages-form', method: 'post', novalidate: true },
	    el('div', { class: 'field' },
		el('label', { for: lid, text: t('admin.languages_of', { name: a.handle }) }),
		el('p', { class: 'hint', id: `${lid}-hint`, text: t('admin.languages_hint') }),
		el('div', { class: 'inline' }, input, button)),
	    err);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearError(err);
		const languages = checkLanguages(input, err);
		if (languages === null)
			return;
		button.disabled = input.disabled = true;
		try {
			const r = await post(`/api/v1/accounts/${encodeURIComponent(a.id)}/languages`, { languages });
			replace(r?.account ?? { ...a, languages });
			if (self !== null && a.id === self.id)
				self = r?.account ?? self;
			render();
			say(t('admin.languages_ok', { name: a.handle, languages: languagesText(languages) }));
			focusOn($(lid));
		} catch (e) {
			showError(err, e);
			button.disabled = input.disabled = false;
		}
	});
	return form;
}

/* ---- card labels: the name or note on a card's stub ---- */

const LABEL_MAX = 60;
const SEARCH_MAX = 20;

function labelLine(a) {
	return el('p', { class: 'account-label' },
	    el('span', { class: 'muted', text: `${t('admin.card_label')}: ` }),
	    a.card_label ? a.card_label : t('admin.card_label_none'));
}

function labelForm(a, prefix) {
	const lid = `${prefix}label-${a.id}`;
	const err = el('div', { class: 'alert', role: 'alert' });
	const input = el('input', {
		id: lid, name: 'label', type: 'text', maxlength: String(LABEL_MAX), autocomplete: 'off',
		spellcheck: 'false', 'aria-describedby': `${lid}-hint`,
	});
	input.value = a.card_label ?? '';
	const button = el('button', { type: 'submit', class: 'secondary', text: t('admin.label_save') });
	const form = el('form', { class: 'role-form label-form', method: 'post', novalidate: true },
	    el('div', { class: 'field' },
		el('label', { for: lid, text: t('admin.label_of', { name: a.handle }) }),
		el('p', { class: 'hint', id: `${lid}-hint`, text: t('admin.label_hint', { max: LABEL_MAX }) }),
		el('div', { class: 'inline' }, input, button)),
	    err);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearError(err);
		const label = nfc(input.value).trim();
		button.disabled = input.disabled = true;
		try {
			const r = await post(`/api/v1/accounts/${encodeURIComponent(a.id)}/card-label`, { label });
			replace(r?.account ?? { ...a, card_label: label || null });
			redraw();
			say(t('admin.label_ok', { name: a.handle }));
			focusOn($(lid));
		} catch (e) {
			showError(err, e);
			button.disabled = input.disabled = false;
		}
	});
	return form;
}

/* The button that asks to ${what} ('card': re-issue, or 'disable') the
   account ${a} shown under ${headingId}: it opens the confirmation. */
function askButton(a, what, headingId) {
	const b = el('button', {
		type: 'button', class: what === 'disable' ? 'danger secondary' : 'secondary',
		[`data-${what}`]: String(a.id), 'aria-describedby': headingId,
		text: t(what === 'disable' ? 'admin.disable' : 'admin.card'),
	});
	b.addEventListener('click', () => {
		open = { id: a.id, what, at: headingId };
		$('status').replaceChildren();
		redraw();
		focusOn(document.getElementById(`${headingId}-q`));
	});
	return b;
}

/* Re-issue only for an account that has a card to replace; for one that
   never had one, why there is none. */
function cardButton(a, headingId) {
	return a.card ? askButton(a, 'card', headingId) : el('p', { class: 'hint', text: t('admin.no_card') });
}

/* One account a card search found: a maintainer's view of it. */
function holderItem(a) {
	const headingId = `holder-${a.id}`;
	const li = el('li', { class: 'card account', 'data-holder': String(a.id) },
	    el('div', { class: 'consent-head' },
		el('h3', { id: headingId, text: a.handle }),
		el('span', { class: 'badges' },
		    el('span', { class: `badge role ${a.role}`, text: roleName(a.role) }),
		    a.disabled ? el('span', { class: 'badge withdrawn', text: t('admin.disabled') }) : null)),
	    el('p', { class: 'muted account-no', text: t('admin.number', { id: a.id }) }),
	    labelLine(a));
	if (a.disabled || (self !== null && a.id === self.id))
		return li;
	if (a.card)
		li.append(labelForm(a, 'h'));
	if (open !== null && open.id === a.id && open.at === headingId && open.what === 'card')
		li.append(confirmPanel(a, 'card', headingId));
	else
		li.append(el('div', { class: 'buttons' }, cardButton(a, headingId)));
	return li;
}

function renderHolders() {
	$('search-hint').textContent = t('admin.search_hint', { max: SEARCH_MAX });
	if ($('card-search').dataset.searched !== 'yes')
		return;
	$('search-count').textContent = holders.length === 0
	    ? t('admin.search_none')
	    : t('admin.search_found', { n: holders.length });
	$('search-results').replaceChildren(...holders.map(holderItem));
}

/* Marks ${input} as wrong, says ${text} (if any) in ${box}, and focuses it. */
function refuse(input, box, text) {
	if (text !== null)
		showMessage(box, text);
	input.setAttribute('aria-invalid', 'true');
	input.focus();
}

async function onSearch(ev) {
	ev.preventDefault();
	const box = $('search-error');
	const input = $('search-q');
	clearError(box);
	const q = nfc(input.value).trim();
	if (q === '') {
		refuse(input, box, null);
		return;
	}
	input.removeAttribute('aria-invalid');
	const button = ev.currentTarget.querySelector('button');
	button.disabled = true;
	try {
		const r = await get(`/api/v1/accounts/search?q=${encodeURIComponent(q)}`);
		holders = Array.isArray(r?.accounts) ? r.accounts : [];
		open = null;
		$('card-search').dataset.searched = 'yes';
		renderHolders();
	} catch (e) {
		showError(box, e);
	} finally {
		button.disabled = false;
	}
}

function item(a) {
	const headingId = `account-${a.id}`;
	const me_ = self !== null && a.id === self.id;
	const badges = el('span', { class: 'badges' },
	    el('span', { class: `badge role ${a.role}`, text: roleName(a.role) }));
	if (a.disabled)
		badges.append(el('span', { class: 'badge withdrawn', text: t('admin.disabled') }));
	const li = el('li', { class: 'card account', 'data-account': String(a.id) },
	    el('div', { class: 'consent-head' },
		el('h3', { id: headingId, text: a.handle }),
		badges),
	    el('p', { class: 'muted account-no', text: t('admin.number', { id: a.id }) }),
	    el('p', { class: 'account-langs', 'data-languages': languagesOf(a).join(',') },
		el('span', { class: 'muted', text: `${t('admin.languages')}: ` }),
		languagesText(languagesOf(a))),
	    a.card ? labelLine(a) : null);
	if (me_) {
		li.append(el('p', { class: 'hint', text: t('admin.is_you') }), languagesForm(a));
		return li;
	}
	if (a.disabled)
		return li;
	li.append(roleForm(a), languagesForm(a));
	if (a.card)
		li.append(labelForm(a, ''));
	if (open !== null && open.id === a.id && open.at === headingId) {
		li.append(confirmPanel(a, open.what, headingId));
		return li;
	}
	li.append(el('div', { class: 'buttons' }, cardButton(a, headingId), askButton(a, 'disable', headingId)));
	return li;
}

function render() {
	if ($('admin-view').hidden)
		return;
	const q = nfc($('filter').value).trim().toLowerCase();
	const shown = accounts.filter((a) => q === '' || a.handle.toLowerCase().includes(q) ||
	    (a.card_label ?? '').toLowerCase().includes(q) ||
	    String(a.id) === q || roleName(a.role).toLowerCase().includes(q) || a.role.includes(q) ||
	    languagesOf(a).includes(q));
	$('count').textContent = q === ''
	    ? tn('admin.count', accounts.length)
	    : t('admin.count_filtered', { n: shown.length, total: accounts.length });
	$('accounts').replaceChildren(...shown.map(item));
}

function fillRoleChoices() {
	const s = $('new-role');
	const v = s.value || 'contributor';
	s.replaceChildren(...roleSelect('x', v).children);
	s.value = v;
}

/* ---- creating ---- */

async function onCreate(ev) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const box = $('create-error');
	const handle = $('new-handle');
	const pass = $('new-pass');
	clearError(box);
	handle.removeAttribute('aria-invalid');
	pass.removeAttribute('aria-invalid');
	const h = nfc(handle.value).trim().toLowerCase();
	const p = nfc(pass.value);
	if (!/^[a-z0-9._-]{3,32}$/.test(h)) {
		showMessage(box, t('join.bad_handle'));
		handle.setAttribute('aria-invalid', 'true');
		handle.focus();
		return;
	}
	if (p !== '' && [...p].length < 10) {
		showMessage(box, t('join.short_pass'));
		pass.setAttribute('aria-invalid', 'true');
		pass.focus();
		return;
	}
	const body = { handle: h, role: $('new-role').value };
	if (p !== '')
		body.passphrase = p;
	const button = form.querySelector('button[type=submit]');
	button.disabled = true;
	try {
		const r = await post('/api/v1/accounts', body);
		const a = r?.account;
		if (a)
			replace(a);
		form.reset();
		fillRoleChoices();
		$('filter').value = '';
		render();
		say(t('admin.created_ok', { name: a?.handle ?? h, role: roleName(a?.role ?? body.role) }));
		focusOn($('status'));
	} catch (e) {
		showError(box, e);
		if (e instanceof ApiError && e.code === 'handle_taken') {
			handle.setAttribute('aria-invalid', 'true');
			handle.focus();
		}
	} finally {
		button.disabled = false;
	}
}

/* ---- maintainers: a card by account number ---- */

async function onById(ev) {
	ev.preventDefault();
	const box = $('byid-error');
	const input = $('byid');
	clearError(box);
	const id = nfc(input.value).trim();
	if (!/^[0-9]{1,18}$/.test(id)) {
		refuse(input, box, t('admin.need_number'));
		return;
	}
	input.removeAttribute('aria-invalid');
	const button = ev.currentTarget.querySelector('button');
	button.disabled = true;
	try {
		const r = await post(`/api/v1/accounts/${encodeURIComponent(id)}/card`);
		input.value = '';
		showCode({ id }, String(r?.code ?? ''));
	} catch (e) {
		showError(box, e);
	} finally {
		button.disabled = false;
	}
}

/* ---- maintainers: languages by account number ---- */

async function onLangsById(ev) {
	ev.preventDefault();
	const box = $('langs-byid-error');
	const idInput = $('langs-byid');
	clearError(box);
	const id = nfc(idInput.value).trim();
	if (!/^[0-9]{1,18}$/.test(id)) {
		refuse(idInput, box, t('admin.need_number'));
		return;
	}
	idInput.removeAttribute('aria-invalid');
	const languages = checkLanguages($('langs-list'), box);
	if (languages === null)
		return;
	const button = ev.currentTarget.querySelector('button');
	button.disabled = true;
	try {
		const r = await post(`/api/v1/accounts/${encodeURIComponent(id)}/languages`, { languages });
		const a = r?.account;
		say(t('admin.languages_ok', {
			name: a?.handle ?? t('admin.number', { id }),
			languages: languagesText(Array.isArray(a?.languages) ? a.languages : languages),
		}));
		focusOn($('status'));
	} catch (e) {
		showError(box, e);
	} finally {
		button.disabled = false;
	}
}

/* ---- your own passphrase ---- */

async function onMyPass(ev) {
	ev.preventDefault();
	const box = $('mypass-error');
	const input = $('mypass');
	clearError(box);
	const passphrase = nfc(input.value);
	if (passphrase.length < 10) {
		showMessage(box, t('admin.mypass_short'));
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return;
	}
	input.removeAttribute('aria-invalid');
	const button = ev.currentTarget.querySelector('button');
	button.disabled = true;
	try {
		await post('/api/v1/me/passphrase', { passphrase });
		input.value = '';
		say(t('admin.mypass_saved'));
		/* set now: the hint to set one has done its work */
		$('mypass-hint').hidden = true;
	} catch (e) {
		showError(box, e);
	} finally {
		button.disabled = false;
	}
}

/* ---- the organization behind the node (admins) ---- */

function fillOrg(st) {
	$('org-name').value = st?.org_name ?? '';
	$('org-contact').value = st?.org_contact ?? '';
	$('org-about').value = st?.org_about ?? '';
	$('handle-signup').checked = st?.handle_signup !== false;
}

async function onOrg(ev) {
	ev.preventDefault();
	const box = $('org-error');
	clearError(box);
	const body = {
		org_name: nfc($('org-name').value).trim(),
		org_contact: nfc($('org-contact').value).trim(),
		org_about: nfc($('org-about').value).trim(),
		handle_signup: $('handle-signup').checked,
	};
	const button = ev.currentTarget.querySelector('button[type=submit]');
	button.disabled = true;
	try {
		fillOrg(await post('/api/v1/settings', body));
		say(t('admin.org_saved'));
		focusOn($('status'));
	} catch (e) {
		showError(box, e);
	} finally {
		button.disabled = false;
	}
}

/* ---- entering ---- */

async function enter(account) {
	self = account;
	showNav(account);
	$('logged-out').hidden = true;
	renderHolders();
	try {
		const r = await get('/api/v1/accounts');
		accounts = Array.isArray(r?.accounts) ? r.accounts : [];
	} catch (e) {
		if (e instanceof ApiError && e.status === 403) {
			/* maintainers still re-issue lost cards */
			const m = account?.role === 'maintainer';
			const note = $('not-allowed-text');
			note.dataset.i18n = m ? 'admin.maintainer_only' : 'admin.not_allowed';
			note.textContent = t(note.dataset.i18n);
			$('not-allowed').hidden = false;
			$('card-search').hidden = !m;
			$('reissue-by-id').hidden = !m;
			$('langs-by-id').hidden = !m;
			return;
		}
		throw e;
	}
	fillRoleChoices();
	$('admin-view').hidden = false;
	$('card-search').hidden = false;
	render();
	try {
		fillOrg(await get('/api/v1/settings'));
	} catch (e) {
		showError($('org-error'), e);
	}
}

async function onCode(ev) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const box = $('code-error');
	const input = $('code');
	clearError(box);
	const code = nfc(input.value).trim();
	if (code.replace(/[^0-9A-Za-z]/g, '').length < 4) {
		showMessage(box, t('admin.need_code'));
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return;
	}
	input.removeAttribute('aria-invalid');
	const button = form.querySelector('button');
	button.disabled = true;
	try {
		const r = await post('/api/v1/login', { code });
		input.value = '';
		await enter(r?.account ?? null);
		say(t('admin.logged_in', { name: r?.account?.handle ?? '' }));
	} catch (e) {
		showError(box, e);
		input.setAttribute('aria-invalid', 'true');
		input.focus();
	} finally {
		button.disabled = false;
	}
}

start(async () => {
	$('code-form').addEventListener('submit', onCode);
	$('create-form').addEventListener('submit', onCreate);
	$('byid-form').addEventListener('submit', onById);
	$('langs-byid-form').addEventListener('submit', onLangsById);
	$('mypass-form').addEventListener('submit', onMyPass);
	$('org-form').addEventListener('submit', onOrg);
	$('search-form').addEventListener('submit', onSearch);
	$('filter').addEventListener('input', render);
	$('reissue-close').addEventListener('click', () => {
		$('reissue-result').hidden = true;
		$('reissue-code').textContent = '';
		shownFor = null;
		focusOn($('admin-view').hidden ? $('main') : $('list-h'));
	});
	document.addEventListener('langchange', () => {
		if (!$('admin-view').hidden)
			fillRoleChoices();
		renderCodeFor();
		redraw();
	});
	const who = await me();
	if (who === null) {
		$('logged-out').hidden = false;
		return;
	}
	await enter(who.account ?? null);
});
