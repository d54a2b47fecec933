import type { NextConfig } from "next";

/** Browser features the portal never uses, denied to it and to anything embedded in it. */
const PERMISSIONS_POLICY = [
  "accelerometer",
  "autoplay",
  "camera",
  "display-capture",
  "geolocation",
  "gyroscope",
  "hid",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "publickey-credentials-get",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
]
  .map((feature) => `${feature}=()`)
  .join(", ");

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // forbidden() / unauthorized() with app/forbidden.tsx: a page the user may not see answers 403 (lib/http/page.ts).
  experimental: { authInterrupts: true },
  // Node-only packages loaded at run time rather than bundled (worker threads, native-ish I/O, large clients).
  serverExternalPackages: ["pino", "pino-pretty", "thread-stream", "graphile-worker", "@kubernetes/client-node", "pg", "@prisma/adapter-pg", "prom-client"],
  // The fixed security headers. The CSP (a nonce per response) and HSTS (only over https) are set per request in proxy.ts.
  async headers() {
    return [
      {
        source: "/(.*)",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: PERMISSIONS_POLICY },
        ],
      },
      // The icon sprite (npm run icons): pages name it with a hash of its content (?v=…), so a changed sprite has a new URL.
      { source: "/icons.svg", headers: [{ key: "Cache-Control", value: "public, max-age=31536000, immutable" }] },
    ];
  },
};

export default nextConfig;
