/** Byte helpers shared by the core's record code. */

/** The bytes of `view` as an `ArrayBuffer` of exactly that length (no copy when already one). */
export function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer as ArrayBuffer;
}
