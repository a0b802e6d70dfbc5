/*
** Home: the explanation is static; list the open collection drives, and
** show the organization that runs the node (its name, who it is, how to
** reach it), as the consent text promises.
*/
import { t, languageName } from './i18n.js';
import { get } from './api.js';
import { $, el, start, driveTitle, consentHref } from './page.js';

let campaigns = [];

function render() {
	const ul = $('drives');
	ul.replaceChildren();
	for (const c of campaigns) {
		const href = consentHref(c);
		const kind = t(`kind.${c.kind}`);
		const meta = t('home.drive_meta', {
			language: languageName(c.language),
			kind: kind === `kind.${c.kind}` ? c.kind : kind,
		});
		ul.append(el('li', {},
		    el('a', { href },
			Object.assign(driveTitle(c), { className: 'drive-title' }),
			el('span', { class: 'drive-meta', text: meta }))));
	}
	$('drives-section').hidden = campaigns.length === 0;
}

/* ${text} with its line breaks kept, as children of ${node}. */
function lines(node, text) {
	node.replaceChildren();
	String(text).split('\n').forEach((l, i) => {
		if (i > 0)
			node.append(el('br'));
		node.append(l);
	});
}

async function showOrganization() {
	let st = null;
	try {
		st = await get('/api/v1/settings');
	} catch {
		return; /* the home page works without it */
	}
	const name = st?.org_name ?? '';
	const about = st?.org_about ?? '';
	const contact = st?.org_contact ?? '';
	if (name === '' && about === '' && contact === '')
		return;
	$('org-name').textContent = name;
	$('org-name').hidden = name === '';
	lines($('org-about'), about);
	$('org-about').hidden = about === '';
	lines($('org-contact'), contact);
	for (const id of ['org-contact-title', 'org-contact-text', 'org-contact'])
		$(id).hidden = contact === '';
	$('org-section').hidden = false;
}

start(async () => {
	document.addEventListener('langchange', render);
	showOrganization();
	try {
		const r = await get('/api/v1/campaigns');
		campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	} catch {
		campaigns = []; /* the home page works without the list */
	}
	render();
});
