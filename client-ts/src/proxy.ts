/**
 * The proxies that give handles and connections one method per action
 * (`handle.increment(5)` is `handle.action({ name: "increment", args: [5] })`). Real members
 * of the underlying object win over action names, and `then` is never an action so that a
 * handle returned from an async function is not mistaken for a promise.
 */

interface HasAction {
  action(opts: { name: string; args: unknown[] }): Promise<unknown>;
}

/** Wraps `target` so unknown string properties become action calls. */
export function withActionMethods<T extends HasAction>(target: T): T {
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (typeof prop === "symbol" || prop in obj) {
        const value = Reflect.get(obj, prop, obj) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
      }
      if (prop === "then" || prop === "toJSON") return undefined;
      let method = methods.get(prop);
      if (method === undefined) {
        method = (...args: unknown[]) => obj.action({ name: prop, args });
        methods.set(prop, method);
      }
      void receiver;
      return method;
    },
    has(obj, prop) {
      return typeof prop === "string" ? true : Reflect.has(obj, prop);
    },
  });
}
