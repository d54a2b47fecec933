/** The sidebar: the modules' nav items, each shown only to actors who may use it. */
import { registry, type Action } from "@/lib/modules";
import type { NavItem } from "@/lib/module";
import { can, platform, type Actor } from "./policy";

export type { NavItem } from "@/lib/module";

export function navFor(actor: Actor): NavItem[] {
  return registry().nav.filter((item) => can(actor, item.requires as Action, platform));
}
