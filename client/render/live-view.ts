import { MultiBar, Presets, type SingleBar } from 'cli-progress';

const BAR_STEPS = 1000;

/**
 * The terminal view of `watch` on a TTY: text rows (services by wave, gates) and an overall
 * progress bar below them, redrawn in place by cli-progress. Rows are bars whose format prints
 * their text, so the renderer owns every cursor movement.
 */
export class LiveView {
  private readonly multi: MultiBar;
  private readonly rows: SingleBar[] = [];
  private bar?: SingleBar;

  constructor(stream: NodeJS.WriteStream = process.stdout) {
    this.multi = new MultiBar(
      {
        stream,
        format: (_options, _params, payload: { text?: string }) => payload.text ?? '',
        fps: 5,
        // Ctrl-C must still end the process (the run goes on without us), and leave a visible cursor.
        hideCursor: false,
        gracefulExit: false,
        clearOnComplete: false,
        barsize: 30,
      },
      Presets.shades_classic,
    );
  }

  /** Shows `lines`, then the progress bar at `fraction` (0..1) followed by `footer`. */
  render(lines: string[], fraction: number, footer: string): void {
    if (lines.length !== this.rows.length) {
      // The bar stays last: drop it, fit the rows, add it back.
      if (this.bar) this.multi.remove(this.bar);
      this.bar = undefined;
      while (this.rows.length < lines.length) this.rows.push(this.multi.create(1, 0, { text: '' }));
      while (this.rows.length > lines.length) this.multi.remove(this.rows.pop()!);
    }
    lines.forEach((text, i) => this.rows[i]?.update(0, { text }));
    this.bar ??= this.multi.create(BAR_STEPS, 0, { text: '' }, { format: '  {bar} {percentage}% | {text}' });
    this.bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * BAR_STEPS), { text: footer });
  }

  /** Draws the last state and leaves it on the screen. */
  stop(): void {
    this.multi.stop();
  }
}
