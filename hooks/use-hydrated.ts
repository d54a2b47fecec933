import * as React from "react";

const subscribe = () => () => {};

/**
 * False in the server render and until React has hydrated this component,
 * then true. Buttons whose work is JavaScript (signIn, server actions) stay
 * disabled until then: a click before hydration would do nothing, and a
 * person (or a test) on a slow machine would click into the void.
 */
export function useHydrated(): boolean {
  return React.useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
