/**
 * Git's smart HTTP protocol, read-only, over the portal's store:
 *   GET  /git/<slug>.git/info/refs?service=git-upload-pack   ref advertisement
 *   POST /git/<slug>.git/git-upload-pack                     negotiation and pack
 * Both run `git upload-pack --stateless-rpc` (what `git http-backend` runs)
 * and stream its output: a pack is never held in memory. Pushes
 * (git-receive-pack) are refused with 403. Protocol v2 is passed through from
 * the client's Git-Protocol header.
 */
import { spawn } from "node:child_process";
import { Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { ZProjectSlug } from "@/lib/catalog/schemas";
import { childLogger } from "@/lib/log";
import { gitEnv } from "./cli";
import { decideGitRead, type GitReadDecision } from "./access";
import { portalRepositoryExists, portalRepositoryPath, type GitStoreSettings } from "./store";

const log = childLogger("git-http");

/** A fetch that runs longer than this is cut off (a stuck client must not hold a process forever). */
const UPLOAD_PACK_TIMEOUT_MS = 15 * 60_000;
/** Fetch requests carry wants and haves, not data: anything larger is not a real client. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export interface GitHttpOptions {
  settings: GitStoreSettings;
  publicRead: boolean;
  /** Overrides the access decision (tests of the protocol alone). */
  decide?: (authorization: string | null, slug: string) => Promise<GitReadDecision>;
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

function spawnUploadPack(gitDir: string, args: string[], protocol: string | undefined, signal: AbortSignal | undefined) {
  const env = gitEnv(protocol ? { GIT_PROTOCOL: protocol } : {});
  const child = spawn("git", ["upload-pack", "--stateless-rpc", ...args, gitDir], { env, stdio: ["pipe", "pipe", "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (d: Buffer) => stderr.length < 64 && stderr.push(d));
  const kill = () => child.kill("SIGKILL");
  const timer = setTimeout(kill, UPLOAD_PACK_TIMEOUT_MS);
  signal?.addEventListener("abort", kill, { once: true });
  child.on("close", (code, sig) => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
    if (code !== 0) log.warn({ gitDir, code, signal: sig, stderr: Buffer.concat(stderr).toString("utf8").slice(0, 2000) }, "upload-pack failed");
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

  if (action === "git-receive-pack" || (action === "info/refs" && service === "git-receive-pack")) {
    return text(
      403,
      "Wharf: this repository is read-only here; pushing is not possible. Wharf created it with the project's first commit; " +
        "move it to your team's Git server to work on it, or ask an admin to set WHARF_GIT_REMOTE_URL so new projects live there.",
    );
  }
  const isAdvertisement = action === "info/refs" && req.method === "GET";
  const isUploadPack = action === "git-upload-pack" && req.method === "POST";
  if (action === "info/refs" && service !== "git-upload-pack") {
    return text(403, "Wharf serves Git's smart HTTP protocol only; use git 1.7 or newer (git clone <url>).");
  }
  if (!isAdvertisement && !isUploadPack) return text(404, "Wharf: not a Git endpoint.");

  const slug = repo.replace(/\.git$/, "");
  const decide = opts.decide ?? ((authorization, s) => decideGitRead(authorization, s, { publicRead: opts.publicRead, publicUrl: opts.settings.publicUrl }));
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
    const child = spawnUploadPack(gitDir, ["--advertise-refs"], protocol, req.signal);
    child.stdin.end();
    // Protocol v0/v1 clients expect the service line first; v2 clients do not (as git http-backend does).
    const prefix = protocol?.includes("version=2") ? "" : pktLine("# service=git-upload-pack\n") + "0000";
    const body = Readable.from(
      (async function* () {
        if (prefix) yield Buffer.from(prefix);
        for await (const chunk of child.stdout) yield chunk as Buffer;
      })(),
    );
    return new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: { "content-type": "application/x-git-upload-pack-advertisement", ...NO_CACHE },
    });
  }

  if (req.headers.get("content-type") !== "application/x-git-upload-pack-request") {
    return text(415, "Wharf: expected Content-Type application/x-git-upload-pack-request.");
  }
  if (!req.body) return text(400, "Wharf: the request has no body.");
  const child = spawnUploadPack(gitDir, [], protocol, req.signal);
  const encoding = (req.headers.get("content-encoding") ?? "").toLowerCase();
  const input = Readable.fromWeb(req.body as import("node:stream/web").ReadableStream<Uint8Array>);
  const limited = input.pipe(limitBytes(MAX_REQUEST_BYTES));
  const decoded = encoding === "gzip" || encoding === "x-gzip" ? limited.pipe(createGunzip()) : limited;
  for (const s of [input, limited, decoded]) s.on("error", () => child.kill("SIGKILL"));
  decoded.pipe(child.stdin);
  return new Response(Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: { "content-type": "application/x-git-upload-pack-result", ...NO_CACHE },
  });
}
