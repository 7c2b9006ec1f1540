/**
 * Deep-freezes a module-level table (constants, state tables, codes) and
 * returns it. Moddable preloads every firmware module at build time: xsl
 * keeps frozen objects in flash and copies any other object reachable from a
 * module to RAM at boot ("not frozen"). Typed arrays and ArrayBuffers cannot
 * be frozen, and Maps and Sets are left as they are.
 */
export function frozen<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  // Bytes cannot be frozen; Maps and Sets are per-instance state, never tables.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Map || value instanceof Set) return value;
  Object.freeze(value);
  const children = Object.values(value);
  for (let i = 0; i < children.length; i++) {
    const v = children[i];
    frozen(v);
  }
  return value;
}
