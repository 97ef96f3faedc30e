/**
 * A value made on first use. Costly modules (cel-js builds its environment, ajv compiles schemas)
 * are loaded this way so that a scan loads only what its documents need. Once made, `make` is let
 * go of, with whatever it holds (a syntax tree, say).
 */
export function lazy<T>(make: () => T): () => T {
  let pending: (() => T) | undefined = make;
  let made: T;
  return () => {
    if (pending) {
      made = pending();
      pending = undefined;
    }
    return made;
  };
}
