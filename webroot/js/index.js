/* Home: the explanation is static; list the open collection drives. */
import { t, languageName } from './i18n.js';
import { get } from './api.js';
import { $, el, start } from './page.js';

let campaigns = [];

function render() {
	const ul = $('drives');
	ul.replaceChildren();
	for (const c of campaigns) {
		const href = `consent.html?campaign=${encodeURIComponent(c.slug)}`;
		const kind = t(`kind.${c.kind}`);
		const meta = t('home.drive_meta', {
			language: languageName(c.language),
			kind: kind === `kind.${c.kind}` ? c.kind : kind,
		});
		ul.append(el('li', {},
		    el('a', { href },
			el('span', { class: 'drive-title', text: c.title }),
			el('span', { class: 'drive-meta', text: meta }))));
	}
	$('drives-section').hidden = campaigns.length === 0;
}

start(async () => {
	document.addEventListener('langchange', render);
	try {
		const r = await get('/api/v1/campaigns');
		campaigns = Array.isArray(r?.campaigns) ? r.campaigns : [];
	} catch {
		campaigns = []; /* the home page works without the list */
	}
	render();
});
