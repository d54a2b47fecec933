/** The files of a rendered template as an indented tree (folders first, then files, by name). */
import { File, FileCode, Folder } from "lucide-react";

interface Node {
  name: string;
  path: string;
  children: Map<string, Node>;
  isFile: boolean;
  executable?: boolean;
}

function buildTree(files: { path: string; executable: boolean }[]): Node {
  const root: Node = { name: "", path: "", children: new Map(), isFile: false };
  for (const f of files) {
    let node = root;
    const parts = f.path.split("/");
    parts.forEach((part, i) => {
      const isFile = i === parts.length - 1;
      let child = node.children.get(part);
      if (!child) {
        child = { name: part, path: parts.slice(0, i + 1).join("/"), children: new Map(), isFile, executable: isFile ? f.executable : undefined };
        node.children.set(part, child);
      }
      node = child;
    });
  }
  return root;
}

const CODE = /\.(ts|js|py|java|ya?ml|json|xml|toml)$|^(Dockerfile|Jenkinsfile)$/;

function Entries({ node, highlighted }: { node: Node; highlighted: Set<string> }) {
  const entries = [...node.children.values()].sort((a, b) => (a.isFile === b.isFile ? a.name.localeCompare(b.name) : a.isFile ? 1 : -1));
  return (
    <ul className="space-y-0.5 border-l pl-3 first:border-l-0 first:pl-0">
      {entries.map((e) => (
        <li key={e.path}>
          <span className={`flex items-center gap-1.5 ${highlighted.has(e.path) ? "font-medium text-foreground" : "text-muted-foreground"}`}>
            {e.isFile ? (
              CODE.test(e.name) ? (
                <FileCode className="size-3.5 shrink-0" />
              ) : (
                <File className="size-3.5 shrink-0" />
              )
            ) : (
              <Folder className="size-3.5 shrink-0" />
            )}
            <span className="font-mono text-xs">
              {e.name}
              {e.isFile ? "" : "/"}
            </span>
            {e.executable && <span className="text-[10px] uppercase tracking-wide">exec</span>}
          </span>
          {!e.isFile && <Entries node={e} highlighted={highlighted} />}
        </li>
      ))}
    </ul>
  );
}

export function FileTree({ files, highlighted = [] }: { files: { path: string; executable: boolean }[]; highlighted?: string[] }) {
  return (
    <nav aria-label="Files" className="text-sm">
      <Entries node={buildTree(files)} highlighted={new Set(highlighted)} />
    </nav>
  );
}
