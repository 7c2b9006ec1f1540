/// <reference path="../types/system.d.ts" />
// Side-effect import: SDK 8.2.3's `system` module exports nothing and sets
// globalThis.System when it is evaluated (a default import is a link error:
// "import default not found").
import "system";

/** Moddable's System class, as the `system` module installed it on globalThis. */
export function moddableSystemGlobal(): ModdableSystemGlobal {
  return (globalThis as unknown as { System: ModdableSystemGlobal }).System;
}
