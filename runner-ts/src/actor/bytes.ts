/** Byte helpers shared by the core's record code. */

/** The bytes of `view` as an `ArrayBuffer` of exactly that length (no copy when already one). */
export function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  // `Uint8Array.prototype.slice` copies; a Node `Buffer` (what cbor-x returns) shares memory with its own `slice`.
  return Uint8Array.prototype.slice.call(view).buffer as ArrayBuffer;
}
