import { redirect } from "next/navigation";

/** Releases are found through what runs where (the deployment matrix) and each service's history. */
export default function ReleasesIndex() {
  redirect("/deployments");
}
