/*
** The recorder's audio thread: copies the microphone's samples (mixed down
** to mono) into blocks of BLOCK frames and posts each block, a
** Float32Array, to the page, which owns the recording. The context runs at
** the drive's sample rate, so the browser has already resampled.
**
** Messages from the page: "stop" posts what is left (a shorter block) and
** then {done: true}; nothing is taken after it.
*/
const BLOCK = 2048;

class TributaryRecorder extends AudioWorkletProcessor {
	constructor() {
		super();
		this.buf = new Float32Array(BLOCK);
		this.n = 0;
		this.stopped = false;
		this.port.onmessage = (ev) => {
			if (ev.data === 'stop' && !this.stopped) {
				this.stopped = true;
				this.flush();
				this.port.postMessage({ done: true });
			}
		};
	}

	flush() {
		if (this.n === 0)
			return;
		const out = this.buf.slice(0, this.n);
		this.port.postMessage({ samples: out }, [out.buffer]);
		this.n = 0;
	}

	process(inputs) {
		if (this.stopped)
			return false;
		const input = inputs[0];
		if (!input || input.length === 0)
			return true; /* no input yet: keep waiting */
		const frames = input[0].length;
		const chans = input.length;
		for (let i = 0; i < frames; i++) {
			let s = 0;
			for (let c = 0; c < chans; c++)
				s += input[c][i];
			this.buf[this.n++] = chans === 1 ? s : s / chans;
			if (this.n === BLOCK)
				this.flush();
		}
		return true;
	}
}

registerProcessor('tributary-recorder', TributaryRecorder);
