/**
 * The stateless-call transport under Node: undici's `request` over one keep-alive `Agent` per
 * client (a pool of connections per origin), closed by `client.dispose()`. It skips what
 * `fetch` adds on every call (a `Request` and `Response`, header guards, a body stream read
 * through WHATWG streams) and behaves as the `fetch` transport does otherwise: the same
 * errors for network failures and aborts, redirects followed (at most 20, as `fetch`), the
 * body read in full. The package's `#transport` import resolves here only under the `node`
 * condition (and not under Bun's or Deno's), so browser bundles never include undici.
 *
 * undici is a real dependency of the client, pinned to 7.30.3: the version the workspace
 * already installs (through testkit's testcontainers), so adding it changed no lock entry;
 * Node's `fetch` is itself built on undici, so the pool speaks the same HTTP/1.1 it did.
 */
import { Agent, type Dispatcher, interceptors } from "undici";
import { type HttpCall, type HttpReply, type HttpTransport, fetchTransport, readFailed, requestFailed } from "./transport.js";

/** @internal A new transport for one client; private, not semver. */
export function createTransport(): HttpTransport {
  return new UndiciTransport();
}

/** `fetch`'s redirect limit. */
const MAX_REDIRECTIONS = 20;

class UndiciTransport implements HttpTransport {
  private readonly agent = new Agent();
  private readonly dispatcher = this.agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  private closed = false;

  async send(url: string, call: HttpCall, signal?: AbortSignal): Promise<HttpReply> {
    // A call still retrying when the client was disposed goes on over `fetch`, as every call
    // did before there was a pool to close; it must not fail because the pool is gone.
    if (this.closed) return await fetchTransport.send(url, call, signal);
    let answer: Dispatcher.ResponseData;
    try {
      const target = new URL(url);
      answer = await this.dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: call.method as Dispatcher.HttpMethod,
        headers: headerRecord(call.headers),
        body: call.body ?? null,
        signal,
      });
    } catch (err) {
      throw requestFailed(url, err, signal);
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await answer.body.arrayBuffer());
    } catch (err) {
      throw readFailed(err, signal);
    }
    const { statusCode, statusText, headers } = answer;
    return { status: statusCode, statusText, ok: statusCode >= 200 && statusCode < 300, headers: headerReader(headers), body };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Idle sockets close at once; calls in flight finish first, as they did before `dispose`
    // closed anything, so `dispose` does not wait for them.
    this.agent.close().catch(() => undefined);
  }
}

/** The call's headers as undici takes them (names already lower-cased by `Headers`). */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** `Headers.get` over undici's lower-cased header record (repeated headers joined as `fetch` joins them). */
function headerReader(headers: Record<string, string | string[] | undefined>): HttpReply["headers"] {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}
