/*
** A tiny Markdown renderer for consent documents: "#"-headings (with an
** optional {#anchor}), paragraphs, "- " lists (with indented continuation
** lines), **bold** and `code`. It builds DOM nodes and sets only
** textContent: server text never becomes markup.
*/

const HEADING = /^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$/;
const ANCHOR = /[ \t]*\{#([A-Za-z0-9_-]+)\}[ \t]*$/;
const ITEM = /^ {0,3}[-*+][ \t]+(.*)$/;
const CONT = /^(?: {2,}|\t)\S/;
const INLINE = /\*\*(.+?)\*\*|`([^`]+)`/g;

/* Appends ${text} to ${parent}, with **bold** and `code` as elements. */
export function renderInline(parent, text) {
	let last = 0;
	for (const m of text.matchAll(INLINE)) {
		if (m.index > last)
			parent.append(document.createTextNode(text.slice(last, m.index)));
		const el = document.createElement(m[1] !== undefined ? 'strong' : 'code');
		el.textContent = m[1] !== undefined ? m[1] : m[2];
		parent.append(el);
		last = m.index + m[0].length;
	}
	if (last < text.length)
		parent.append(document.createTextNode(text.slice(last)));
}

/*
** ${src} as a DocumentFragment. ${opts.headingOffset} shifts heading levels
** ("##" becomes h3 with the default 1); ${opts.idPrefix} prefixes anchors
** so two documents on one page keep distinct ids.
*/
export function renderMarkdown(src, opts = {}) {
	const offset = opts.headingOffset ?? 1;
	const prefix = opts.idPrefix ?? '';
	const frag = document.createDocumentFragment();
	const lines = String(src ?? '').replace(/\r\n?/g, '\n').split('\n');
	let para = null; /* lines of the open paragraph */
	let list = null; /* the open <ul> */
	let item = null; /* lines of the open <li> */
	let blank = false; /* was the previous line blank? */

	const flushPara = () => {
		if (para !== null) {
			const p = document.createElement('p');
			renderInline(p, para.join(' '));
			frag.append(p);
			para = null;
		}
	};
	const flushItem = () => {
		if (item !== null) {
			const li = document.createElement('li');
			renderInline(li, item.join(' '));
			list.append(li);
			item = null;
		}
	};
	const closeList = () => {
		flushItem();
		if (list !== null) {
			frag.append(list);
			list = null;
		}
	};

	for (const raw of lines) {
		const line = raw.replace(/\s+$/, '');
		let m;
		if (line === '') {
			flushPara();
			blank = true;
			continue;
		}
		if ((m = HEADING.exec(line)) !== null) {
			flushPara();
			closeList();
			let text = m[2];
			let id = null;
			const a = ANCHOR.exec(text);
			if (a !== null) {
				id = prefix + a[1];
				text = text.slice(0, a.index);
			}
			const level = Math.min(6, m[1].length + offset);
			const h = document.createElement(`h${level}`);
			if (id !== null)
				h.id = id;
			renderInline(h, text);
			frag.append(h);
		} else if ((m = ITEM.exec(line)) !== null) {
			flushPara();
			if (list === null)
				list = document.createElement('ul');
			flushItem();
			item = [m[1].trim()];
		} else if (item !== null && (CONT.test(line) || !blank)) {
			/* an indented (or, right after it, lazy) continuation */
			item.push(line.trim());
		} else {
			closeList();
			if (para === null)
				para = [];
			para.push(line.trim());
		}
		blank = false;
	}
	flushPara();
	closeList();
	return frag;
}
