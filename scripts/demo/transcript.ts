/**
 * The demo's readable transcript: headings, numbered steps, indented details and ✓ / ✗ verdicts,
 * coloured only on a terminal and never when `NO_COLOR` is set (https://no-color.org).
 *
 * @packageDocumentation
 */

/** Where the transcript goes (`process.stdout`, or a collecting stream in tests). */
export interface TranscriptSink {
  write(text: string): unknown;
}

const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

/** A named text style. */
export type Style = keyof typeof STYLES;

/**
 * Whether to colour: only on a TTY, and never when `NO_COLOR` is set to a non-empty value or
 * `TERM` is `dumb`.
 */
export function shouldUseColor(
  stream: { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): boolean {
  return (
    stream.isTTY === true &&
    (env.NO_COLOR === undefined || env.NO_COLOR === '') &&
    env.TERM !== 'dumb'
  );
}

/** Writes the transcript; every method prints one or more whole lines. */
export class Transcript {
  readonly #sink: TranscriptSink;
  readonly #color: boolean;

  constructor(sink: TranscriptSink, color: boolean) {
    this.#sink = sink;
    this.#color = color;
  }

  /** `text` in `style`, or unchanged without colour. */
  paint(style: Style, text: string): string {
    if (!this.#color) return text;
    const [open, close] = STYLES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** The title line. */
  title(text: string): void {
    this.#line(this.paint('bold', text));
  }

  /** A section heading, after a blank line. */
  heading(text: string): void {
    this.#line('');
    this.#line(this.paint('bold', text));
  }

  /** A numbered step heading: `[n/total] text`. */
  step(n: number, total: number, text: string): void {
    this.#line('');
    this.#line(`${this.paint('cyan', `[${n}/${total}]`)} ${this.paint('bold', text)}`);
  }

  /** An indented detail line; `label` is dimmed and padded. */
  detail(text: string, label?: string): void {
    this.#line(`  ${label === undefined ? '' : `${this.paint('dim', label.padEnd(12))} `}${text}`);
  }

  /** A passed check. */
  pass(text: string): void {
    this.#line(`  ${this.paint('green', `✓ ${text}`)}`);
  }

  /** A failed check. */
  fail(text: string): void {
    this.#line(`  ${this.paint('red', `✗ ${text}`)}`);
  }

  /** A warning line. */
  warn(text: string): void {
    this.#line(this.paint('yellow', `! ${text}`));
  }

  /** A plain line. */
  plain(text: string): void {
    this.#line(text);
  }

  #line(text: string): void {
    this.#sink.write(`${text}\n`);
  }
}
