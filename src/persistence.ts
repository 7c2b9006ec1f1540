/**
 * Power-fail-safe storage of small values (settings, calibration, energy
 * registers, invocation counters, FOTA state) as the domains see it. The
 * flash implementation lives in src/storage; domains depend only on this
 * port so that they can be tested without flash and so that the composition
 * root decides where each value lives.
 *
 * Contract: when put() returns, the value is committed — a power cut at any
 * later instant returns this value or a later one, never an older one, never
 * a torn one. Keys are short ASCII names, values small byte strings.
 */
export interface KeyValueStore {
  get(key: string): Uint8Array | undefined;
  put(key: string, value: Uint8Array): void;
  delete(key: string): void;
  /**
   * After damage: at most this many newer records of any one key may have
   * been lost (0 or absent: none). Values that must never go back (the
   * transmit invocation counter) skip ahead by this bound.
   */
  readonly lostRecordBound?: number;
  /**
   * False when damage found at mount may have destroyed a newer record of
   * the key, or its only record (absent: nothing is known to be lost).
   */
  proven?(key: string): boolean;
  /** Keys holding a value, for owners that must find what an older firmware stored (settings). */
  keys?(): string[];
}

/** RAM-only store: for tests and for a meter built without flash. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly values = new Map<string, Uint8Array>();

  get(key: string): Uint8Array | undefined {
    const v = this.values.get(key);
    return v === undefined ? undefined : v.slice();
  }

  put(key: string, value: Uint8Array): void {
    this.values.set(key, value.slice());
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  keys(): string[] {
    return [...this.values.keys()];
  }
}
