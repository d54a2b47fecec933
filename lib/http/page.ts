/**
 * For pages: a domain read whose NOT_FOUND becomes Next's 404 page; any other
 * error goes on to the error boundary (which shows AppErrors' own messages).
 */
import { notFound } from "next/navigation";
import { isAppError } from "@/lib/errors";

export function orNotFound<T>(read: Promise<T>): Promise<T> {
  return read.catch((e: unknown) => {
    if (isAppError(e) && e.code === "NOT_FOUND") notFound();
    throw e;
  });
}
