/**
 * Per-cluster CA and serving certificate (ECDSA P-256), generated on first
 * start and kept in the cluster's state folder so kubeconfigs stay valid
 * across restarts. The serving certificate has IP SAN 127.0.0.1 and DNS
 * localhost (client-go verifies the IP SAN when the server URL is an IP).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { webcrypto } from "node:crypto";
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ClusterPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Generates a CA and a serving certificate for `clusterName`. */
export async function generatePki(clusterName: string): Promise<ClusterPki> {
  const subtle = webcrypto.subtle as unknown as SubtleCrypto;
  const caKeys = (await subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 10 * 365 * 24 * 60 * 60 * 1000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${clusterName}-ca, O=wharf-sandbox`,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: `CN=${clusterName}-apiserver`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
        { type: "dns", value: "kubernetes.default.svc" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return { caPem: ca.toString("pem"), certPem: cert.toString("pem"), keyPem: await keyPem(serverKeys.privateKey) };
}

/** Loads the cluster's certificates from `dir`, generating them the first time. */
export async function loadOrCreatePki(dir: string, clusterName: string): Promise<ClusterPki> {
  const files = { caPem: path.join(dir, "ca.crt"), certPem: path.join(dir, "apiserver.crt"), keyPem: path.join(dir, "apiserver.key") };
  if (Object.values(files).every((f) => existsSync(f))) {
    return { caPem: readFileSync(files.caPem, "utf8"), certPem: readFileSync(files.certPem, "utf8"), keyPem: readFileSync(files.keyPem, "utf8") };
  }
  const pki = await generatePki(clusterName);
  mkdirSync(dir, { recursive: true });
  writeFileSync(files.caPem, pki.caPem);
  writeFileSync(files.certPem, pki.certPem);
  writeFileSync(files.keyPem, pki.keyPem, { mode: 0o600 });
  return pki;
}
