/**
 * The cookie that keeps the desktop sidebar open or collapsed. A plain module, not components/ui/sidebar.tsx: that
 * file is "use client", so a server layout importing a constant from it gets a client reference, not the string,
 * and never finds the cookie (a collapsed sidebar came back expanded on every reload).
 * Read it in a server layout and pass `defaultOpen` to <SidebarProvider>:
 *   const open = (await cookies()).get(SIDEBAR_COOKIE_NAME)?.value !== "false"
 */
export const SIDEBAR_COOKIE_NAME = "sidebar_state";
export const SIDEBAR_COOKIE_MAX_AGE = 60 * 60 * 24 * 7;
