/*
** Recording speech in the page: the microphone through an AudioWorklet
** (recorder-worklet.js) in an AudioContext running at the drive's sample
** rate, so the browser resamples; the Float32 blocks become 16-bit mono
** PCM (clamped and rounded) and, when the recording stops, a WAV file:
** the 44-byte header and the samples, nothing else. Nothing leaves the
** phone here: the caller decides what to do with the take.
**
** mountRecorder() builds the controls every recording page shares: Record
** and Stop, a live level meter and the time, warnings for silence and
** clipping, auto-stop at the longest allowed time, a player to listen
** before sending, and Record again.
*/
import { t } from './i18n.js';
import { el } from './page.js';

/* A block whose loudest sample is under this is "nothing heard". */
const SILENT_PEAK = 0.01; /* -40 dBFS */
/* A sample this close to full scale is clipped. */
const CLIP_LEVEL = 32440; /* 0.99 of full scale, in 16-bit */
/* Clipped samples in one block that make the live warning show. */
const CLIP_BLOCK = 3;
/* Seconds of nothing heard before the live warning shows. */
const SILENT_WAIT = 2;

/*
** Why recording cannot work on this page, or null if it can:
** 'insecure' (not https: browsers only give the microphone to a secure
** address), 'no_media' (no getUserMedia), 'no_worklet' (no AudioWorklet).
*/
export function recordingProblem() {
	if (!window.isSecureContext)
		return 'insecure';
	if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function')
		return 'no_media';
	const AC = window.AudioContext || window.webkitAudioContext;
	if (!AC || typeof AudioWorkletNode !== 'function')
		return 'no_worklet';
	return null;
}

/* Float samples in [-1, 1] as 16-bit integers: clamped, then rounded. */
export function toPcm16(f32) {
	const out = new Int16Array(f32.length);
	for (let i = 0; i < f32.length; i++) {
		let x = f32[i];
		if (!(x > -1)) /* also NaN */
			x = x === x ? -1 : 0;
		else if (x > 1)
			x = 1;
		out[i] = Math.round(x * 32767);
	}
	return out;
}

/* A WAV file (RIFF, PCM, 16-bit, mono) of ${samples} at ${rate} Hz. */
export function wavBlob(samples, rate) {
	const data = samples.length * 2;
	const head = new DataView(new ArrayBuffer(44));
	const ascii = (at, s) => {
		for (let i = 0; i < s.length; i++)
			head.setUint8(at + i, s.charCodeAt(i));
	};
	ascii(0, 'RIFF');
	head.setUint32(4, 36 + data, true);
	ascii(8, 'WAVE');
	ascii(12, 'fmt ');
	head.setUint32(16, 16, true); /* fmt chunk size */
	head.setUint16(20, 1, true); /* PCM */
	head.setUint16(22, 1, true); /* mono */
	head.setUint32(24, rate, true);
	head.setUint32(28, rate * 2, true); /* bytes per second */
	head.setUint16(32, 2, true); /* bytes per frame */
	head.setUint16(34, 16, true); /* bits per sample */
	ascii(36, 'data');
	head.setUint32(40, data, true);
	/* WAV is little-endian; so is every phone this runs on, but be sure. */
	let body = samples;
	if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
		const dv = new DataView(new ArrayBuffer(data));
		samples.forEach((s, i) => dv.setInt16(i * 2, s, true));
		body = dv;
	}
	return new Blob([head, body], { type: 'audio/wav' });
}

/* The size in bytes of a WAV of ${seconds} at ${rate} Hz. */
export function wavBytes(seconds, rate) {
	return 44 + Math.round(seconds * rate) * 2;
}

/* Loudest sample, RMS (both 0..1) and clipped samples of a take. */
export function analyse(samples) {
	let peak = 0;
	let sum = 0;
	let clipped = 0;
	for (let i = 0; i < samples.length; i++) {
		const s = samples[i];
		const a = s < 0 ? -s : s;
		if (a > peak)
			peak = a;
		if (a >= CLIP_LEVEL)
			clipped++;
		sum += s * s;
	}
	const n = samples.length || 1;
	return {
		peak: peak / 32768,
		rms: Math.sqrt(sum / n) / 32768,
		clipped,
		silent: peak / 32768 < SILENT_PEAK,
		clipping: clipped >= Math.max(CLIP_BLOCK, samples.length / 2000),
	};
}

/* A level 0..1 for the meter: -60 dBFS .. 0 dBFS. */
function meterLevel(peak) {
	if (peak <= 0.001)
		return 0;
	return Math.max(0, Math.min(1, (20 * Math.log10(peak) + 60) / 60));
}

