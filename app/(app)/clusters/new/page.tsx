import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { ClusterForm } from "@/components/catalog/cluster-form";

export const metadata: Metadata = { title: "Register cluster" };

export default async function NewClusterPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "cluster.register", platform));
  return (
    <>
      <PageHeader
        title="Register a cluster"
        description="Paste or upload a kubeconfig. Wharf checks that the cluster answers, accepts the credentials, and that they may do what Wharf needs."
      />
      <ClusterForm />
    </>
  );
}
