/** The team page's public namespaces: which services use each, and its shared values per environment (default cluster). */
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import type { Ctx } from "@/lib/context";
import { getWorkingCopy, listPublicNamespaces } from "./read";

export async function getTeamPublicConfig(ctx: Ctx, teamId: string) {
  const list = await listPublicNamespaces(ctx, teamId);
  const namespaces = await Promise.all(
    list.namespaces.map(async (n) => ({
      ...n,
      byEnvironment: await Promise.all(
        ENVIRONMENTS.map(async (environment) => {
          const wc = await getWorkingCopy(ctx, { namespaceId: n.id, serviceId: null, environment, cluster: "default" });
          return {
            environment,
            draftVersion: wc.draftVersion,
            items: wc.items,
            changes: wc.changes.length,
            latestRelease: wc.latestRelease ? { id: wc.latestRelease.id, number: wc.latestRelease.number, author: wc.latestRelease.author } : null,
            pendingTicket: wc.pendingTicket,
          };
        }),
      ),
    })),
  );
  return { namespaces, rights: list.rights };
}

export type TeamPublicConfig = Awaited<ReturnType<typeof getTeamPublicConfig>>;
