import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./secret-box";

const key = randomBytes(32).toString("base64");

describe("secrets at rest (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const sealed = encryptSecret("token: s3cr3t", key, "cluster:east");
    expect(sealed).not.toContain("s3cr3t");
    expect(sealed.startsWith("v1.")).toBe(true);
    expect(decryptSecret(sealed, key, "cluster:east")).toBe("token: s3cr3t");
  });

  it("uses a fresh IV every time", () => {
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("refuses a tampered ciphertext, another key, or another cluster's binding", () => {
    const sealed = encryptSecret("kubeconfig", key, "cluster:east");
    const parts = sealed.split(".");
    parts[3] = Buffer.from("kubeconfiX").toString("base64url");
    expect(() => decryptSecret(parts.join("."), key, "cluster:east")).toThrow();
    expect(() => decryptSecret(sealed, randomBytes(32).toString("base64"), "cluster:east")).toThrow();
    expect(() => decryptSecret(sealed, key, "cluster:west")).toThrow();
  });

  it("rejects a key of the wrong length", () => {
    expect(() => encryptSecret("x", Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/);
  });
});
