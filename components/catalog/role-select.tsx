"use client";

import { useRouter } from "next/navigation";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useAction } from "@/components/forms/use-action";
import { setPlatformRoleAction } from "@/lib/access/actions";

const ROLES = ["developer", "ops", "manager", "admin"] as const;

export function RoleSelect({ userId, version, role, disabled }: { userId: string; version: number; role: string; disabled?: boolean }) {
  const router = useRouter();
  const action = useAction(setPlatformRoleAction, { success: "Role changed", onSuccess: () => router.refresh() });
  return (
    <Select
      value={role}
      disabled={disabled || action.pending}
      onValueChange={(v) => void action.run({ userId, version, platformRole: v as (typeof ROLES)[number] })}
    >
      <SelectTrigger className="w-36" aria-label="Platform role">
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        {ROLES.map((r) => (
          <SelectItem key={r} value={r}>
            {r}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}
