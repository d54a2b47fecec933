/** A few rendered files side by side in tabs, as plain text (no highlighting library: this is a preview). */
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";

export function CodePreview({ files }: { files: { path: string; content: string }[] }) {
  if (files.length === 0) return null;
  return (
    <Tabs defaultValue={files[0].path}>
      {/* Long paths break (at any character) rather than widen the page on a phone. */}
      <TabsList className="h-auto max-w-full flex-wrap">
        {files.map((f) => (
          <TabsTrigger key={f.path} value={f.path} className="max-w-full font-mono text-xs break-all whitespace-normal">
            {f.path}
          </TabsTrigger>
        ))}
      </TabsList>
      {files.map((f) => (
        <TabsContent key={f.path} value={f.path}>
          <pre className="max-h-[32rem] overflow-auto rounded-md border bg-muted/50 p-3 font-mono text-xs leading-relaxed" data-testid={`preview-${f.path}`}>
            {f.content}
          </pre>
        </TabsContent>
      ))}
    </Tabs>
  );
}
