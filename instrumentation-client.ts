/**
 * Runs in the browser before the app hydrates (Next.js loads it ahead of the pages' modules).
 *
 * The portal's CSP allows no eval (proxy.ts). zod 4 compiles object parsers with `new Function` where it may, and
 * finds out by trying once per page: under the CSP that try is blocked and reported as a violation, then zod falls
 * back. Telling it up front makes it parse without compiling, which is all a browser form needs. zod keeps the
 * setting on globalThis, so every copy of zod in the bundles sees it; the server keeps compiling.
 */
import { config } from "zod/v4/core";

config({ jitless: true });
