"use client";

import * as React from "react";
import { ThemeProvider as NextThemesProvider } from "next-themes";

/**
 * next-themes sets the theme before the first paint with an inline script it renders from this (client) component.
 * The script only does its work in the server's HTML. When React renders the provider on the client instead of
 * hydrating it (a page that calls notFound() makes React render the whole document again on the client), React 19
 * creates a script it never runs and logs "Encountered a script tag while rendering React component" (every 404).
 * On the client the script is marked as data (a JSON block): React neither runs nor warns about it, and hydration
 * keeps the server's script (its attributes are not compared: next-themes suppresses the hydration warning there).
 */
const clientScriptProps = typeof window === "undefined" ? undefined : { type: "application/json" };

function ThemeProvider({ children, ...props }: React.ComponentProps<typeof NextThemesProvider>) {
  return (
    <NextThemesProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange scriptProps={clientScriptProps} {...props}>
      {children}
    </NextThemesProvider>
  );
}

export { ThemeProvider };
