/**
 * The repository store: publishes a new project's generated files as one
 * initial commit on `main`, either to the company's Git server
 * (`WHARF_GIT_REMOTE_URL`) or, without one, to a bare repository in the
 * portal's own store (`WHARF_REPO_DIR/<slug>.git`, served read-only at
 * /git/<slug>.git).
 *
 * Idempotent, because jobs may run twice: when `main` already holds exactly
 * these files, publishing returns that commit and writes nothing. When `main`
 * holds something else, it refuses (PRECONDITION_FAILED) rather than rewrite
 * a repository people may already work in.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { AppError, fieldErrorsFromZod } from "@/lib/errors";
import { env } from "@/lib/env";
import { ZProjectSlug, ZTeamSlug } from "@/lib/catalog/schemas";
import { childLogger } from "@/lib/log";
import { GitCommandError, runGit } from "./cli";

const log = childLogger("git-store");

const ZERO_OID = "0000000000000000000000000000000000000000";

export interface GitStoreSettings {
  /** Absolute directory of the portal's bare repositories. */
  repoDir: string;
  /** `https://git.example.com/{team}/{project}.git`; unset: the portal's store. */
  remoteUrl?: string;
  username?: string;
  token?: string;
  /** The portal's public URL, for clone URLs of the portal's store. */
  publicUrl: string;
}

export function gitStoreSettings(c = env()): GitStoreSettings {
  return {
    // The store lives outside the build output: keep bundlers from tracing the working directory.
    repoDir: path.resolve(/* turbopackIgnore: true */ process.cwd(), c.WHARF_REPO_DIR),
    remoteUrl: c.WHARF_GIT_REMOTE_URL,
    username: c.WHARF_GIT_USERNAME,
    token: c.WHARF_GIT_TOKEN,
    publicUrl: (c.NEXTAUTH_URL ?? "http://localhost:3000").replace(/\/+$/, ""),
  };
}

export const ZPublishRepository = z.object({
  slug: ZProjectSlug,
  /** The team's slug: required when WHARF_GIT_REMOTE_URL contains {team}. */
  team: ZTeamSlug.optional(),
  files: z
    .array(
      z.object({
        path: z.string().min(1),
        content: z.string(),
        executable: z.boolean().default(false),
      }),
    )
    .min(1, { message: "A repository needs at least one file" }),
  author: z.object({ name: z.string().trim().min(1), email: z.email() }),
  message: z.string().trim().min(1, { message: "Enter a commit message" }),
});

export type TPublishRepository = z.input<typeof ZPublishRepository>;

export interface PublishedRepository {
  /** What developers clone. */
  cloneUrl: string;
  /** The commit `main` points at. */
  commit: string;
  remote: "portal" | "external";
  /** False when `main` already held these files (a retried job): nothing was written. */
  created: boolean;
}

/** The clone URL a project's repository has (or will have), e.g. for the generator's `repositoryUrl`. */
export function repositoryCloneUrl(project: { slug: string; team?: string }, settings: GitStoreSettings = gitStoreSettings()): string {
  if (settings.remoteUrl) return remoteUrlFor(settings.remoteUrl, project);
  return `${settings.publicUrl}/git/${project.slug}.git`;
}

function remoteUrlFor(template: string, project: { slug: string; team?: string }): string {
  if (template.includes("{team}") && !project.team) {
    throw new AppError("INVALID_INPUT", "The project's team is needed to name its repository.", {
      fieldErrors: { team: ["Required: WHARF_GIT_REMOTE_URL names repositories by team"] },
    });
  }
  return template.replaceAll("{project}", project.slug).replaceAll("{team}", project.team ?? "");
}

/** The bare repository of a project in the portal's store. The slug must be valid (checked by callers). */
export function portalRepositoryPath(slug: string, settings: GitStoreSettings = gitStoreSettings()): string {
  return path.join(settings.repoDir, `${slug}.git`);
}

export async function portalRepositoryExists(slug: string, settings: GitStoreSettings = gitStoreSettings()): Promise<boolean> {
  if (!ZProjectSlug.safeParse(slug).success) return false;
  try {
    await fs.access(path.join(portalRepositoryPath(slug, settings), "HEAD"));
    return true;
  } catch {
    return false;
  }
}

