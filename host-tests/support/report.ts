/**
 * Test-side output and runtime facts that work on both runtimes: Node has
 * console, the XS test host has print.
 */
type Printer = (...args: unknown[]) => void;

const g = globalThis as unknown as { console?: { log: Printer }; print?: Printer };

export function report(message: string): void {
  if (g.console) g.console.log(message);
  else if (g.print) g.print(message);
}

/** Which engine runs the test: long campaigns scale their counts by it (XS is an interpreter). */
export const runtime: "node" | "xs" = g.console ? "node" : "xs";
