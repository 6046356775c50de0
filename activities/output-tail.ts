import type { Redactor } from './secrets';

export interface TailLimits {
  /** Lines kept. */
  maxLines: number;
  /** UTF-8 bytes kept, newlines included (a single line longer than this is still kept). */
  maxBytes: number;
  /** A longer line keeps its end, prefixed with `…`. */
  maxLineChars: number;
}

interface Partial {
  text: string;
  truncated: boolean;
}

/**
 * A bounded, redacted tail of a process's output. Memory stays O(limits + longest secret)
 * whatever the command prints: whole chunks of lines beyond `maxLines` are never kept, and a line
 * that never ends is cut as it grows.
 */
export class OutputTail {
  private readonly lines: string[] = [];
  private bytes = 0;
  private readonly partials = new Map<string, Partial>();
  private last: string | undefined;

  constructor(
    private readonly limits: TailLimits,
    private readonly redactor: Redactor,
  ) {}

  /** Adds a decoded chunk of `stream`; returns whether at least one line was completed. */
  write(stream: string, chunk: string): boolean {
    const partial = this.partials.get(stream) ?? { text: '', truncated: false };
    const pieces = chunk.split('\n');
    const rest = pieces.pop() ?? '';
    if (pieces.length === 0) {
      this.partials.set(stream, this.bound({ text: partial.text + rest, truncated: partial.truncated }));
      return false;
    }
    // Only the last maxLines completed lines can survive, so the others are never processed.
    const first = pieces.length > this.limits.maxLines ? pieces.length - this.limits.maxLines : 0;
    if (first === 0) this.push(partial.text + (pieces[0] ?? ''), partial.truncated);
    for (let i = Math.max(first, 1); i < pieces.length; i += 1) this.push(pieces[i] ?? '', false);
    this.partials.set(stream, this.bound({ text: rest, truncated: false }));
    return true;
  }

  /** Flushes an unterminated last line of `stream` (call when the stream ends). */
  end(stream: string): void {
    const partial = this.partials.get(stream);
    this.partials.delete(stream);
    if (partial && (partial.text !== '' || partial.truncated)) this.push(partial.text, partial.truncated);
  }

  /** The kept lines, oldest first. */
  text(): string {
    return this.lines.join('\n');
  }

  /** The last non-blank completed line. */
  lastLine(): string | undefined {
    return this.last;
  }

  /** The last `count` kept lines, for failure messages. */
  lastLines(count: number): string {
    return this.lines.slice(-count).join('\n');
  }

  private push(raw: string, truncated: boolean): void {
    let line = this.redactor.redact(raw);
    // What a terminal would show for progress bars redrawn with \r.
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const cr = line.lastIndexOf('\r');
    if (cr >= 0) line = line.slice(cr + 1);
    if (line.length > this.limits.maxLineChars) {
      line = line.slice(-this.limits.maxLineChars);
      truncated = true;
    }
    if (truncated) line = `…${line}`;
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.lines.length > this.limits.maxLines || (this.bytes > this.limits.maxBytes && this.lines.length > 1)) {
      const dropped = this.lines.shift() ?? '';
      this.bytes -= Buffer.byteLength(dropped) + 1;
    }
    if (line.trim() !== '') this.last = line.trimEnd();
  }

  /**
   * Cuts a growing unterminated line. It is redacted before the cut, and the cut keeps at least
   * the longest secret's length, so a secret split across chunks is still whole when it completes.
   */
  private bound(partial: Partial): Partial {
    const keep = Math.max(this.limits.maxLineChars, this.redactor.longest);
    if (partial.text.length <= keep + this.redactor.longest) return partial;
    return { text: this.redactor.redact(partial.text).slice(-keep), truncated: true };
  }
}
