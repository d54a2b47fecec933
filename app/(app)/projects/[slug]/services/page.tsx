import { redirect } from "next/navigation";

/** A project's services are listed on its page. */
export default async function ServicesIndex({ params }: { params: Promise<{ slug: string }> }) {
  redirect(`/projects/${(await params).slug}`);
}
