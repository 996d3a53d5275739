/** Schemas built when first used and then kept: a process pays only for those it checks with. */
import type * as z from 'zod';

/** An object whose properties are the builders' schemas, each built on first access and kept. */
export function lazySchemas<T extends Record<string, () => z.ZodType>>(builders: T): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const schemas = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(builders) as (keyof T)[]) {
    let built: ReturnType<T[typeof key]> | undefined;
    Object.defineProperty(schemas, key, { enumerable: true, get: () => (built ??= builders[key]!() as ReturnType<T[typeof key]>) });
  }
  return schemas;
}

/** A schema built on first use and kept, for one shared by several ops. */
export function once<S extends z.ZodType>(build: () => S): () => S {
  let built: S | undefined;
  return () => (built ??= build());
}

/**
 * A schema that module code can export and compose like any other, built only when something
 * first uses it. Zod builds a schema object per chained call, with its methods, so a module of
 * schemas costs milliseconds to load; the CLI loads many it never checks with on the way to a
 * read. The stand-in forwards every use to the built schema (methods are closures over it).
 */
export function lazySchema<S extends z.ZodType>(build: () => S): S {
  let built: S | undefined;
  const schema = (): S => (built ??= build());
  return new Proxy({} as S, {
    get: (_target, key) => Reflect.get(schema(), key, schema()),
    has: (_target, key) => Reflect.has(schema(), key),
    set: (_target, key, value) => Reflect.set(schema(), key, value, schema()),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // The stand-in itself has no such property: it may only report it as configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
