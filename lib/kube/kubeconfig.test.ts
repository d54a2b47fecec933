import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { kubeConfigFromYaml } from "./gateway";
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
    expect(e.message).toBe("This is not a kubeconfig: it is not valid YAML (line 4, column 1): Sequence item without - indicator.");
  });

  it("says that pasted text which is no kubeconfig is not one, instead of naming a missing part", () => {
    const notOne = /^This is not a kubeconfig: /;
    for (const garbage of [
      "hello world",
      "The quick brown fox: jumps over the lazy dog",
      "password: hunter2\nhost: db.example.com\n",
      "eyJhbGciOiJSUzI1NiIsImtpZCI6IkJ6In0.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2ln",
      "- one\n- two\n",
      "{ not: [valid",
    ]) {
      expect(fieldError(() => parseKubeconfig(garbage)).message).toMatch(notOne);
    }
    expect(fieldError(() => parseKubeconfig("{ not: [valid")).message).toMatch(/not valid YAML \(line 1, column \d+\)/);
    expect(fieldError(() => parseKubeconfig("hello world")).message).toMatch(/it is plain text, not a mapping with clusters, contexts and users/);
    // A kubeconfig that lacks a part still says which.
    expect(fieldError(() => parseKubeconfig("apiVersion: v1\nkind: Config\nclusters: []\n")).message).toBe("The kubeconfig has no clusters.");
    expect(fieldError(() => parseKubeconfig("contexts: []\n")).message).toBe("The kubeconfig has no clusters.");
  });

  it("says when kubectl config view left the secrets out", () => {
    const redacted = TWO_CONTEXTS.replace("token: abc123", "token: REDACTED");
    expect(fieldError(() => parseKubeconfig(redacted)).message).toMatch(
      /secrets were left out \(REDACTED, DATA\+OMITTED\).*kubectl config view --minify --flatten/,
    );
  });

  it("says what is missing", () => {
    expect(fieldError(() => parseKubeconfig("")).message).toMatch(/Paste a kubeconfig/);
    expect(fieldError(() => parseKubeconfig("apiVersion: v1\nkind: Config\nclusters: []\n")).message).toBe("The kubeconfig has no clusters.");
    expect(fieldError(() => parseKubeconfig("kind: Pod\n")).message).toMatch(/This is a Pod, not a kubeconfig/);
    expect(fieldError(() => parseKubeconfig("- a\n- b\n")).message).toMatch(/it is a YAML list, not a mapping/);
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

describe("file references and plain http in a pasted kubeconfig", () => {
  const withUser = (user: string) => TWO_CONTEXTS.replace("user: { token: abc123 }", `user: ${user}`);
  const withEastCluster = (cluster: string) =>
    TWO_CONTEXTS.replace('cluster: { server: "https://10.0.0.1:6443", certificate-authority-data: "LS0tLS1CRUdJTg==" }', `cluster: ${cluster}`);

  it("refuses every field that names a file and says which embedded field to use instead", () => {
    const cases: [string, RegExp][] = [
      [withUser("{ token-file: /var/run/secrets/token }"), /User "admin" refers to files on another machine \(token-file\).* as token /],
      [
        withUser("{ token: abc, client-certificate: /a.pem, client-key: /a.key }"),
        /\(client-certificate, client-key\).* as client-certificate-data, client-key-data /,
      ],
      [
        withEastCluster('{ server: "https://10.0.0.1:6443", certificate-authority: /etc/ssl/ca.pem }'),
        /Cluster "east" refers to files .*certificate-authority-data/,
      ],
      [withUser("{ token: abc, something-file: /etc/passwd }"), /\(something-file\).* the contents of something-file/],
      [withUser("{ token: abc, extensions: [{ name: x, extension: { credentialFile: /etc/shadow } }] }"), /\(credentialFile\)/],
      // YAML merge keys are not merged by our parser but would be by another: the nested file is still seen.
      [withUser("{ <<: { token-file: /etc/hostname } }"), /\(token-file\)/],
    ];
    for (const [text, message] of cases) {
      const e = fieldError(() => parseKubeconfig(text));
      expect(e.field).toBe("kubeconfig");
      expect(e.message).toMatch(message);
      expect(e.message).not.toMatch(/\/etc|\/var|\.pem|\.key/);
    }
  });

  it("refuses auth providers and exec plugins, which read files or run commands", () => {
    const tokenFile = withUser("{ auth-provider: { name: tokenFile, config: { tokenFile: /etc/hostname } } }");
    expect(fieldError(() => parseKubeconfig(tokenFile)).message).toMatch(/User "admin" signs in through an auth provider, which the portal cannot run/);
    const gcp = withUser("{ auth-provider: { name: gcp, config: { cmd-path: /bin/sh, cmd-args: -c id } } }");
    expect(fieldError(() => parseKubeconfig(gcp)).message).toMatch(/auth provider/);
  });

  it("refuses a plain http:// server and asks for https", () => {
    const e = fieldError(() => parseKubeconfig(withEastCluster('{ server: "http://10.0.0.1:8080" }')));
    expect(e.message).toMatch(/server URL of cluster "east" must be https:\/\/ \(got http:\/\/\).*unencrypted/);
  });

  it("checks only the chosen context: another context's files never matter because they are never read", () => {
    const mixed = TWO_CONTEXTS.replace(
      "- name: west-admin\n  context: { cluster: west, user: admin }",
      "- name: west-admin\n  context: { cluster: west, user: other }",
    ).replace("users:\n", "users:\n- name: other\n  user: { token-file: /etc/hostname }\n");
    expect(parseKubeconfig(mixed, "east-admin").context).toBe("east-admin");
    expect(fieldError(() => parseKubeconfig(mixed, "west-admin")).message).toMatch(/User "other" refers to files/);
  });

  it("keeps only the embedded fields of the chosen cluster and user", () => {
    const text = withUser("{ token: abc123, as: deployer, unknown-field: x }");
    const minimal = JSON.parse(parseKubeconfig(text, "east-admin").minimal) as { users: { user: Record<string, unknown> }[] };
    expect(minimal.users[0]!.user).toEqual({ token: "abc123", as: "deployer" });
  });

  it("opens a stored kubeconfig with the same checks (the gateway never hands raw YAML to client-node)", () => {
    expect(kubeConfigFromYaml(TWO_CONTEXTS).getCurrentUser()?.token).toBe("abc123");
    expect(() => kubeConfigFromYaml(withUser("{ token-file: /etc/hostname }"))).toThrow(/refers to files on another machine/);
  });
});
