/**
 * Runs each handler of a list even when an earlier one throws: each guards
 * its own data (metrology's energy, the meter's registers, a transfer's
 * marks), so one fault must not cost the others their chance. The power-fail
 * handlers of every system port (hal/sim and hal/moddable) run through here,
 * so the device and the tests follow one rule. Returns what the handlers
 * threw, in order, for the caller to count; never throws.
 */
export function runEach(handlers: readonly (() => void)[]): unknown[] {
  const errors: unknown[] = [];
  for (let i = 0; i < handlers.length; i++) {
    try {
      handlers[i]();
    } catch (e) {
      errors.push(e);
    }
  }
  return errors;
}
