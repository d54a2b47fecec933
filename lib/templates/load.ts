/**
 * Reads template folders from disk: `<dir>/<id>/template.yaml` and the files
 * under `<dir>/<id>/files/`. A folder that cannot be used becomes an
 * `InvalidTemplate` with its reasons; nothing here throws for a bad folder,
 * so one broken template never takes the gallery down.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ZTemplateManifest, TEMPLATE_ID, type TTemplateManifest } from "./manifest";

export type TemplateSource = "builtin" | "extra";

/** A file of a template as stored: `path` is relative to `files/`, POSIX separators, `.eta` still on. */
export interface TemplateFile {
  path: string;
  content: string;
  executable: boolean;
}

/** A template that loaded and passed its checks. */
export interface Template {
  id: string;
  source: TemplateSource;
  /** The template's folder on disk (shown to admins). */
  dir: string;
  manifest: TTemplateManifest;
  files: TemplateFile[];
}

/** A template folder that cannot be used, and why (one sentence per problem). */
export interface InvalidTemplate {
  id: string;
  source: TemplateSource;
  dir: string;
  /** The name from the manifest when it could be read. */
  name?: string;
  errors: string[];
}

/** Bounds for folders an admin drops in: the gallery reads them on every request. */
export const TEMPLATE_LIMITS = { files: 500, fileBytes: 1024 * 1024, totalBytes: 8 * 1024 * 1024 };

export type LoadResult = { ok: true; template: Template } | { ok: false; invalid: InvalidTemplate };

async function readFiles(root: string, errors: string[]): Promise<TemplateFile[]> {
  const out: TemplateFile[] = [];
  let total = 0;
  async function walk(rel: string) {
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        errors.push(`files/${relPath} is a symbolic link; templates contain plain files only`);
      } else if (e.isDirectory()) {
        if (e.name === ".git") continue;
        await walk(relPath);
      } else if (e.isFile()) {
        if (out.length >= TEMPLATE_LIMITS.files) {
          errors.push(`more than ${TEMPLATE_LIMITS.files} files under files/`);
          return;
        }
        const full = path.join(root, relPath);
        const stat = await fs.stat(full);
        if (stat.size > TEMPLATE_LIMITS.fileBytes) {
          errors.push(`files/${relPath} is larger than ${TEMPLATE_LIMITS.fileBytes / 1024} KiB`);
          continue;
        }
        total += stat.size;
        const buf = await fs.readFile(full);
        if (buf.includes(0)) {
          errors.push(`files/${relPath} is a binary file; templates contain text files only`);
          continue;
        }
        out.push({ path: relPath, content: buf.toString("utf8"), executable: (stat.mode & 0o111) !== 0 });
      }
    }
  }
  await walk("");
  if (total > TEMPLATE_LIMITS.totalBytes) errors.push(`files/ holds more than ${TEMPLATE_LIMITS.totalBytes / 1024 / 1024} MiB`);
  return out;
}

/** Loads one template folder. Checks the manifest and the files; rendering is checked by the gallery. */
export async function loadTemplateFolder(dir: string, source: TemplateSource): Promise<LoadResult> {
  const id = path.basename(dir);
  const fail = (errors: string[], name?: string): LoadResult => ({ ok: false, invalid: { id, source, dir, name, errors } });
  if (!TEMPLATE_ID.test(id)) return fail([`the folder name "${id}" is not a template id (lowercase letters, digits and '-')`]);

  let text: string;
  try {
    text = await fs.readFile(path.join(dir, "template.yaml"), "utf8");
  } catch {
    return fail(["template.yaml is missing"]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    return fail([`template.yaml is not valid YAML: ${(e as Error).message.split("\n")[0]}`]);
  }
  const parsed = ZTemplateManifest.safeParse(raw, { error: (iss) => (iss.input === undefined ? "is required" : undefined) });
  const name = typeof (raw as { name?: unknown })?.name === "string" ? (raw as { name: string }).name : undefined;
  if (!parsed.success) {
    return fail(
      parsed.error.issues.map((i) => `template.yaml: ${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`),
      name,
    );
  }
  const manifest = parsed.data;
  const errors: string[] = [];
  if (manifest.id !== id) errors.push(`template.yaml: id is "${manifest.id}" but the folder is "${id}"; they must be the same`);

  let files: TemplateFile[] = [];
  try {
    const stat = await fs.stat(path.join(dir, "files"));
    if (!stat.isDirectory()) throw new Error("not a directory");
    files = await readFiles(path.join(dir, "files"), errors);
  } catch (e) {
    errors.push(`files/ cannot be read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "it is missing" : (e as Error).message}`);
  }
  if (errors.length) return fail(errors, manifest.name);
  return { ok: true, template: { id, source, dir, manifest, files } };
}

/** Loads every folder of a templates directory, sorted by id. A missing directory is one problem, not a crash. */
export async function loadTemplateDirectory(dir: string, source: TemplateSource): Promise<LoadResult[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : (e as Error).message;
    return [{ ok: false, invalid: { id: path.basename(dir) || dir, source, dir, errors: [`the templates directory ${dir} ${reason}`] } }];
  }
  const folders = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  return Promise.all(folders.map((name) => loadTemplateFolder(path.join(dir, name), source)));
}
