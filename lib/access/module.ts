/** Users, the audit log and the Admin section. */
import { defineModule } from "@/lib/module";

export const accessModule = defineModule({
  name: "access",
  policy: {
    "audit.read": { on: ["platform"], platform: ["admin"], description: "Browse the whole audit log" },
    "user.manage": { on: ["platform"], platform: ["admin"], description: "Change users' platform roles, disable users" },
    "admin.access": { on: ["platform"], platform: ["admin"], description: "Open the Admin section" },
  },
  nav: [{ href: "/admin", label: "Admin", icon: "admin", requires: "admin.access", order: 90 }],
});
