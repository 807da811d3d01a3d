/**
 * Type inference from a registry. Everything is structural: the client never imports an
 * actor runtime, it reads `typeof registry` the way rivetkit's client does, so both our
 * runner's registries (`registry.use`) and rivetkit's (`registry.config.use`) type-check:
 *
 * - actions: `use[name].config.actions[action]` with the context parameter removed;
 * - events: `use[name].config.events[event]`, a token with a phantom `_eventType`;
 * - queues: `use[name].config.queues[queue]`, a token with phantom `_queueMessage` and
 *   `_queueComplete`.
 */

/** Anything with a `config`: an actor definition, ours or rivetkit's. */
export interface AnyActorDefinition {
  /** The definition's config, which the client's types read `actions`, `events` and `queues` from. */
  readonly config: any;
}

type IsAny<T> = 0 extends 1 & T ? true : false;

/** The definitions map of a registry (`registry.use`, or rivetkit's `registry.config.use`). */
export type ActorsOf<R> =
  IsAny<R> extends true
    ? Record<string, any>
    : R extends { readonly use: infer A }
      ? A
      : R extends { readonly config: { readonly use: infer A } }
        ? A
        : Record<string, any>;

type ConfigOf<D> = D extends { readonly config: infer C } ? C : never;

/** An action as the client calls it: the context parameter removed, always async. */
export type ActorActionFunction<Args extends unknown[] = unknown[], Response = unknown> = (
  ...args: Args extends [unknown, ...infer Rest] ? Rest : Args
) => Promise<Response>;

/** The action methods of an actions map; a nested group (`{ calculator: { add } }`) becomes a nested map, called as `calculator.add`. */
type ActionMapOf<A> = {
  [K in keyof A as K extends string ? K : never]: A[K] extends (...args: infer P) => infer R
    ? ActorActionFunction<P, Awaited<R>>
    : A[K] extends Record<string, unknown>
      ? ActionMapOf<A[K]>
      : never;
};

/** The typed action methods of an actor definition (any names and arguments when untyped). */
export type ActorDefinitionActions<D> =
  IsAny<D> extends true
    ? Record<string, (...args: any[]) => Promise<any>>
    : ConfigOf<D> extends { readonly actions?: infer A }
      ? IsAny<A> extends true
        ? Record<string, (...args: any[]) => Promise<any>>
        : ActionMapOf<NonNullable<A>>
      : {};

/** The argument list of an event payload: a tuple stays a tuple, anything else is one argument. */
export type InferEventArgs<T> = T extends readonly unknown[] ? (number extends T["length"] ? [T] : T) : [T];

/** The payload type a token carries (rivetkit's `event<T>()` and ours share `_eventType`). */
type EventPayload<E> = E extends { readonly _eventType?: infer T } ? T : E extends { readonly schema: { readonly _eventType?: infer T } } ? T : unknown;

/** The events map of a definition, or `never` when it declares none. */
export type EventsOf<D> = ConfigOf<D> extends { readonly events?: infer E } ? (IsAny<E> extends true ? never : NonNullable<E>) : never;

/** The argument list of event `K` of definition `D` (anything for an undeclared event). */
export type EventArgs<D, K> = [EventsOf<D>] extends [never]
  ? any[]
  : K extends keyof EventsOf<D>
    ? unknown extends EventPayload<EventsOf<D>[K]>
      ? any[]
      : InferEventArgs<EventPayload<EventsOf<D>[K]>>
    : any[];

/** The event names of `D`, or any string when it declares none. */
export type EventName<D> = [EventsOf<D>] extends [never] ? string : keyof EventsOf<D> & string;

/** The queues map of a definition, or `never` when it declares none. */
export type QueuesOf<D> = ConfigOf<D> extends { readonly queues?: infer Q } ? (IsAny<Q> extends true ? never : NonNullable<Q>) : never;

/** The queue names of `D`, or any string when it declares none. */
export type QueueName<D> = [QueuesOf<D>] extends [never] ? string : keyof QueuesOf<D> & string;

/** The message type of queue `K` of `D`. */
export type QueueMessage<D, K> = [QueuesOf<D>] extends [never]
  ? unknown
  : K extends keyof QueuesOf<D>
    ? QueuesOf<D>[K] extends { readonly _queueMessage?: infer M }
      ? M
      : unknown
    : unknown;

/** The completion type of queue `K` of `D` (`unknown` when it declares none). */
export type QueueCompletion<D, K> = [QueuesOf<D>] extends [never]
  ? unknown
  : K extends keyof QueuesOf<D>
    ? QueuesOf<D>[K] extends { readonly _queueComplete?: infer C }
      ? [C] extends [never]
        ? unknown
        : C
      : unknown
    : unknown;
