/**
 * Git's smart HTTP protocol over the portal's store:
 *   GET  /git/<slug>.git/info/refs?service=git-upload-pack   ref advertisement (clone, fetch)
 *   POST /git/<slug>.git/git-upload-pack                     negotiation and pack
 *   GET  /git/<slug>.git/info/refs?service=git-receive-pack  ref advertisement (push)
 *   POST /git/<slug>.git/git-receive-pack                    the pushed pack and ref updates
 * Each runs `git upload-pack` / `git receive-pack --stateless-rpc` (what
 * `git http-backend` runs) and streams its output: a pack is never held in
 * memory. Reads follow lib/git/access.ts's decideGitRead; pushes always need
 * a Git token of someone with `project.repo.write` (decideGitWrite). After a
 * push the refs it changed are handed to `onPush` (CI runs) before the
 * response ends. Protocol v2 is passed through from the Git-Protocol header.
 */
import { spawn } from "node:child_process";
import { Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { ZProjectSlug } from "@/lib/catalog/schemas";
import { childLogger } from "@/lib/log";
import type { Actor } from "@/lib/access/policy";
import { gitEnv, runGit } from "./cli";
import { decideGitRead, decideGitWrite, type GitReadDecision } from "./access";
import { portalRepositoryExists, portalRepositoryPath, type GitStoreSettings } from "./store";

const log = childLogger("git-http");

/** A fetch that runs longer than this is cut off (a stuck client must not hold a process forever). */
const UPLOAD_PACK_TIMEOUT_MS = 15 * 60_000;
/** Fetch requests carry wants and haves, not data: anything larger is not a real client. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** A push carries a pack: bounded, but for real repositories. */
const MAX_PUSH_BYTES = 1024 * 1024 * 1024;

/** A ref a push changed (`after` all zeros: deleted). */
export interface RefUpdate {
  ref: string;
  before: string;
  after: string;
}

export interface GitPush {
  actor: Actor;
  slug: string;
  gitDir: string;
  updates: RefUpdate[];
}

export interface GitHttpOptions {
  settings: GitStoreSettings;
  publicRead: boolean;
  /** Overrides the access decision (tests of the protocol alone). */
  decide?: (authorization: string | null, slug: string) => Promise<GitReadDecision>;
  /** Overrides the push decision (tests). */
  decideWrite?: (authorization: string | null, slug: string) => Promise<GitReadDecision>;
  /** Called after a push changed refs, before its response ends (the pusher's git waits for it). A failure is logged, never the push's. */
  onPush?: (push: GitPush) => Promise<void>;
}

export const ZERO_SHA = "0".repeat(40);

async function readRefs(gitDir: string): Promise<Map<string, string>> {
  const r = await runGit(["--git-dir", gitDir, "for-each-ref", "--format=%(objectname) %(refname)"], { allowFailure: true });
  const refs = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [sha, ref] = line.split(" ");
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}

function refUpdates(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const out: RefUpdate[] = [];
  for (const [ref, sha] of after) if (before.get(ref) !== sha) out.push({ ref, before: before.get(ref) ?? ZERO_SHA, after: sha });
  for (const [ref, sha] of before) if (!after.has(ref)) out.push({ ref, before: sha, after: ZERO_SHA });
  return out;
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  // Git prints a text/plain error body to the user as "remote: ...".
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers } });
}

const NO_CACHE = {
  "cache-control": "no-cache, max-age=0, must-revalidate",
  pragma: "no-cache",
  expires: "Fri, 01 Jan 1980 00:00:00 GMT",
};

function pktLine(s: string): string {
  return (s.length + 4).toString(16).padStart(4, "0") + s;
}

/** The Git-Protocol header as upload-pack takes it (GIT_PROTOCOL), or none when it looks odd. */
function gitProtocol(req: Request): string | undefined {
  const v = req.headers.get("git-protocol");
  return v && v.length <= 256 && /^[A-Za-z0-9=:., -]+$/.test(v) ? v : undefined;
}

type GitService = "upload-pack" | "receive-pack";

function spawnService(service: GitService, gitDir: string, args: string[], protocol: string | undefined, signal: AbortSignal | undefined) {
  const env = gitEnv(protocol ? { GIT_PROTOCOL: protocol } : {});
  const child = spawn("git", [service, "--stateless-rpc", ...args, gitDir], { env, stdio: ["pipe", "pipe", "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (d: Buffer) => stderr.length < 64 && stderr.push(d));
  const kill = () => child.kill("SIGKILL");
  const timer = setTimeout(kill, UPLOAD_PACK_TIMEOUT_MS);
  signal?.addEventListener("abort", kill, { once: true });
  child.on("close", (code, sig) => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
    if (code !== 0) log.warn({ gitDir, code, signal: sig, stderr: Buffer.concat(stderr).toString("utf8").slice(0, 2000) }, `${service} failed`);
  });
  child.stdin.on("error", () => {}); // the client hung up; close/kill handles the rest
  return child;
}

function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(new Error(`request body larger than ${max} bytes`));
      else cb(null, chunk);
    },
  });
}

