/** A template's icon: the lucide icon its manifest names (kebab-case), or a box when there is none by that name. */
import { createElement } from "react";
import { Box, icons, type LucideIcon } from "lucide-react";

export function templateIcon(name: string): LucideIcon {
  const pascal = name
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
  return (icons as Record<string, LucideIcon>)[pascal] ?? Box;
}

export function TemplateIcon({ name, className }: { name: string; className?: string }) {
  // Looked up, not created: the icon components are lucide's own module-level ones.
  return createElement(templateIcon(name), { className, "aria-hidden": true });
}
