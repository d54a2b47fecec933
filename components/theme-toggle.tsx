"use client";

import * as React from "react";
import { useTheme } from "next-themes";

import { SpriteIcon } from "@/components/icons/sprite-icon";
import styles from "@/components/shell/header.module.css";
import { useHydrated } from "@/hooks/use-hydrated";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";

const THEMES = [
  { value: "light", label: "Light", icon: "sun" },
  { value: "dark", label: "Dark", icon: "moon" },
  { value: "system", label: "System", icon: "monitor" },
] as const;

function ThemeToggle({ className, align = "end" }: { className?: string; align?: "start" | "center" | "end" }) {
  const { theme, setTheme } = useTheme();
  const hydrated = useHydrated();
  const button = (
    // One short class (the header's, on every page) instead of Button's 550 characters.
    <button type="button" className={`${styles.base} ${styles.icon}${className ? ` ${className}` : ""}`} data-slot="theme-toggle">
      <SpriteIcon name="sun" className="scale-100 rotate-0 transition-all dark:scale-0 dark:-rotate-90" />
      <SpriteIcon name="moon" className="absolute scale-0 rotate-90 transition-all dark:scale-100 dark:rotate-0" />
      <span className="sr-only">Toggle theme</span>
    </button>
  );
  // The server renders the button alone, and the menu around it comes with hydration (docs/performance.md, ninth pass).
  if (!hydrated) return button;

  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>{button}</DropdownMenuTrigger>
      <DropdownMenuContent align={align}>
        <DropdownMenuLabel>Theme</DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuRadioGroup value={theme} onValueChange={setTheme}>
          {THEMES.map(({ value, label, icon }) => (
            <DropdownMenuRadioItem key={value} value={value}>
              <SpriteIcon name={icon} />
              {label}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

export { ThemeToggle };
