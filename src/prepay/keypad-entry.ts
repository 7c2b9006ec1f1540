/**
 * Token entry on the customer keypad: digits collect in a buffer, Back
 * deletes the last one, Enter submits, and a pause longer than the time-out
 * (HAL timer) clears a half-typed entry so that the next customer starts
 * clean. Enter with 20 digits enters a token (delivery method "manual");
 * the short code 000 + Enter invokes emergency credit. Anything else is
 * entered too, so a wrong length is logged and answered as a format error
 * like any other bad token.
 */
import type { KeypadKey, KeypadPort } from "../../hal/keypad.js";
import type { TimerId, Timers } from "../../hal/timer.js";
import { TokenResult } from "./results.js";
import type { PrepayService } from "./service.js";

export const KEYPAD_TIMEOUT_MS = 30000;
const EMERGENCY_CODE = "000";
/** Longest buffer kept: a token plus a few stray presses. */
const MAX_DIGITS = 24;

export type KeypadOutcome = { kind: "token"; result: TokenResult } | { kind: "emergency"; granted: boolean } | { kind: "timeout" } | { kind: "fault" };

export class KeypadEntry {
  private digits = "";
  private timer: TimerId | undefined;
  /** The display: the meter shows what this reports (and tests read it). */
  onOutcome: ((o: KeypadOutcome) => void) | undefined;

  constructor(
    keypad: KeypadPort,
    private readonly timers: Timers,
    private readonly prepay: PrepayService,
    private readonly timeoutMs = KEYPAD_TIMEOUT_MS,
  ) {
    keypad.onKey((k) => this.key(k));
  }

  /** Digits typed so far (the display echoes them). */
  get buffer(): string {
    return this.digits;
  }

  key(k: KeypadKey): void {
    this.restartTimeout();
    if (k === "back") {
      this.digits = this.digits.slice(0, -1);
      return;
    }
    if (k !== "enter") {
      if (this.digits.length < MAX_DIGITS) this.digits += k;
      return;
    }
    const text = this.digits;
    this.digits = "";
    this.clearTimeout();
    let outcome: KeypadOutcome;
    try {
      outcome = text === EMERGENCY_CODE ? { kind: "emergency", granted: this.prepay.activateEmergency() } : { kind: "token", result: this.prepay.enterToken(text, "manual").result };
    } catch {
      // The store could not commit (flash fault): nothing was applied; the display says so instead of the key scan dying.
      outcome = { kind: "fault" };
    }
    this.onOutcome?.(outcome);
  }

  private clearTimeout(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private restartTimeout(): void {
    this.clearTimeout();
    this.timer = this.timers.once(this.timeoutMs, () => {
      this.timer = undefined;
      if (this.digits === "") return;
      this.digits = "";
      this.onOutcome?.({ kind: "timeout" });
    });
  }
}