/** Handles one request under /git/. `segments` is the path after /git/, e.g. ["demo.git", "info", "refs"]. */
export async function handleGitHttp(req: Request, segments: string[], opts: GitHttpOptions): Promise<Response> {
  const url = new URL(req.url);
  const [repo = "", ...rest] = segments;
  const action = rest.join("/");
  const service = url.searchParams.get("service");

  if (action === "info/refs" && service !== "git-upload-pack" && service !== "git-receive-pack") {
    return text(403, "Wharf serves Git's smart HTTP protocol only; use git 1.7 or newer (git clone <url>).");
  }
  const push = action === "git-receive-pack" || (action === "info/refs" && service === "git-receive-pack");
  const svc: GitService = push ? "receive-pack" : "upload-pack";
  const isAdvertisement = action === "info/refs" && req.method === "GET";
  const isRpc = action === `git-${svc}` && req.method === "POST";
  if (!isAdvertisement && !isRpc) return text(404, "Wharf: not a Git endpoint.");

  const slug = repo.replace(/\.git$/, "");
  const decide = push
    ? (opts.decideWrite ?? ((authorization, s) => decideGitWrite(authorization, s, { publicUrl: opts.settings.publicUrl })))
    : (opts.decide ?? ((authorization, s) => decideGitRead(authorization, s, { publicRead: opts.publicRead, publicUrl: opts.settings.publicUrl })));
  // ZProjectSlug trims; a path segment with spaces is no repository either.
  if (!ZProjectSlug.safeParse(slug).success || slug.trim() !== slug) {
    return text(404, `Wharf: there is no repository "${repo}".`);
  }
  const decision = await decide(req.headers.get("authorization"), slug);
  if (!decision.ok) {
    return text(decision.status, decision.message, decision.status === 401 ? { "www-authenticate": 'Basic realm="Wharf Git", charset="UTF-8"' } : {});
  }
  if (!(await portalRepositoryExists(slug, opts.settings))) {
    return text(
      404,
      `Wharf: the project "${slug}" has no repository in the portal's store${opts.settings.remoteUrl ? " (its code lives on the company's Git server)" : ""}.`,
    );
  }
  const gitDir = portalRepositoryPath(slug, opts.settings);
  const protocol = gitProtocol(req);

  if (isAdvertisement) {
    const child = spawnService(svc, gitDir, ["--advertise-refs"], protocol, req.signal);
    child.stdin.end();
    // Protocol v0/v1 clients expect the service line first; v2 clients do not (as git http-backend does). Pushes speak v0.
    const prefix = protocol?.includes("version=2") && !push ? "" : pktLine(`# service=git-${svc}\n`) + "0000";
    const body = Readable.from(
      (async function* () {
        if (prefix) yield Buffer.from(prefix);
        for await (const chunk of child.stdout) yield chunk as Buffer;
      })(),
    );
    return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: { "content-type": `application/x-git-${svc}-advertisement`, ...NO_CACHE },
    });
  }

  if (req.headers.get("content-type") !== `application/x-git-${svc}-request`) {
    return text(415, `Wharf: expected Content-Type application/x-git-${svc}-request.`);
  }
  if (!req.body) return text(400, "Wharf: the request has no body.");
  const refsBefore = push ? await readRefs(gitDir) : null;
  const child = spawnService(svc, gitDir, [], push ? undefined : protocol, req.signal);
  const encoding = (req.headers.get("content-encoding") ?? "").toLowerCase();
  const input = Readable.fromWeb(req.body as import("node:stream/web").ReadableStream<Uint8Array>);
  const limited = input.pipe(limitBytes(push ? MAX_PUSH_BYTES : MAX_REQUEST_BYTES));
  const decoded = encoding === "gzip" || encoding === "x-gzip" ? limited.pipe(createGunzip()) : limited;
  for (const s of [input, limited, decoded]) s.on("error", () => child.kill("SIGKILL"));
  decoded.pipe(child.stdin);
  const pusher = decision.actor;
  const body =
    refsBefore && pusher
      ? Readable.from(
          (async function* () {
            const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
            for await (const chunk of child.stdout) yield chunk as Buffer;
            if ((await closed) !== 0 || !opts.onPush) return;
            const updates = refUpdates(refsBefore, await readRefs(gitDir));
            if (!updates.length) return;
            try {
              await opts.onPush({ actor: pusher, slug, gitDir, updates });
            } catch (err) {
              log.error({ err, slug, updates }, "what follows a push (CI runs) failed");
            }
          })(),
        )
      : child.stdout;
  return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: { "content-type": `application/x-git-${svc}-result`, ...NO_CACHE },
  });
}
