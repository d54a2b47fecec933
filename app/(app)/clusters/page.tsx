import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { Plus, Server } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listClusters } from "@/lib/catalog/clusters";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { ClusterTable } from "@/components/catalog/cluster-table";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata: Metadata = { title: "Clusters" };

export default async function ClustersPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "cluster.read", platform));
  const clusters = await listClusters(ctx);
  const canRegister = can(ctx.actor, "cluster.register", platform);
  return (
    <>
      <PageHeader
        title="Clusters"
        description="Every Kubernetes cluster Wharf provisions on. Checked every minute: it answers, accepts the credentials, and they may do what Wharf needs."
        actions={
          canRegister ? (
            <Button asChild>
              <Link href="/clusters/new">
                <Plus /> Register cluster
              </Link>
            </Button>
          ) : undefined
        }
      />
      {clusters.length === 0 ? (
        <EmptyState
          icon={Server}
          title="No clusters registered"
          description={canRegister ? "Register a cluster by pasting or uploading its kubeconfig." : "An admin registers clusters from their kubeconfigs."}
          action={
            canRegister ? (
              <Button asChild>
                <Link href="/clusters/new">Register a cluster</Link>
              </Button>
            ) : undefined
          }
        />
      ) : (
        <ClusterTable initial={JSON.parse(JSON.stringify(clusters))} />
      )}
    </>
  );
}
