/**
 * A real OpenID Connect provider for the e2e tests (the npm package
 * oidc-provider with its development login and consent pages). Any login
 * name is accepted; it becomes the subject and the e-mail address.
 */
import Provider from "oidc-provider";
import type { Server } from "node:http";

export const OIDC_CLIENT = { id: "wharf-e2e", secret: "wharf-e2e-secret-0123456789" };

export async function startOidcProvider(opts: { port: number; appUrl: string }): Promise<{ issuer: string; stop(): Promise<void> }> {
  const issuer = `http://localhost:${opts.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: [`${opts.appUrl}/api/auth/callback/oidc`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          const local = id.split("@")[0] ?? id;
          const name = local
            .split(/[._-]/)
            .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
            .join(" ");
          return { sub: id, email: id, email_verified: true, name };
        },
      };
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["wharf-e2e-oidc-cookie-key"] },
  });
  // The provider's dev pages are plain HTTP on localhost: let its cookies work without TLS.
  provider.proxy = true;
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(opts.port, () => resolve(s));
  });
  return {
    issuer,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
