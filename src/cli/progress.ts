/**
 * Progress for long waits: on a terminal one line rewritten in place; otherwise a plain line
 * when the text changes, and at least every `everyMs`.
 */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #everyMs: number;
  #last = "";
  #lastAt = 0;

  constructor(out: NodeJS.WriteStream = process.stderr, everyMs = 10_000) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#everyMs = everyMs;
  }

  update(text: string): void {
    if (this.#tty) {
      this.#out.write(`\r\x1b[2K${text}`);
    } else if (text !== this.#last || Date.now() - this.#lastAt >= this.#everyMs) {
      this.#out.write(`${new Date().toISOString()} ${text}\n`);
      this.#lastAt = Date.now();
    }
    this.#last = text;
  }

  done(text: string): void {
    if (this.#tty) this.#out.write(`\r\x1b[2K${text}\n`);
    else this.#out.write(`${new Date().toISOString()} ${text}\n`);
  }
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
