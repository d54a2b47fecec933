import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Node-only packages loaded at run time rather than bundled (worker threads, native-ish I/O, large clients).
  serverExternalPackages: ["pino", "pino-pretty", "thread-stream", "graphile-worker", "@kubernetes/client-node", "pg", "@prisma/adapter-pg", "prom-client"],
  async headers() {
    return [
      {
        source: "/(.*)",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
