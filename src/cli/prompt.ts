// Questions on the terminal for the `vaultkey` command. Prompts go to stderr,
// so stdout carries only the result.
//
// - stdin a terminal: secrets are typed in raw mode and never echoed (the
//   terminal's own echo is off, and we print nothing per character); other
//   answers (typed shares) are read as the terminal's usual edited, echoed line.
// - stdin not a terminal (a pipe or a file, for scripts and tests): every
//   question reads the next line of stdin, hidden or not, without a trailing
//   "\n" or "\r\n".
//
// A passphrase is a JS string from here on: it cannot be zeroed, only dropped.
import { VaultkeyError } from '../errors.js';

/** The user pressed Ctrl-C at a hidden prompt (raw mode turns off the terminal's SIGINT). */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

/** stdin ended before an answer was given. */
export class InputEnded extends Error {
  constructor(what: string) {
    super(`stdin ended before ${what} was given`);
    this.name = 'InputEnded';
  }
}

export interface Ask {
  /** What is asked, for the message if stdin ends first ("the backup passphrase"). */
  what: string;
  /** Typed without echo on a terminal. */
  hidden: boolean;
}

export class Prompter {
  readonly #in: NodeJS.ReadStream;
  readonly #err: NodeJS.WritableStream;
  #buf = '';
  #ended = false;
  #started = false;
  #wake: (() => void) | null = null;
  #failure: Error | null = null;

  constructor(input: NodeJS.ReadStream = process.stdin, err: NodeJS.WritableStream = process.stderr) {
    this.#in = input;
    this.#err = err;
  }

  /** True when answers are typed on a terminal (else they are lines of stdin). */
  get interactive(): boolean {
    return this.#in.isTTY === true;
  }

  /** Prints `question` on stderr and returns the answer. */
  async ask(question: string, o: Ask): Promise<string> {
    this.#start();
    this.#err.write(question);
    if (this.interactive && o.hidden) return this.#hidden(o.what);
    for (;;) {
      const nl = this.#buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        if (!this.interactive) this.#err.write('\n');
        return line.endsWith('\r') ? line.slice(0, -1) : line;
      }
      if (this.#ended) {
        this.#checkFailure();
        if (this.#buf === '') {
          this.#err.write('\n');
          throw new InputEnded(o.what);
        }
        // A last line without "\n" (printf 'pass' | vaultkey ...).
        const line = this.#buf;
        this.#buf = '';
        if (!this.interactive) this.#err.write('\n');
        return line;
      }
      await this.#more();
    }
  }

  /** Stops reading stdin, so the process can exit. */
  close(): void {
    if (!this.#started) return;
    if (this.interactive && this.#in.isRaw) this.#in.setRawMode(false);
    this.#in.pause();
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#in.setEncoding('utf8'); // a StringDecoder: a character split across reads stays whole
    this.#in.on('data', (s: string) => {
      this.#buf += s;
      this.#wake?.();
    });
    this.#in.on('end', () => {
      this.#ended = true;
      this.#wake?.();
    });
    this.#in.on('error', (e: Error) => {
      this.#failure = e;
      this.#ended = true;
      this.#wake?.();
    });
  }

  /** Waits until more of stdin has arrived, or it has ended. */
  async #more(): Promise<void> {
    if (this.#ended) return;
    const arrived = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#in.resume();
    await arrived;
    this.#wake = null;
    this.#in.pause();
  }

  #checkFailure(): void {
    if (this.#failure) throw new VaultkeyError('INVALID_ARGUMENT', `cannot read stdin (${this.#failure.name})`);
  }

  /**
   * One line typed in raw mode: no echo; Enter ends it, Backspace deletes a
   * character, Ctrl-U the whole line, Ctrl-C cancels, Ctrl-D on an empty line
   * is end of input; other control characters and escape sequences (arrow
   * keys) are ignored rather than becoming part of the passphrase.
   */
  async #hidden(what: string): Promise<string> {
    const input = this.#in;
    input.setRawMode(true);
    let value = '';
    try {
      for (;;) {
        while (this.#buf !== '') {
          const cp = this.#buf.codePointAt(0)!;
          const ch = String.fromCodePoint(cp);
          this.#buf = this.#buf.slice(ch.length);
          if (ch === '\r' || ch === '\n') {
            if (ch === '\r' && this.#buf.startsWith('\n')) this.#buf = this.#buf.slice(1);
            return value;
          }
          if (ch === '\u0003') throw new Cancelled();
          if (ch === '\u0004') {
            if (value === '') throw new InputEnded(what);
            continue;
          }
          if (ch === '\u007f' || ch === '\b') {
            value = Array.from(value).slice(0, -1).join('');
            continue;
          }
          if (ch === '\u0015') {
            value = '';
            continue;
          }
          if (ch === '\u001b') {
            // ESC [ parameters final-byte (ECMA-48 §5.4, a CSI sequence), or ESC and one character.
            const csi = /^\[[0-?]*[ -/]*[@-~]/.exec(this.#buf) ?? /^[^[]?/.exec(this.#buf);
            this.#buf = this.#buf.slice(csi?.[0].length ?? 0);
            continue;
          }
          if (cp < 0x20) continue;
          value += ch;
        }
        if (this.#ended) {
          this.#checkFailure();
          throw new InputEnded(what);
        }
        await this.#more();
      }
    } finally {
      input.setRawMode(false);
      this.#err.write('\n');
    }
  }
}
