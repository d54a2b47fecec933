"use server";
/** Server actions of Git access tokens. */
import { defineAction } from "@/lib/http/action";
import { createGitToken, revokeGitToken } from "./tokens";
import { ZCreateGitToken, ZRevokeGitToken } from "./schemas";

export const createGitTokenAction = defineAction("git.token.create", ZCreateGitToken, (input, ctx) => createGitToken(ctx, input), {
  revalidate: () => ["/settings/tokens"],
});

export const revokeGitTokenAction = defineAction("git.token.revoke", ZRevokeGitToken, (input, ctx) => revokeGitToken(ctx, input), {
  revalidate: () => ["/settings/tokens"],
});
