import { redirect } from "next/navigation";

/** The settings crumb: the only settings so far are Git access tokens. */
export default function SettingsPage() {
  redirect("/settings/tokens");
}
