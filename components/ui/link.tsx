import NextLink from "next/link";
import type { ComponentProps } from "react";

/**
 * next/link, prefetching when someone reaches for the link instead of when it scrolls into view.
 *
 * next/link prefetches every link in view, and a prefetch of a dynamic page is a server render of it: a service page
 * with its tabs and releases asked for six to ten renders on every visit, and again after every action that revalidates
 * it (docs/performance.md, "Seventh pass"). The document's one listener (components/shell/intent-prefetch.tsx)
 * prefetches a link on hover, focus or touch instead, so a click still finds the page fetched. A link that should
 * prefetch as soon as it shows says `prefetch` (or `prefetch={null}`) itself.
 */
export default function Link({ prefetch = false, ...props }: ComponentProps<typeof NextLink>) {
  return <NextLink prefetch={prefetch} {...props} />;
}
