/**
 * The change-tracking view of an actor's state. `c.state` is a proxy over the real value:
 * reads pass through, writes and deletes mark the state dirty (so the saver writes it) and tell
 * the owner, which runs `onStateChange` once per tick (as rivetkit does) through
 * {@link StateTracker.runChangeHook}. Nested objects get their own proxies, made lazily and
 * cached by target, so an idle actor whose state nobody touched holds no proxies at all.
 *
 * What is tracked: property writes and deletes on plain objects and arrays (at any depth), and
 * the mutating methods of `Map`, `Set` and `Date`. What is not: mutations inside typed arrays
 * and `ArrayBuffer`s, and objects reached through a `Map`/`Set` iterator; after such a change
 * call `c.saveState()` (or assign the value again) so it is saved.
 */
import { reentrantStateChange } from "./errors.js";

/** What a tracker reports to its actor. */
export interface StateOwner {
  /** Called after every tracked mutation (synchronously, so the saver knows at once). */
  stateMutated(): void;
}

const RAW = Symbol("actorwire.rawState");

const MAP_MUTATORS = new Set(["set", "delete", "clear"]);
const SET_MUTATORS = new Set(["add", "delete", "clear"]);

/** Whether a value is proxied when read out of the state (containers whose mutations we track). */
function isTrackable(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value) || value instanceof Map || value instanceof Set || value instanceof Date) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Removes our proxy from a value about to be stored, so the stored graph holds only raw objects. */
export function unwrapState<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    const raw = (value as Record<symbol, unknown>)[RAW];
    if (raw !== undefined) return raw as T;
  }
  return value;
}

/**
 * Holds one actor's state and hands out its proxy. The tracker is itself the proxy handler, so
 * tracking costs one object per actor plus one proxy per container actually touched.
 */
export class StateTracker implements ProxyHandler<object> {
  /** The real state value (never a proxy). */
  private raw: unknown;
  /** The proxy of the root value (most states are one flat object: no WeakMap needed for them). */
  private rootProxy: object | undefined;
  /** Proxies of nested containers, by target; made on first nested access. */
  private cache: WeakMap<object, object> | undefined;
  /** True while `onStateChange` runs (until its promise settles, if it returns one); a mutation then is rejected. */
  private inChangeHook = false;

  constructor(
    private readonly owner: StateOwner,
    initial: unknown,
  ) {
    this.raw = unwrapState(initial);
  }

  /** The real value, for encoding. */
  get rawValue(): unknown {
    return this.raw;
  }

  /** The value user code sees: a proxy for containers, the value itself otherwise. */
  get value(): unknown {
    return this.wrap(this.raw);
  }

  /** Replaces the whole state (`c.state = x`); counts as a change. */
  replace(value: unknown): void {
    this.assertMutable();
    this.raw = unwrapState(value);
    this.rootProxy = undefined;
    this.changed();
  }

  /**
   * Puts back a value that was saved before (after a change that cannot be saved): no change is
   * reported, since the value equals what is stored. Proxies handed out earlier keep pointing at
   * the abandoned objects, so code holding one sees its own writes go nowhere, not a wedged actor.
   */
  restore(value: unknown): void {
    this.raw = value;
    this.rootProxy = undefined;
    this.cache = undefined;
  }

  /** Records a change made where no proxy could see it (`c.saveState()` after a typed-array edit). */
  touch(): void {
    this.owner.stateMutated();
  }

  get(target: object, prop: string | symbol, _receiver: unknown): unknown {
    if (prop === RAW) return target;
    const value = Reflect.get(target, prop, target);
    if (typeof value === "function") {
      if (target instanceof Map) return this.collectionMethod(target, prop, value, MAP_MUTATORS);
      if (target instanceof Set) return this.collectionMethod(target, prop, value, SET_MUTATORS);
      if (target instanceof Date) {
        return typeof prop === "string" && prop.startsWith("set") ? this.mutatingMethod(target, value) : value.bind(target);
      }
      return value;
    }
    return this.wrap(value);
  }

  set(target: object, prop: string | symbol, value: unknown): boolean {
    this.assertMutable();
    const raw = unwrapState(value);
    const had = Object.prototype.hasOwnProperty.call(target, prop);
    const old = (target as Record<string | symbol, unknown>)[prop];
    if (!Reflect.set(target, prop, raw)) return false;
    if (!had || !Object.is(old, raw)) this.changed();
    return true;
  }

  deleteProperty(target: object, prop: string | symbol): boolean {
    this.assertMutable();
    const had = Object.prototype.hasOwnProperty.call(target, prop);
    const ok = Reflect.deleteProperty(target, prop);
    if (ok && had) this.changed();
    return ok;
  }

  defineProperty(target: object, prop: string | symbol, descriptor: PropertyDescriptor): boolean {
    this.assertMutable();
    if ("value" in descriptor) descriptor = { ...descriptor, value: unwrapState(descriptor.value) };
    const ok = Reflect.defineProperty(target, prop, descriptor);
    if (ok) this.changed();
    return ok;
  }

  private wrap(value: unknown): unknown {
    if (!isTrackable(value)) return value;
    if (value === this.raw) return (this.rootProxy ??= new Proxy(value, this));
    this.cache ??= new WeakMap();
    let proxy = this.cache.get(value);
    if (proxy === undefined) {
      proxy = new Proxy(value, this);
      this.cache.set(value, proxy);
    }
    return proxy;
  }

  private collectionMethod(target: Map<unknown, unknown> | Set<unknown>, prop: string | symbol, fn: Function, mutators: Set<string>): unknown {
    if (typeof prop === "string" && mutators.has(prop)) return this.mutatingMethod(target, fn);
    if (prop === "get" && target instanceof Map) return (key: unknown) => this.wrap(target.get(key));
    return fn.bind(target);
  }

  private mutatingMethod(target: object, fn: Function): (...args: unknown[]) => unknown {
    return (...args: unknown[]) => {
      this.assertMutable();
      const result = fn.apply(target, args.map(unwrapState));
      this.changed();
      return result;
    };
  }

  private assertMutable(): void {
    if (this.inChangeHook) throw reentrantStateChange();
  }

  private changed(): void {
    this.owner.stateMutated();
  }

  /**
   * Runs `hook` (the user's `onStateChange`) with the proxied state, refusing state mutations
   * until it returns, or until its promise settles. Errors it throws go to `onError`.
   */
  runChangeHook(hook: (proxy: unknown) => unknown, onError: (error: unknown) => void): void {
    if (this.inChangeHook) return;
    this.inChangeHook = true;
    let result: unknown;
    try {
      result = hook(this.wrap(this.raw));
    } catch (error) {
      this.inChangeHook = false;
      onError(error);
      return;
    }
    if (typeof result === "object" && result !== null && typeof (result as { then?: unknown }).then === "function") {
      Promise.resolve(result).then(
        () => (this.inChangeHook = false),
        (error: unknown) => {
          this.inChangeHook = false;
          onError(error);
        },
      );
    } else {
      this.inChangeHook = false;
    }
  }
}
