"use client";

// The signed-in pages use the same error screen as the rest of the app (inside the shell, so navigation stays).
export { default } from "../error";
