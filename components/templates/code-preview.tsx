/** A few rendered files side by side in tabs, as plain text (no highlighting library: this is a preview). */
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";

export function CodePreview({ files }: { files: { path: string; content: string }[] }) {
  if (files.length === 0) return null;
  return (
    <Tabs defaultValue={files[0].path}>
      <TabsList className="h-auto flex-wrap">
        {files.map((f) => (
          <TabsTrigger key={f.path} value={f.path} className="font-mono text-xs">
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
