import { ICON_NAMES, SPRITE_URL, type IconName } from "./sprite.generated";

export type { IconName };

/**
 * One icon of the sprite (public/icons.svg, `npm run icons`): a few dozen bytes
 * of markup instead of lucide's ~415 per icon. Size, fill and stroke come from
 * the `.icon` rule in app/globals.css (a CSS layer, so `size-4` and a parent's
 * `[&_svg]:size-4` still win). Decorative: label the control around it.
 */
export function SpriteIcon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg aria-hidden="true" className={className ? `icon ${className}` : "icon"}>
      <use href={`${SPRITE_URL}#${name}`} />
    </svg>
  );
}

const NAMES: ReadonlySet<string> = new Set(ICON_NAMES);

/** Whether a key (a nav item's `icon`, from a module) names a symbol of the sprite. */
export function isIconName(key: string): key is IconName {
  return NAMES.has(key);
}
