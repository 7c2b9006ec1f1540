/** A progress bar on stderr (a TTY redraws in place; a pipe gets a line per 10 %). */
export class ProgressBar {
  #lastDecile = -1;
  readonly #tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.#tty = out.isTTY === true;
  }

  update(done: number, note = ""): void {
    const f = this.total > 0 ? Math.min(1, Math.max(0, done / this.total)) : 1;
    if (this.#tty) {
      const width = 30;
      const full = Math.round(f * width);
      this.out.write(`\r\x1b[K${this.label} [${"#".repeat(full)}${"-".repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}% ${note}`);
    } else {
      const decile = Math.floor(f * 10);
      if (decile !== this.#lastDecile) {
        this.#lastDecile = decile;
        this.out.write(`${this.label} ${decile * 10}% ${note}\n`);
      }
    }
  }

  done(note = ""): void {
    this.update(this.total, note);
    if (this.#tty) this.out.write("\n");
  }
}
