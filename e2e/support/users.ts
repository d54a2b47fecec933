import path from "node:path";

export const DEMO = {
  developer: { name: "Dana Developer", email: "dana@wharf.dev" },
  ops: { name: "Omar Ops", email: "omar@wharf.dev" },
  manager: { name: "Mia Manager", email: "mia@wharf.dev" },
  admin: { name: "Ada Admin", email: "ada@wharf.dev" },
} as const;

export type DemoRole = keyof typeof DEMO;

export function authFile(role: DemoRole) {
  return path.join(import.meta.dirname, "..", "..", ".wharf", "e2e-auth", `${role}.json`);
}
