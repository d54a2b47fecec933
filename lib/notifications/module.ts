/** In-app notifications and the team chat webhooks that carry the same news. */
import { defineModule, type ModuleParts } from "@/lib/module";
import { webhookTask } from "./index";

export const notificationsModule = defineModule({
  name: "notifications",
  policy: {},
  parts: (): ModuleParts => ({ tasks: [webhookTask] }),
});