/*
** One recording. start() asks for the microphone (call it from a tap: the
** AudioContext needs the gesture); the recording ends by stop() or, at
** ${maxSeconds}, by itself; either way ${onStop} gets the take:
** {samples: Int16Array, rate, duration, blob, why: 'stop'|'max'}.
** ${onBlock}({level, peak, clipped, seconds}) follows it live.
*/
export class Recorder {
	constructor({ sampleRate, maxSeconds, onBlock, onStop }) {
		this.rate = sampleRate;
		this.limit = Math.floor(maxSeconds * sampleRate);
		this.onBlock = onBlock || (() => {});
		this.onStop = onStop || (() => {});
		this.chunks = [];
		this.frames = 0;
		this.state = 'idle';
		this.why = 'stop';
	}

	async start() {
		const AC = window.AudioContext || window.webkitAudioContext;
		this.state = 'starting';
		/* The context first, in the tap's own turn (Safari and Chrome
		   only start audio from a gesture), then the microphone. */
		let ctx;
		try {
			ctx = new AC({ sampleRate: this.rate, latencyHint: 'interactive' });
		} catch (e) {
			this.state = 'idle';
			throw Object.assign(new Error(e.message), { name: 'RateError' });
		}
		this.ctx = ctx;
		try {
			this.stream = await navigator.mediaDevices.getUserMedia({
				audio: {
					channelCount: 1,
					echoCancellation: false,
					noiseSuppression: false,
					autoGainControl: false,
				},
			});
			await ctx.audioWorklet.addModule(new URL('./recorder-worklet.js', import.meta.url));
			if (this.state !== 'starting')
				throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
			this.source = ctx.createMediaStreamSource(this.stream);
			this.node = new AudioWorkletNode(ctx, 'tributary-recorder', {
				numberOfInputs: 1,
				numberOfOutputs: 1,
				outputChannelCount: [1],
				channelCountMode: 'explicit',
				channelCount: 1,
				channelInterpretation: 'speakers',
			});
			this.node.port.onmessage = (ev) => this.message(ev.data);
			this.source.connect(this.node);
			/* Its output is silence; being connected keeps it pulled. */
			this.node.connect(ctx.destination);
			if (ctx.state === 'suspended')
				await ctx.resume();
			this.state = 'recording';
		} catch (e) {
			this.release();
			this.state = 'idle';
			throw e;
		}
	}

	message(d) {
		if (d && d.samples instanceof Float32Array) {
			if (this.state !== 'recording' && this.state !== 'stopping')
				return;
			let block = toPcm16(d.samples);
			if (this.frames + block.length >= this.limit) {
				block = block.subarray(0, this.limit - this.frames);
				this.push(block);
				if (this.state === 'recording') {
					this.why = 'max';
					this.finish();
				}
				return;
			}
			this.push(block);
		} else if (d && d.done && this.state === 'stopping')
			this.finish();
	}

	push(block) {
		if (block.length === 0)
			return;
		this.chunks.push(block);
		this.frames += block.length;
		let peak = 0;
		let clipped = 0;
		for (let i = 0; i < block.length; i++) {
			const a = Math.abs(block[i]);
			if (a > peak)
				peak = a;
			if (a >= CLIP_LEVEL)
				clipped++;
		}
		this.onBlock({
			level: meterLevel(peak / 32768),
			peak: peak / 32768,
			clipped,
			seconds: this.frames / this.rate,
		});
	}

	/* Stops: the worklet hands over what it still holds, then the take. */
	stop() {
		if (this.state === 'starting') {
			this.state = 'cancelled';
			return;
		}
		if (this.state !== 'recording')
			return;
		this.state = 'stopping';
		this.node.port.postMessage('stop');
		/* should the audio thread never answer (a suspended context) */
		this.timer = setTimeout(() => this.finish(), 1500);
	}

	finish() {
		if (this.state === 'done')
			return;
		this.state = 'done';
		clearTimeout(this.timer);
		this.release();
		const samples = new Int16Array(this.frames);
		let at = 0;
		for (const c of this.chunks) {
			samples.set(c, at);
			at += c.length;
		}
		this.chunks = [];
		this.onStop({
			samples,
			rate: this.rate,
			duration: samples.length / this.rate,
			blob: wavBlob(samples, this.rate),
			why: this.why,
		});
	}

