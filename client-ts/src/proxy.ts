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
        method = actionMethod(obj, prop);
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

/**
 * The method for action `name`: calling it runs the action, and its properties are the
 * actions of a nested group, so `handle.calculator.add(1, 2)` runs the action
 * `calculator.add`, as the runtime names nested groups.
 */
function actionMethod(target: HasAction, name: string): (...args: unknown[]) => Promise<unknown> {
  const call = (...args: unknown[]): Promise<unknown> => target.action({ name, args });
  const nested = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(call, {
    get(fn, prop) {
      if (typeof prop === "symbol" || prop === "then" || prop === "toJSON" || prop === "name" || prop === "length") return Reflect.get(fn, prop);
      let method = nested.get(prop);
      if (method === undefined) {
        method = actionMethod(target, `${name}.${prop}`);
        nested.set(prop, method);
      }
      return method;
    },
  });
}