/** Repository paths are kept inside the repository: relative, no "..", no .git. */
function checkPaths(files: { path: string }[]) {
  const fieldErrors: Record<string, string[]> = {};
  const seen = new Set<string>();
  files.forEach((f, i) => {
    const norm = path.posix.normalize(f.path);
    const bad =
      f.path.startsWith("/") ||
      f.path.includes("\\") ||
      f.path.includes("\0") ||
      norm !== f.path ||
      f.path.split("/").some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git");
    if (bad) fieldErrors[`files.${i}.path`] = [`"${f.path}" is not a relative path inside the repository`];
    else if (seen.has(f.path)) fieldErrors[`files.${i}.path`] = [`"${f.path}" is listed twice`];
    seen.add(f.path);
  });
  if (Object.keys(fieldErrors).length) throw new AppError("INVALID_INPUT", "Some files cannot be committed.", { fieldErrors });
}

async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Writes the files' blobs and tree into `gitDir`; returns the tree id (the same files always give the same id). */
async function writeTree(gitDir: string, files: { path: string; content: string; executable: boolean }[]): Promise<string> {
  return withTempDir("wharf-tree-", async (tmp) => {
    const work = path.join(tmp, "work");
    for (const f of files) {
      const target = path.join(work, f.path);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, f.content, { mode: f.executable ? 0o755 : 0o644 });
      await fs.chmod(target, f.executable ? 0o755 : 0o644); // writeFile's mode is masked by the umask
    }
    const env = { GIT_DIR: gitDir, GIT_WORK_TREE: work, GIT_INDEX_FILE: path.join(tmp, "index") };
    // -f: a template's own .gitignore must not drop files from the first commit.
    await runGit(["-c", "core.fileMode=true", "-c", "core.autocrlf=false", "add", "-A", "-f", "."], { cwd: work, env });
    return (await runGit(["write-tree"], { cwd: work, env })).stdout.trim();
  });
}

async function commitTree(gitDir: string, tree: string, input: z.output<typeof ZPublishRepository>): Promise<string> {
  const env = {
    GIT_DIR: gitDir,
    GIT_AUTHOR_NAME: input.author.name,
    GIT_AUTHOR_EMAIL: input.author.email,
    GIT_COMMITTER_NAME: input.author.name,
    GIT_COMMITTER_EMAIL: input.author.email,
  };
  return (await runGit(["commit-tree", tree], { env, input: `${input.message}\n` })).stdout.trim();
}

async function treeOf(gitDir: string, rev: string): Promise<string> {
  return (await runGit(["rev-parse", `${rev}^{tree}`], { env: { GIT_DIR: gitDir } })).stdout.trim();
}

