/**
 * Bearer tokens -> users and groups, shared by every cluster of one sandbox
 * (a token is valid on all of them), kept in the state folder so written
 * kubeconfigs stay valid across restarts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { UserInfo } from "../core/store.js";

export const ADMIN_USER = "kubernetes-admin";
export const ADMIN_GROUPS = ["system:masters"];

interface StoredIdentity {
  name: string;
  groups: string[];
  token: string;
}

/** The groups a user name implies (service accounts) plus system:authenticated. */
export function withImpliedGroups(name: string, groups: string[]): string[] {
  const out = [...groups];
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  if (sa) out.push("system:serviceaccounts", `system:serviceaccounts:${sa[1]}`);
  out.push("system:authenticated");
  return [...new Set(out)];
}

export class Identities {
  private users: StoredIdentity[] = [];

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      try {
        this.users = (JSON.parse(readFileSync(file, "utf8")) as { users: StoredIdentity[] }).users ?? [];
      } catch {
        this.users = [];
      }
    }
    this.add(ADMIN_USER, ADMIN_GROUPS);
  }

  /** Adds (or updates the groups of) a user; returns its bearer token. */
  add(name: string, groups: string[] = []): string {
    let u = this.users.find((x) => x.name === name);
    if (!u) {
      u = { name, groups, token: randomBytes(24).toString("hex") };
      this.users.push(u);
    } else if (groups.length || name !== ADMIN_USER) {
      u.groups = name === ADMIN_USER ? [...new Set([...ADMIN_GROUPS, ...groups])] : groups;
    }
    this.save();
    return u.token;
  }

  /** Gives a user a new token: the old one is refused from now on (a revoked or rotated credential). */
  rotateToken(name: string): string {
    const u = this.users.find((x) => x.name === name);
    if (!u) throw new Error(`sandbox: unknown user "${name}"`);
    u.token = randomBytes(24).toString("hex");
    this.save();
    return u.token;
  }

  tokenOf(name: string): string | undefined {
    return this.users.find((x) => x.name === name)?.token;
  }

  list(): { name: string; groups: string[] }[] {
    return this.users.map((u) => ({ name: u.name, groups: [...u.groups] }));
  }

  authenticate(token: string): UserInfo | undefined {
    const u = this.users.find((x) => x.token === token);
    return u ? { name: u.name, groups: withImpliedGroups(u.name, u.groups) } : undefined;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify({ users: this.users }, null, 2), { mode: 0o600 });
  }
}
