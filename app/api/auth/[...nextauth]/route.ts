import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/access/auth";

// Built per request so `next build` never needs the environment.
async function handler(req: NextRequest, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(req, ctx, authOptions());
}

export { handler as GET, handler as POST };