	/* Lets go of the microphone and the audio context. */
	release() {
		try {
			this.source?.disconnect();
			this.node?.disconnect();
		} catch {
			/* already gone */
		}
		if (this.node)
			this.node.port.onmessage = null;
		for (const tr of this.stream?.getTracks() ?? [])
			tr.stop();
		if (this.ctx && this.ctx.state !== 'closed')
			this.ctx.close().catch(() => {});
		this.stream = this.source = this.node = this.ctx = null;
	}
}

/* Seconds as m:ss. */
export function clock(s) {
	const n = Math.max(0, Math.floor(s));
	return `${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}`;
}

/* Seconds as "3.2 s", in the page's language. */
export function secondsText(s) {
	return t('recorder.seconds', { n: (Math.round(s * 10) / 10).toLocaleString(document.documentElement.lang || undefined) });
}

/* The words for a microphone failure. */
function micError(e) {
	switch (e?.name) {
	case 'NotAllowedError':
	case 'SecurityError':
		return t('recorder.denied');
	case 'NotFoundError':
	case 'OverconstrainedError':
		return t('recorder.no_mic');
	case 'NotReadableError':
	case 'AbortError':
		return t('recorder.busy');
	case 'RateError':
	case 'NotSupportedError':
		return t('recorder.rate');
	default:
		return t('recorder.failed', { message: e?.message || String(e) });
	}
}

