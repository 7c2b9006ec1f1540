/**
 * The subset of vitest's API that the tests use, for the XS engine. The XS
 * test run bundles each test file with "vitest" resolved to this module, so
 * the very same test source runs on Node (real vitest) and on XS (this shim).
 * A matcher the shim lacks throws, which fails the test on XS: the subset can
 * only grow deliberately.
 */

declare const print: (...args: unknown[]) => void;

type Fn = () => unknown;

interface TestCase {
  name: string;
  fn: Fn;
  skip: boolean;
}

interface Suite {
  name: string;
  tests: TestCase[];
  suites: Suite[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

function newSuite(name: string): Suite {
  return { name, tests: [], suites: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

const root = newSuite("");
let current = root;

export function describe(name: string, fn: () => void): void {
  const s = newSuite(name);
  current.suites.push(s);
  const parent = current;
  current = s;
  try {
    fn();
  } finally {
    current = parent;
  }
}

function addTest(name: string, fn: Fn, skip: boolean): void {
  current.tests.push({ name, fn, skip });
}

interface ItFn {
  (name: string, fn: Fn, timeout?: number): void;
  skip: (name: string, fn: Fn, timeout?: number) => void;
  each: <T>(cases: readonly T[]) => (name: string, fn: (...args: T extends readonly unknown[] ? T : [T]) => unknown, timeout?: number) => void;
}

function makeIt(): ItFn {
  const f = ((name: string, fn: Fn) => addTest(name, fn, false)) as ItFn;
  f.skip = (name: string, fn: Fn) => addTest(name, fn, true);
  f.each =
    <T>(cases: readonly T[]) =>
    (name: string, fn: (...args: T extends readonly unknown[] ? T : [T]) => unknown) => {
      // As vitest does: an array case is spread into the arguments, anything else is the one argument.
      cases.forEach((c, i) => addTest(formatEachName(name, c, i), () => (fn as (...args: unknown[]) => unknown)(...(Array.isArray(c) ? c : [c])), false));
    };
  return f;
}

function formatEachName(name: string, c: unknown, i: number): string {
  return name
    .replace(/\$(\w+)/g, (_m, key: string) => (c && typeof c === "object" && key in c ? String((c as Record<string, unknown>)[key]) : `$${key}`))
    .replace(/%[sdi#]/, (m) => (m === "%#" ? String(i) : String(c)));
}

export const it = makeIt();
export const test = it;

export function beforeAll(fn: Fn): void {
  current.beforeAll.push(fn);
}
export function afterAll(fn: Fn): void {
  current.afterAll.push(fn);
}
export function beforeEach(fn: Fn): void {
  current.beforeEach.push(fn);
}
export function afterEach(fn: Fn): void {
  current.afterEach.push(fn);
}

// ------------------------------------------------------------------ expect

class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(v: unknown, depth = 0): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v.subarray(0, 32)).join(",")}${v.length > 32 ? ",…" : ""}]`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (Array.isArray(v)) return depth > 2 ? "[…]" : `[${v.slice(0, 20).map((x) => show(x, depth + 1)).join(", ")}${v.length > 20 ? ", …" : ""}]`;
  if (v && typeof v === "object") {
    if (depth > 2) return "{…}";
    return `{${Object.keys(v)
      .slice(0, 20)
      .map((k) => `${k}: ${show((v as Record<string, unknown>)[k], depth + 1)}`)
      .join(", ")}}`;
  }
  return String(v);
}

function isTyped(v: unknown): v is ArrayLike<number | bigint> & object {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function equals(a: unknown, b: unknown, strict: boolean): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (isTyped(a) || isTyped(b)) {
    if (!isTyped(a) || !isTyped(b) || a.constructor !== b.constructor || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !equals(v, b.get(k), strict)) return false;
    return true;
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false;
    for (const k of a) if (!b.has(k)) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) {
    if (!strict && ra[k] === undefined && rb[k] === undefined) continue;
    if (strict && (k in ra) !== (k in rb)) return false;
    if (!equals(ra[k], rb[k], strict)) return false;
  }
  return true;
}

function matchesObject(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object" || isTyped(expected)) return equals(actual, expected, false);
  if (actual === null || typeof actual !== "object") return false;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesObject(actual[i], e));
  }
  for (const k of Object.keys(expected)) {
    if (!matchesObject((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k])) return false;
  }
  return true;
}

type ErrorMatcher = string | RegExp | (new (...args: never[]) => unknown) | undefined;

function errorMatches(err: unknown, m: ErrorMatcher): boolean {
  if (m === undefined) return true;
  const msg = err instanceof Error ? err.message : String(err);
  if (typeof m === "string") return msg.includes(m);
  if (m instanceof RegExp) return m.test(msg);
  return err instanceof m;
}

class Matchers {
  private readonly actual: unknown;
  private readonly negate: boolean;

  constructor(actual: unknown, negate: boolean) {
    this.actual = actual;
    this.negate = negate;
  }

  get not(): Matchers {
    return new Matchers(this.actual, !this.negate);
  }

  get resolves(): AsyncMatchers {
    return new AsyncMatchers(this.actual as Promise<unknown>, this.negate, false);
  }

  get rejects(): AsyncMatchers {
    return new AsyncMatchers(this.actual as Promise<unknown>, this.negate, true);
  }

  private check(pass: boolean, what: string): void {
    if (pass === this.negate) {
      throw new AssertionError(`expected ${show(this.actual)} ${this.negate ? "not " : ""}${what}`);
    }
  }

  toBe(e: unknown): void {
    this.check(Object.is(this.actual, e), `to be ${show(e)}`);
  }
  toEqual(e: unknown): void {
    this.check(equals(this.actual, e, false), `to equal ${show(e)}`);
  }
  toStrictEqual(e: unknown): void {
    this.check(equals(this.actual, e, true), `to strictly equal ${show(e)}`);
  }
  toMatchObject(e: unknown): void {
    this.check(matchesObject(this.actual, e), `to match object ${show(e)}`);
  }
  toBeTruthy(): void {
    this.check(!!this.actual, "to be truthy");
  }
  toBeFalsy(): void {
    this.check(!this.actual, "to be falsy");
  }
  toBeNull(): void {
    this.check(this.actual === null, "to be null");
  }
  toBeUndefined(): void {
    this.check(this.actual === undefined, "to be undefined");
  }
  toBeDefined(): void {
    this.check(this.actual !== undefined, "to be defined");
  }
  toBeNaN(): void {
    this.check(Number.isNaN(this.actual), "to be NaN");
  }
  toBeGreaterThan(e: number | bigint): void {
    this.check((this.actual as number) > e, `to be > ${show(e)}`);
  }
  toBeGreaterThanOrEqual(e: number | bigint): void {
    this.check((this.actual as number) >= e, `to be >= ${show(e)}`);
  }
  toBeLessThan(e: number | bigint): void {
    this.check((this.actual as number) < e, `to be < ${show(e)}`);
  }
  toBeLessThanOrEqual(e: number | bigint): void {
    this.check((this.actual as number) <= e, `to be <= ${show(e)}`);
  }
  toBeCloseTo(e: number, digits = 2): void {
    this.check(Math.abs((this.actual as number) - e) < Math.pow(10, -digits) / 2, `to be close to ${e} (${digits} digits)`);
  }
  toBeInstanceOf(c: new (...args: never[]) => unknown): void {
    this.check(this.actual instanceof c, `to be an instance of ${c.name}`);
  }
  toBeTypeOf(t: string): void {
    this.check(typeof this.actual === t, `to be of type ${t}`);
  }
  toContain(e: unknown): void {
    const a = this.actual as { includes?: (x: unknown) => boolean };
    this.check(typeof a?.includes === "function" && a.includes(e), `to contain ${show(e)}`);
  }
  toContainEqual(e: unknown): void {
    this.check(Array.isArray(this.actual) && this.actual.some((x) => equals(x, e, false)), `to contain an element equal to ${show(e)}`);
  }
  toHaveLength(n: number): void {
    this.check((this.actual as { length?: number })?.length === n, `to have length ${n}`);
  }
  toHaveProperty(key: string, value?: unknown): void {
    const obj = this.actual as Record<string, unknown>;
    const has = obj !== null && obj !== undefined && key in Object(obj);
    this.check(has && (arguments.length < 2 || equals(obj[key], value, false)), `to have property ${key}`);
  }
  toMatch(re: RegExp | string): void {
    const s = String(this.actual);
    this.check(typeof re === "string" ? s.includes(re) : re.test(s), `to match ${String(re)}`);
  }
  toThrow(m?: ErrorMatcher): void {
    if (typeof this.actual !== "function") throw new AssertionError("toThrow needs a function");
    let threw = false;
    let err: unknown;
    try {
      (this.actual as () => unknown)();
    } catch (e) {
      threw = true;
      err = e;
    }
    const pass = threw && errorMatches(err, m);
    if (pass === this.negate) {
      throw new AssertionError(
        threw ? `expected the thrown ${show(err)} ${this.negate ? "not " : ""}to match ${show(m)}` : `expected the function to throw${m ? ` ${show(m)}` : ""}`,
      );
    }
  }
  toThrowError(m?: ErrorMatcher): void {
    this.toThrow(m);
  }
}

class AsyncMatchers {
  constructor(
    private readonly promise: Promise<unknown>,
    private readonly negate: boolean,
    private readonly rejected: boolean,
  ) {}

  private async settle(): Promise<Matchers> {
    let value: unknown;
    let didReject = false;
    try {
      value = await this.promise;
    } catch (e) {
      value = e;
      didReject = true;
    }
    if (didReject !== this.rejected) {
      throw new AssertionError(`expected the promise to ${this.rejected ? "reject" : "resolve"}, it ${didReject ? "rejected with" : "resolved to"} ${show(value)}`);
    }
    return new Matchers(value, this.negate);
  }

  async toBe(e: unknown): Promise<void> {
    (await this.settle()).toBe(e);
  }
  async toEqual(e: unknown): Promise<void> {
    (await this.settle()).toEqual(e);
  }
  async toThrow(m?: ErrorMatcher): Promise<void> {
    const matcher = await this.settle();
    const err = (matcher as unknown as { actual: unknown }).actual;
    new Matchers(() => {
      throw err;
    }, this.negate).toThrow(m);
  }
  async toBeInstanceOf(c: new (...args: never[]) => unknown): Promise<void> {
    (await this.settle()).toBeInstanceOf(c);
  }
}

interface Expect {
  (actual: unknown): Matchers;
  fail(message: string): never;
}

export const expect: Expect = Object.assign((actual: unknown) => new Matchers(actual, false), {
  fail(message: string): never {
    throw new AssertionError(message);
  },
});

// ------------------------------------------------------------------ runner

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const stack = typeof e.stack === "string" ? e.stack.split("\n").slice(1, 4).join(" | ") : "";
    return `${e.name}: ${e.message}${stack ? ` @ ${stack}` : ""}`;
  }
  return String(e);
}

function line(kind: string, text: string): void {
  print(`XSTEST ${kind} ${text.replace(/\n/g, "\\n")}`);
}

async function runSuite(s: Suite, path: string[], inherited: { before: Fn[]; after: Fn[] }, counts: { passed: number; failed: number; skipped: number }): Promise<void> {
  const before = inherited.before.concat(s.beforeEach);
  const after = s.afterEach.concat(inherited.after);
  const here = s.name ? path.concat(s.name) : path;
  try {
    for (const f of s.beforeAll) await f();
  } catch (e) {
    counts.failed++;
    line("fail", `${here.join(" > ")} > (beforeAll) :: ${errorText(e)}`);
    return;
  }
  for (const t of s.tests) {
    const name = here.concat(t.name).join(" > ");
    if (t.skip) {
      counts.skipped++;
      line("skip", name);
      continue;
    }
    try {
      for (const f of before) await f();
      await t.fn();
      for (const f of after) await f();
      counts.passed++;
      line("ok", name);
    } catch (e) {
      counts.failed++;
      line("fail", `${name} :: ${errorText(e)}`);
    }
  }
  for (const child of s.suites) await runSuite(child, here, { before, after }, counts);
  try {
    for (const f of s.afterAll) await f();
  } catch (e) {
    counts.failed++;
    line("fail", `${here.join(" > ")} > (afterAll) :: ${errorText(e)}`);
  }
}

/** Runs every registered test and prints one `XSTEST done` line; the driver treats its absence as a crash. */
export async function runRegisteredTests(): Promise<void> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  await runSuite(root, [], { before: [], after: [] }, counts);
  line("done", `${counts.passed} ${counts.failed} ${counts.skipped}`);
}

/** Prints why a test module could not be loaded; the missing `done` line makes the driver fail the file. */
export function reportLoadError(e: unknown): void {
  line("loaderror", errorText(e));
}
