/**
 * Keypad port (boards with a customer keypad, e.g. a prepayment meter's 12
 * keys). The port reports debounced key presses; what a sequence of keys
 * means (a 20-digit token, a short code) is firmware (src/prepay/keypad-entry.ts).
 */
export type KeypadKey = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "enter" | "back";

export interface KeypadPort {
  /** Called once per press, in order. */
  onKey(handler: (key: KeypadKey) => void): void;
}