async function resolveRef(gitDir: string, ref: string): Promise<string | null> {
  const r = await runGit(["rev-parse", "--verify", "-q", `${ref}^{commit}`], { env: { GIT_DIR: gitDir }, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

const alreadyHasCommits = (where: string) =>
  new AppError("PRECONDITION_FAILED", `The repository ${where} already has other commits on main; Wharf only creates new repositories and never rewrites one.`);

/** Creates the bare repository if it is not there; concurrent callers end up with the same one. */
async function ensureBareRepository(gitDir: string): Promise<void> {
  try {
    await fs.access(path.join(gitDir, "HEAD"));
    return;
  } catch {
    // not there yet
  }
  await fs.mkdir(path.dirname(gitDir), { recursive: true });
  // Initialise beside it, then rename: nobody ever sees a half-made repository.
  const staging = `${gitDir}.init-${process.pid}-${Date.now()}`;
  await runGit(["init", "-q", "--bare", "--initial-branch=main", staging]);
  await runGit(["config", "http.receivepack", "false"], { env: { GIT_DIR: staging } });
  await runGit(["config", "uploadpack.allowFilter", "true"], { env: { GIT_DIR: staging } });
  try {
    await fs.rename(staging, gitDir);
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTEMPTY") throw e;
  }
}

async function publishToPortal(input: z.output<typeof ZPublishRepository>, settings: GitStoreSettings): Promise<PublishedRepository> {
  const gitDir = portalRepositoryPath(input.slug, settings);
  const cloneUrl = repositoryCloneUrl(input, settings);
  await ensureBareRepository(gitDir);
  const tree = await writeTree(gitDir, input.files as { path: string; content: string; executable: boolean }[]);
  const existing = await resolveRef(gitDir, "refs/heads/main");
  if (existing) {
    if ((await treeOf(gitDir, existing)) === tree) return { cloneUrl, commit: existing, remote: "portal", created: false };
    throw alreadyHasCommits(cloneUrl);
  }
  const commit = await commitTree(gitDir, tree, input);
  // Compare-and-swap from "no main": of two concurrent publishers exactly one wins.
  const swap = await runGit(["update-ref", "-m", "wharf: initial commit", "refs/heads/main", commit, ZERO_OID], {
    env: { GIT_DIR: gitDir },
    allowFailure: true,
  });
  if (swap.code !== 0) {
    const winner = await resolveRef(gitDir, "refs/heads/main");
    if (winner && (await treeOf(gitDir, winner)) === tree) return { cloneUrl, commit: winner, remote: "portal", created: false };
    throw alreadyHasCommits(cloneUrl);
  }
  log.info({ slug: input.slug, commit }, "repository created in the portal's store");
  return { cloneUrl, commit, remote: "portal", created: true };
}

/** Credentials reach git through a credential helper reading the environment: never in argv or the URL. */
function remoteEnv(settings: GitStoreSettings): Record<string, string> {
  if (!settings.username || !settings.token) return {};
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "credential.helper",
    GIT_CONFIG_VALUE_0: '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$WHARF_GIT_USERNAME" "$WHARF_GIT_TOKEN"; }; f',
    WHARF_GIT_USERNAME: settings.username,
    WHARF_GIT_TOKEN: settings.token,
  };
}

function remoteUnavailable(url: string, e: unknown): AppError {
  const detail = e instanceof GitCommandError ? e.result.stderr.trim().split("\n").filter(Boolean).slice(-2).join(" ") : String(e);
  return new AppError("UNAVAILABLE", `The Git server refused or could not be reached for ${url}: ${detail}`, { cause: e });
}

async function publishToRemote(input: z.output<typeof ZPublishRepository>, settings: GitStoreSettings): Promise<PublishedRepository> {
  const url = remoteUrlFor(settings.remoteUrl!, input);
  const env = remoteEnv(settings);
  return withTempDir("wharf-publish-", async (gitDir) => {
    await runGit(["init", "-q", "--bare", "--initial-branch=main", gitDir]);
    const tree = await writeTree(gitDir, input.files as { path: string; content: string; executable: boolean }[]);
    const git = (args: string[], allowFailure = false) =>
      runGit(args, { env: { ...env, GIT_DIR: gitDir }, allowFailure, timeoutMs: 300_000 }).catch((e: unknown) => {
        throw remoteUnavailable(url, e);
      });

    const compareWithRemote = async (): Promise<PublishedRepository | null> => {
      const remote = (await git(["ls-remote", url, "refs/heads/main"])).stdout.trim().split(/\s+/)[0];
      if (!remote) return null;
      await git(["fetch", "-q", "--depth=1", url, "refs/heads/main:refs/remotes/origin/main"]);
      if ((await treeOf(gitDir, "refs/remotes/origin/main")) === tree) return { cloneUrl: url, commit: remote, remote: "external", created: false };
      throw alreadyHasCommits(url);
    };

    const existing = await compareWithRemote();
    if (existing) return existing;
    const commit = await commitTree(gitDir, tree, input);
    // No force: if someone pushed in between, the push is refused and we compare again.
    const push = await git(["push", "-q", url, `${commit}:refs/heads/main`], true);
    if (push.code !== 0) {
      const after = await compareWithRemote().catch(() => null);
      if (after) return after;
      throw remoteUnavailable(url, new GitCommandError(["push"], push));
    }
    log.info({ slug: input.slug, commit, url }, "repository pushed to the Git server");
    return { cloneUrl: url, commit, remote: "external", created: true };
  });
}

/**
 * Publishes a project's files as the initial commit on `main`: pushed to
 * `WHARF_GIT_REMOTE_URL` when configured, else kept in the portal's store.
 * Safe to call again with the same files (returns the same commit).
 */
export async function publishProjectRepository(raw: TPublishRepository, settings: GitStoreSettings = gitStoreSettings()): Promise<PublishedRepository> {
  const parsed = ZPublishRepository.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("INVALID_INPUT", "The repository cannot be published.", { fieldErrors: fieldErrorsFromZod(parsed.error.issues) });
  }
  checkPaths(parsed.data.files);
  return settings.remoteUrl ? publishToRemote(parsed.data, settings) : publishToPortal(parsed.data, settings);
}
