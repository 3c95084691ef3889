/**
 * A progress display for data-set runs on stderr: a redrawn bar with count, rate and ETA on a
 * terminal; plain, timestamp-free lines at a bounded rate otherwise (CI logs, cluster job logs).
 */

/** Where the progress goes: `process.stderr` or anything with the same few members. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Text before the bar, e.g. `pointing-game cameras`. */
  label?: string;
  /** Items already done before this process started (a resumed run): shown, not used for the rate. */
  initial?: number;
  /** Output stream (default `process.stderr`). */
  stream?: ProgressStream;
  /** Minimum milliseconds between plain-text lines (default 10 000); a TTY redraws at most every 100 ms. */
  intervalMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** Format seconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Progress of a run over `total` items. */
export class Progress {
  private done: number;
  private readonly initial: number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly label: string;
  private finished = false;
  private drewComplete = false;

  constructor(readonly total: number, options: ProgressOptions = {}) {
    if (!Number.isInteger(total) || total < 0) throw new RangeError(`Progress: bad total ${total}`);
    this.initial = options.initial ?? 0;
    this.done = this.initial;
    this.now = options.now ?? (() => Date.now());
    this.start = this.now();
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.interval = this.tty ? 100 : (options.intervalMs ?? 10_000);
    this.label = options.label ?? '';
  }

  /** Items per second over this process's items (NaN before the first). */
  rate(): number {
    const dt = (this.now() - this.start) / 1000;
    const n = this.done - this.initial;
    return n > 0 && dt > 0 ? n / dt : Number.NaN;
  }

  /** Seconds left at the current rate (NaN when unknown). */
  eta(): number {
    const r = this.rate();
    return Number.isNaN(r) ? Number.NaN : (this.total - this.done) / r;
  }

  /** The status text: `label 45/100 (45.0%) 2.31 it/s ETA 0:24`. */
  text(): string {
    const pct = this.total > 0 ? ((100 * this.done) / this.total).toFixed(1) : '100.0';
    const r = this.rate();
    const rate = Number.isNaN(r) ? '-- it/s' : r >= 1 ? `${r.toFixed(2)} it/s` : `${(1 / r).toFixed(1)} s/it`;
    const tail = this.done >= this.total ? `elapsed ${formatDuration((this.now() - this.start) / 1000)}` : `ETA ${formatDuration(this.eta())}`;
    return `${this.label ? `${this.label} ` : ''}${this.done}/${this.total} (${pct}%) ${rate} ${tail}`;
  }

  /** Record `n` more finished items (an optional message is shown after the status). */
  tick(n = 1, message?: string): void {
    this.done = Math.min(this.total, this.done + n);
    this.draw(message, this.done >= this.total);
  }

  /** Finish: draw the final state and end the line. */
  finish(message?: string): void {
    if (this.finished) return;
    if (!this.drewComplete || message) this.draw(message, true);
    if (this.tty) this.stream.write('\n');
    this.finished = true;
  }

  private draw(message: string | undefined, force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    this.drewComplete = this.done >= this.total;
    const status = this.text() + (message ? ` ${message}` : '');
    if (!this.tty) {
      this.stream.write(`${status}\n`);
      return;
    }
    const cols = this.stream.columns ?? 80;
    const barWidth = Math.max(10, Math.min(30, cols - status.length - 4));
    const filled = this.total > 0 ? Math.round((barWidth * this.done) / this.total) : barWidth;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${status}`;
    this.stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
  }
}
