import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { listContexts, parseKubeconfig } from "./kubeconfig";

const TWO_CONTEXTS = `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster: { server: "https://10.0.0.1:6443", certificate-authority-data: "LS0tLS1CRUdJTg==" }
- name: west
  cluster: { server: "https://10.0.0.2:6443" }
contexts:
- name: east-admin
  context: { cluster: east, user: admin }
- name: west-admin
  context: { cluster: west, user: admin }
current-context: east-admin
users:
- name: admin
  user: { token: abc123 }
`;

function fieldError(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.code).toBe("INVALID_INPUT");
    const [field, messages] = Object.entries(err.fieldErrors ?? {})[0]!;
    return { field, message: messages[0]! };
  }
  throw new Error("expected an error");
}

describe("parsing a pasted kubeconfig", () => {
  it("reduces it to the chosen context, its cluster and user", () => {
    const parsed = parseKubeconfig(TWO_CONTEXTS, "west-admin");
    expect(parsed.context).toBe("west-admin");
    expect(parsed.server).toBe("https://10.0.0.2:6443");
    expect(parsed.contexts).toEqual(["east-admin", "west-admin"]);
    expect(parsed.authKind).toBe("token");
    expect(parsed.minimal).not.toContain("10.0.0.1");
    expect(parsed.minimal).toContain("abc123");
  });

  it("uses the current context when none is chosen", () => {
    expect(parseKubeconfig(TWO_CONTEXTS).server).toBe("https://10.0.0.1:6443");
    expect(listContexts(TWO_CONTEXTS)).toEqual({ contexts: ["east-admin", "west-admin"], current: "east-admin" });
  });

  it("points at the line of a YAML error", () => {
    const e = fieldError(() => parseKubeconfig("apiVersion: v1\nclusters:\n  - name: a\n   bad: [\n"));
    expect(e.field).toBe("kubeconfig");
    expect(e.message).toMatch(/not valid YAML \(line \d+/);
  });

  it("says what is missing", () => {
    expect(fieldError(() => parseKubeconfig("")).message).toMatch(/Paste a kubeconfig/);
    expect(fieldError(() => parseKubeconfig("apiVersion: v1\nkind: Config\nclusters: []\n")).message).toBe("The kubeconfig has no clusters.");
    expect(fieldError(() => parseKubeconfig("kind: Pod\n")).message).toMatch(/This is a Pod, not a kubeconfig/);
    expect(fieldError(() => parseKubeconfig("- a\n- b\n")).message).toMatch(/expected a YAML mapping/);
  });

  it("names the available contexts when the chosen one is not there", () => {
    try {
      parseKubeconfig(TWO_CONTEXTS, "nope");
      throw new Error("expected an error");
    } catch (e) {
      expect((e as AppError).fieldErrors?.context?.[0]).toBe("Choose one of: east-admin, west-admin");
    }
  });

  it("refuses credentials the portal cannot use", () => {
    const exec = TWO_CONTEXTS.replace(
      "user: { token: abc123 }",
      "user: { exec: { command: gke-gcloud-auth-plugin, apiVersion: client.authentication.k8s.io/v1beta1 } }",
    );
    expect(fieldError(() => parseKubeconfig(exec)).message).toMatch(/exec plugin, which the portal cannot run/);
    const files = TWO_CONTEXTS.replace("user: { token: abc123 }", "user: { client-certificate: /home/me/cert.pem, client-key: /home/me/key.pem }");
    expect(fieldError(() => parseKubeconfig(files)).message).toMatch(/refers to files on another machine/);
    const none = TWO_CONTEXTS.replace("user: { token: abc123 }", "user: {}");
    expect(fieldError(() => parseKubeconfig(none)).message).toMatch(/has no credentials/);
  });

  it("refuses a server that is not a URL", () => {
    const bad = TWO_CONTEXTS.replace('"https://10.0.0.1:6443"', '"not a url"');
    expect(fieldError(() => parseKubeconfig(bad)).message).toMatch(/no valid server URL|could not be read/);
  });
});
