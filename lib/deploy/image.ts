/**
 * Image references as releases store them: `repository:tag`, or pinned by the digest a CI run pushed,
 * `repository:tag@sha256:…` (lib/ci/promote.ts). No imports: pages, client components and the engine share it.
 */

/** The digest an image reference is pinned by (`repo:tag@sha256:…` → `sha256:…`), or undefined. */
export function digestOf(image: string): string | undefined {
  const at = image.indexOf("@");
  return at >= 0 ? image.slice(at + 1) : undefined;
}

/** The tag of an image reference, never a registry's port or a pinned digest (`host:5000/app:v2@sha256:…` → `v2`). */
export function tagOfImage(image: string): string {
  const at = image.indexOf("@");
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? ref.slice(colon + 1) : "latest";
}
