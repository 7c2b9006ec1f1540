/**
 * Moddable's native IO takes and returns ArrayBuffers; the ports speak
 * Uint8Array. A view over a whole buffer is passed as its buffer without a
 * copy; only a partial view is copied (natives ignore a view's offset on some
 * platforms).
 */
export function asArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}
