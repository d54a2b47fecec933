/** The icon sprite (public/icons.svg) and its module are what `npm run icons` writes, and cover every nav item's icon key. */
import { describe, expect, it } from "vitest";
import { Rocket } from "lucide-react";
import { MODULES } from "@/lib/modules";
import { ICON_NAMES } from "@/components/icons/sprite.generated";
import { SPRITE_ICONS } from "@/components/icons/sprite-icons";
import { committedSprite, generateSprite, symbolBody } from "./icons";

describe("the icon sprite", () => {
  it("the icon sprite is current: every name the app uses is drawn as lucide-react draws it", async () => {
    const fresh = await generateSprite();
    const committed = await committedSprite();
    expect(committed.svg === fresh.svg, "public/icons.svg is not what components/icons/sprite-icons.ts draws: run npm run icons").toBe(true);
    expect(committed.module === fresh.module, "components/icons/sprite.generated.ts is stale: run npm run icons").toBe(true);
    expect([...ICON_NAMES]).toEqual(Object.keys(SPRITE_ICONS));
    // One symbol per name, each on lucide's 24x24 grid.
    for (const name of ICON_NAMES) expect(fresh.svg).toContain(`<symbol id="${name}" viewBox="0 0 24 24">`);
  });

  it("draws a symbol with the very paths of lucide-react's component", async () => {
    const { svg } = await generateSprite({ rocket: Rocket });
    const body = symbolBody("rocket", Rocket);
    expect(body).toMatch(/^<path d="[^"]+"\/>/);
    expect(svg).toBe(`<svg xmlns="http://www.w3.org/2000/svg">\n<symbol id="rocket" viewBox="0 0 24 24">${body}</symbol>\n</svg>\n`);
  });

  it("every sidebar nav icon key of every module has a symbol", () => {
    const keys = MODULES.flatMap((m) => (m.nav ?? []).map((item) => ({ module: m.name, key: item.icon })));
    expect(keys.length).toBeGreaterThan(5);
    const missing = keys.filter(({ key }) => !(ICON_NAMES as readonly string[]).includes(key));
    expect(missing, "add these keys to components/icons/sprite-icons.ts, then run npm run icons").toEqual([]);
  });
});
