/** Inputs of the Git access token pages and actions (shared by the form and the server). */
import { z } from "zod";

/** The longest validity anyone may choose; WHARF_GIT_TOKEN_DAYS may set a shorter one. */
export const GIT_TOKEN_MAX_DAYS = 366;

export const ZGitTokenName = z
  .string()
  .trim()
  .min(1, { message: "Name the token after where you use it, e.g. laptop" })
  .max(60, { message: "At most 60 characters" });

export const ZCreateGitToken = z.object({
  name: ZGitTokenName,
  /** Days until it expires. */
  days: z
    .number()
    .int()
    .min(1, { message: "At least one day" })
    .max(GIT_TOKEN_MAX_DAYS, { message: `At most ${GIT_TOKEN_MAX_DAYS} days` }),
});
export type TCreateGitToken = z.infer<typeof ZCreateGitToken>;

export const ZRevokeGitToken = z.object({ id: z.string().min(1).max(64) });

/** Whose tokens to list: one's own (no e-mail), or, for admins, another person's. */
export const ZListGitTokens = z.object({
  userEmail: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: "Enter an e-mail address" }))
    .optional(),
});
