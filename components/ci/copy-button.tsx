"use client";

import { useState } from "react";
import { Check, Copy } from "lucide-react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";

/** Copies `text` to the clipboard; says so, or says to select it by hand where the browser refuses. */
export function CopyButton({ text, label, size = "sm" }: { text: string; label: string; size?: "sm" | "icon" }) {
  const [copied, setCopied] = useState(false);
  const onCopy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      toast.success("Copied");
      setTimeout(() => setCopied(false), 2000);
    } catch {
      toast.error("The browser did not allow copying: select the text and copy it by hand.");
    }
  };
  return (
    <Button type="button" variant="outline" size={size} onClick={() => void onCopy()} aria-label={label} title={label}>
      {copied ? <Check /> : <Copy />}
      {size !== "icon" && (copied ? "Copied" : "Copy")}
    </Button>
  );
}
