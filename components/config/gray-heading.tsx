/**
 * The small heading of a config tab of engineer B's (gray, instances,
 * settings): what the tab is, and which working copy it shows. The config
 * layout above it names the service and holds the pickers.
 */
export function ConfigTabHeading({
  title,
  appId,
  environment,
  cluster,
  namespace,
  children,
}: {
  title: string;
  appId: string;
  environment: string | null;
  cluster?: string;
  namespace?: string | null;
  children?: React.ReactNode;
}) {
  return (
    <div className="mb-4 space-y-1">
      <h2 className="text-lg font-semibold tracking-tight">{title}</h2>
      <p className="text-sm break-all text-muted-foreground" data-testid="config-tab-scope">
        <span className="font-mono">{appId}</span>
        {environment ? ` · ${environment}` : ""}
        {cluster ? ` · ${cluster}` : ""}
        {namespace ? ` · ${namespace}` : ""}
      </p>
      {children}
    </div>
  );
}
