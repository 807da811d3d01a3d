/**
 * The one conversion every layer needs: generated codecs take an exact `ArrayBuffer` for BARE
 * `data`, while callers hold `Uint8Array`s that may be views on larger buffers (a pooled Node
 * `Buffer`, a slice of a frame).
 */

/**
 * The bytes of `view` as an ArrayBuffer of exactly that length: no copy when the view already
 * covers its whole buffer, a copy otherwise. The copy goes through `Uint8Array.prototype.slice`
 * on a fresh view, because a Node `Buffer`'s own `slice` shares memory instead of copying.
 */
export function exactArrayBuffer(view: ArrayBufferView): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = view;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return buffer;
  return new Uint8Array(buffer, byteOffset, byteLength).slice().buffer;
}
