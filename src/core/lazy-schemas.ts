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