/*
** The recorder's controls in ${root}. ${opts}: sampleRate, minSeconds,
** maxSeconds, idPrefix (element ids), onTake(take|null): a take long
** enough to send, or null when it is thrown away or a new one starts.
** Returns {render() (after a language change), reset(), take()}.
*/
export function mountRecorder(root, opts) {
	const p = opts.idPrefix || 'rec';
	const rate = opts.sampleRate || 16000;
	const minS = Number(opts.minSeconds) || 1;
	const maxS = Number(opts.maxSeconds) || 30;
	const onTake = opts.onTake || (() => {});

	const status = el('p', { id: `${p}-status`, class: 'rec-status', role: 'status', 'aria-live': 'polite' });
	const time = el('p', { id: `${p}-time`, class: 'rec-time', 'aria-hidden': 'true' });
	const meterLabel = el('label', { for: `${p}-meter`, class: 'rec-meter-label' });
	const meter = el('meter', {
		id: `${p}-meter`, class: 'rec-meter', min: '0', max: '1', low: '0.3', high: '0.92', optimum: '0.6', value: '0',
	});
	const warn = el('div', { id: `${p}-warn`, class: 'rec-warn', role: 'alert' });
	const record = el('button', { type: 'button', id: `${p}-record`, class: 'rec-button wide' });
	const stop = el('button', { type: 'button', id: `${p}-stop`, class: 'rec-button danger wide', hidden: true });
	const listenH = el('p', { id: `${p}-listen-h`, class: 'rec-listen-h' });
	const audio = el('audio', { id: `${p}-audio`, controls: true, preload: 'auto', 'aria-labelledby': `${p}-listen-h` });
	const facts = el('p', { id: `${p}-facts`, class: 'hint' });
	const again = el('button', { type: 'button', id: `${p}-again`, class: 'secondary wide' });
	const listen = el('div', { id: `${p}-listen`, class: 'rec-listen', hidden: true }, listenH, audio, facts, again);
	const live = el('div', { class: 'rec-live' }, meterLabel, meter, time);
	const box = el('div', { class: 'recorder' }, live, status, warn, record, stop, listen);
	root.replaceChildren(box);

	let rec = null;
	let take = null;
	let url = null;
	let quietSince = 0;
	let clippedNow = false;
	let state = 'idle'; /* idle | starting | recording | take */
	let statusKey = ['recorder.ready', { max: maxS }];
	let warnings = []; /* [key, vars] */
	let seconds = 0;

	function setStatus(key, vars) {
		statusKey = [key, vars];
		status.textContent = t(key, vars);
	}

	function setWarnings(list) {
		warnings = list;
		warn.replaceChildren(...list.map(([k, v]) => el('p', { text: t(k, v) })));
	}

	function renderTime() {
		time.textContent = t('recorder.time', { now: clock(seconds), max: clock(maxS) });
	}

	function render() {
		record.textContent = t('recorder.record');
		stop.textContent = t('recorder.stop');
		again.textContent = t('recorder.again');
		listenH.textContent = t('recorder.listen');
		meterLabel.textContent = t('recorder.level');
		status.textContent = t(statusKey[0], statusKey[1]);
		warn.replaceChildren(...warnings.map(([k, v]) => el('p', { text: t(k, v) })));
		if (take)
			facts.textContent = t('recorder.facts', {
				seconds: secondsText(take.duration),
				size: sizeText(take.blob.size),
			});
		renderTime();
		live.hidden = state === 'take';
	}

	function clearTake() {
		if (url)
			URL.revokeObjectURL(url);
		url = null;
		take = null;
		audio.removeAttribute('src');
		audio.load();
		listen.hidden = true;
	}

	function showTake(tk) {
		const a = analyse(tk.samples);
		const list = [];
		if (a.silent)
			list.push(['recorder.warn_silent']);
		else if (a.clipping)
			list.push(['recorder.warn_clipped']);
		if (tk.duration < minS) {
			list.push(['recorder.too_short', { min: minS }]);
			setWarnings(list);
			setStatus('recorder.ready', { max: maxS });
			state = 'idle';
			record.hidden = false;
			stop.hidden = true;
			meter.value = 0;
			render();
			record.focus();
			onTake(null);
			return;
		}
		take = { ...tk, analysis: a };
		url = URL.createObjectURL(tk.blob);
		audio.src = url;
		listen.hidden = false;
		setWarnings(list);
		setStatus(tk.why === 'max' ? 'recorder.stopped_max' : 'recorder.stopped', { max: maxS });
		state = 'take';
		record.hidden = true;
		stop.hidden = true;
		meter.value = 0;
		render();
		onTake(take);
	}

	async function onRecord() {
		if (state === 'starting' || state === 'recording')
			return;
		clearTake();
		onTake(null);
		setWarnings([]);
		seconds = 0;
		quietSince = 0;
		clippedNow = false;
		renderTime();
		state = 'starting';
		record.disabled = true;
		setStatus('recorder.asking');
		rec = new Recorder({
			sampleRate: rate,
			maxSeconds: maxS,
			onBlock(b) {
				seconds = b.seconds;
				meter.value = b.level;
				renderTime();
				if (b.peak >= SILENT_PEAK)
					quietSince = b.seconds;
				const quiet = b.seconds - quietSince >= SILENT_WAIT;
				const clip = b.clipped >= CLIP_BLOCK;
				if (clip)
					clippedNow = true;
				const list = [];
				if (quiet)
					list.push(['recorder.warn_quiet']);
				if (clippedNow)
					list.push(['recorder.warn_loud']);
				if (list.length !== warnings.length || list.some((w, i) => w[0] !== warnings[i][0]))
					setWarnings(list);
			},
			onStop(tk) {
				rec = null;
				showTake(tk);
				if (state === 'take')
					again.focus();
			},
		});
		try {
			await rec.start();
			if (rec === null || rec.state !== 'recording')
				return;
			state = 'recording';
			record.hidden = true;
			stop.hidden = false;
			stop.focus();
			setStatus('recorder.recording', { max: maxS });
		} catch (e) {
			rec = null;
			state = 'idle';
			setStatus('recorder.ready', { max: maxS });
			setWarnings([]);
			warn.replaceChildren(el('p', { text: micError(e) }));
		} finally {
			record.disabled = false;
		}
	}

	function onStopClick() {
		if (rec)
			rec.stop();
	}

	function onAgain() {
		clearTake();
		setWarnings([]);
		setStatus('recorder.ready', { max: maxS });
		state = 'idle';
		seconds = 0;
		record.hidden = false;
		render();
		onTake(null);
		onRecord();
	}

	record.addEventListener('click', onRecord);
	stop.addEventListener('click', onStopClick);
	again.addEventListener('click', onAgain);
	/* Leaving the page ends the recording and lets go of the microphone. */
	window.addEventListener('pagehide', () => rec?.stop());
	render();

	return {
		render,
		take: () => take,
		/* After the take was handed over: ready for the next one. */
		reset() {
			clearTake();
			setWarnings([]);
			setStatus('recorder.ready', { max: maxS });
			state = 'idle';
			seconds = 0;
			record.hidden = false;
			stop.hidden = true;
			render();
		},
		focus: () => record.focus(),
	};
}

/* Bytes in kB or MB, in the page's language. */
export function sizeText(bytes) {
	const lang = document.documentElement.lang || undefined;
	if (bytes < 1000 * 1000)
		return t('recorder.kb', { n: Math.max(1, Math.round(bytes / 1000)).toLocaleString(lang) });
	return t('recorder.mb', { n: (Math.round(bytes / 100000) / 10).toLocaleString(lang) });
}
