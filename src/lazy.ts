/**
 * A value made on first use. Costly modules (cel-js builds its environment, ajv compiles schemas)
 * are loaded this way so that a scan loads only what its documents need.
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
