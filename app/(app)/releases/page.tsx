import { redirect } from "next/navigation";

/** Releases live under their services; the index is the deployment matrix. */
export default function ReleasesIndex() {
  redirect("/deployments");
}
