/**
 * The icons drawn in the sprite (public/icons.svg), by the name the app uses
 * with <SpriteIcon name="…" />. Hand-written: `npm run icons` regenerates the
 * sprite and components/icons/sprite.generated.ts from this map.
 *
 * The sidebar's keys are the `icon` of the modules' nav items (lib/<domain>/module.ts):
 * a module that adds a nav item adds its key here. A key not listed shows `shapes`.
 *
 * Only what the shell and the projects list render (docs/performance.md, "Third
 * pass"); the rest of the app still imports lucide-react directly.
 */
import {
  Anchor,
  ArrowDown,
  ArrowUp,
  BarChart3,
  Bell,
  Boxes,
  ChevronDown,
  ChevronRight,
  Flame,
  Home,
  LayoutTemplate,
  Loader2,
  Monitor,
  Moon,
  PanelLeft,
  Plus,
  Rocket,
  Search,
  Server,
  Shapes,
  Shield,
  Siren,
  Sun,
  Ticket,
  Users,
  X,
  type LucideIcon,
} from "lucide-react";

export const SPRITE_ICONS = {
  // Sidebar nav items, by the keys modules name.
  home: Home,
  projects: Boxes,
  teams: Users,
  templates: LayoutTemplate,
  tickets: Ticket,
  deployments: Rocket,
  dashboards: BarChart3,
  clusters: Server,
  admin: Shield,
  alerts: Siren,
  incidents: Flame,
  "alert-routing": Shapes,
  // The fallback of an unknown nav key, and the logo.
  shapes: Shapes,
  anchor: Anchor,
  // Header: sidebar trigger, breadcrumbs, search, notifications, theme.
  "panel-left": PanelLeft,
  "chevron-right": ChevronRight,
  search: Search,
  bell: Bell,
  sun: Sun,
  moon: Moon,
  monitor: Monitor,
  loader: Loader2,
  // The projects list.
  rocket: Rocket,
  plus: Plus,
  x: X,
  "chevron-down": ChevronDown,
  "arrow-up": ArrowUp,
  "arrow-down": ArrowDown,
  boxes: Boxes,
} satisfies Record<string, LucideIcon>;
