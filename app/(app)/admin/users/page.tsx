import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { listUsers } from "@/lib/catalog/users";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { TimeAgo } from "@/components/shell/time-ago";
import { RoleSelect } from "@/components/catalog/role-select";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "user.manage", platform));
  const users = await listUsers(ctx);
  return (
    <>
      <PageHeader title="Users" description="Users appear at their first sign-in. Their platform role decides what they can do outside their projects." />
      <div className="rounded-md border">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>User</TableHead>
              <TableHead>Platform role</TableHead>
              <TableHead>Projects</TableHead>
              <TableHead>Teams</TableHead>
              <TableHead>Last sign-in</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {users.map((u) => (
              <TableRow key={u.id}>
                <TableCell>
                  <div className="font-medium">
                    {u.name} {u.isDemo && <Badge variant="secondary">demo</Badge>} {u.disabled && <Badge variant="destructive">disabled</Badge>}
                  </div>
                  <div className="text-xs text-muted-foreground">{u.email}</div>
                </TableCell>
                <TableCell>
                  <RoleSelect userId={u.id} version={u.version} role={u.platformRole} disabled={u.id === ctx.actor.id} />
                </TableCell>
                <TableCell>{u._count.projectMembers}</TableCell>
                <TableCell>{u._count.teamMemberships}</TableCell>
                <TableCell className="text-sm text-muted-foreground">
                  <TimeAgo date={u.lastLoginAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </>
  );
}
