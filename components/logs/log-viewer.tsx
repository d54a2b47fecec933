"use client";

/**
 * The log center's viewer: the toolbar (since, tail, previous containers,
 * levels, include and exclude patterns, cluster, pod, download) and one
 * LogStream per query. Patterns are checked as they are typed with the
 * server's own check (regexProblem, RE2 syntax) and only a valid one opens a
 * new connection; what the server refuses (400 field errors) is shown at the
 * fields as well. Used live (a service's logs page) and on a window (a
 * release's "Logs around this release", `range`).
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { Download, X } from "lucide-react";
import type { ErrorBody } from "@/lib/errors";
import { LOG_LEVELS, MAX_TAIL_LINES, regexProblem, SINCE_CHOICES, type LogLevel, type LogSourceRef } from "@/lib/logs/protocol";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";
import { ToggleGroup, ToggleGroupItem } from "@/components/ui/toggle-group";
import { compileHighlight, defaultFilters, logQuery, narrows, type Filters, type Range } from "./model";
import { LogStream } from "./log-stream";

/** How long typing in a pattern or the tail waits before the query changes. */
const TYPING_MS = 400;

export interface LogViewerProps {
  serviceId: string;
  env: "dev" | "test" | "staging" | "prod";
  /** The environment's clusters (the cluster filter's choices). */
  clusters: { clusterId: string; cluster: string }[];
  /** From the URL (?cluster=, ?pod=): the pods panel's "Logs" link. */
  initialClusters?: string[];
  initialPods?: string[];
  /** A release's window: lines from sinceTime to until, not followed. */
  range?: Range | null;
  /** Names the viewer for assistive technology when a page has several. */
  label?: string;
}

export function LogViewer({ serviceId, env, clusters, initialClusters = [], initialPods = [], range = null, label = "Logs" }: LogViewerProps) {
  const [filters, setFilters] = useState<Filters>(() => defaultFilters({ clusters: initialClusters, pods: initialPods }));
  const [include, setInclude] = useState("");
  const [exclude, setExclude] = useState("");
  const [tail, setTail] = useState(String(filters.tail));
  const [knownPods, setKnownPods] = useState<string[]>(initialPods);
  const [failure, setFailure] = useState<{ url: string; error: ErrorBody } | null>(null);
  const [attempt, setAttempt] = useState(0);

  const includeProblem = include ? regexProblem(include) : null;
  const excludeProblem = exclude ? regexProblem(exclude) : null;
  const tailNumber = Number(tail);
  const tailProblem =
    tail.trim() === "" || !Number.isInteger(tailNumber) || tailNumber < 0 || tailNumber > MAX_TAIL_LINES
      ? `Tail is a whole number of lines from 0 to ${MAX_TAIL_LINES}`
      : null;

  // A valid pattern or tail applies after a pause in typing; an invalid one keeps the current stream and says why at the field.
  useEffect(() => {
    if (includeProblem || excludeProblem || tailProblem) return;
    const t = setTimeout(
      () => setFilters((f) => (f.include === include && f.exclude === exclude && f.tail === tailNumber ? f : { ...f, include, exclude, tail: tailNumber })),
      TYPING_MS,
    );
    return () => clearTimeout(t);
  }, [include, exclude, tailNumber, includeProblem, excludeProblem, tailProblem]);

  const query = useMemo(() => logQuery(serviceId, env, filters, range), [serviceId, env, filters, range]);
  const url = `/api/logs/stream?${query}`;
  const downloadUrl = useMemo(() => {
    const q = new URLSearchParams(query);
    q.delete("follow");
    return `/api/logs/download?${q}`;
  }, [query]);
  const highlightRe = useMemo(() => compileHighlight(filters.include), [filters.include]);

  const onSources = useCallback((sources: LogSourceRef[]) => {
    setKnownPods((prev) => {
      const all = new Set(prev);
      for (const s of sources) all.add(s.pod);
      return all.size === prev.length ? prev : [...all].sort();
    });
  }, []);
  const onFailure = useCallback((error: ErrorBody) => setFailure({ url, error }), [url]);
  const shownFailure = failure?.url === url ? failure.error : null;
  const fieldError = (field: string) => shownFailure?.fieldErrors?.[field]?.[0];

  // "Every cluster" of a release's window is every cluster of the release; of a live tail, none named (every cluster of the environment).
  const everyCluster = useMemo(() => (range ? clusters.map((c) => c.clusterId) : []), [range, clusters]);
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const ids = (prefix: string) => `${prefix}-${serviceId}${range ? "-range" : ""}`;

  return (
    <section aria-label={label} className="space-y-3">
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        {!range && (
          <div className="space-y-1">
            <Label htmlFor={ids("since")}>Since</Label>
            <NativeSelect id={ids("since")} value={filters.since ?? ""} onChange={(e) => set("since", e.target.value ? Number(e.target.value) : null)}>
              <option value="">Tail (lines)</option>
              {SINCE_CHOICES.map((c) => (
                <option key={c.seconds} value={c.seconds}>
                  Last {c.label}
                </option>
              ))}
            </NativeSelect>
          </div>
        )}
        {!range && (
          <div className="space-y-1">
            <Label htmlFor={ids("tail")}>Tail lines</Label>
            <Input
              id={ids("tail")}
              inputMode="numeric"
              value={tail}
              disabled={filters.since !== null}
              title={filters.since !== null ? "Since a time, every line of that time is read" : "Lines per container before following"}
              onChange={(e) => setTail(e.target.value)}
              aria-invalid={Boolean(tailProblem || fieldError("tail"))}
              aria-describedby={tailProblem || fieldError("tail") ? ids("tail-error") : undefined}
            />
            {(tailProblem || fieldError("tail")) && (
              <p id={ids("tail-error")} className="text-xs text-destructive">
                {tailProblem ?? fieldError("tail")}
              </p>
            )}
          </div>
        )}
        <div className="space-y-1">
          <Label htmlFor={ids("cluster")}>Cluster</Label>
          <NativeSelect
            id={ids("cluster")}
            value={filters.clusters.length === 1 ? filters.clusters[0] : ""}
            onChange={(e) => set("clusters", e.target.value ? [e.target.value] : everyCluster)}
          >
            <option value="">Every cluster</option>
            {clusters.map((c) => (
              <option key={c.clusterId} value={c.clusterId}>
                {c.cluster}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="space-y-1">
          <Label htmlFor={ids("pod")}>Pod</Label>
          <NativeSelect id={ids("pod")} value={filters.pods[0] ?? ""} onChange={(e) => set("pods", e.target.value ? [e.target.value] : [])}>
            <option value="">Every pod</option>
            {knownPods.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </NativeSelect>
        </div>
        <PatternField
          id={ids("include")}
          label="Include (regex)"
          placeholder="e.g. (?i)timeout|refused"
          value={include}
          onChange={setInclude}
          problem={includeProblem ?? fieldError("include")}
        />
        <PatternField
          id={ids("exclude")}
          label="Exclude (regex)"
          placeholder="e.g. healthz"
          value={exclude}
          onChange={setExclude}
          problem={excludeProblem ?? fieldError("exclude")}
        />
        <div className="col-span-2 space-y-1">
          <span className="text-sm leading-none font-medium" id={ids("levels")}>
            Levels
          </span>
          <ToggleGroup
            type="multiple"
            variant="outline"
            size="sm"
            aria-labelledby={ids("levels")}
            value={filters.levels}
            onValueChange={(v) => set("levels", v as LogLevel[])}
            className="flex-wrap"
          >
            {LOG_LEVELS.map((l) => (
              <ToggleGroupItem key={l} value={l} aria-label={l} className="px-2.5">
                {l}
              </ToggleGroupItem>
            ))}
          </ToggleGroup>
          {fieldError("level") && <p className="text-xs text-destructive">{fieldError("level")}</p>}
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
        <div className="flex items-center gap-2">
          <Switch id={ids("previous")} checked={filters.previous} onCheckedChange={(v) => set("previous", v)} />
          <Label htmlFor={ids("previous")}>Previous containers (crashed instances)</Label>
        </div>
        {narrows(filters, clusters.length) && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              setInclude("");
              setExclude("");
              setFilters((f) => ({ ...f, levels: [], include: "", exclude: "", clusters: everyCluster, pods: [] }));
            }}
          >
            <X /> Clear filters
          </Button>
        )}
        <Button asChild size="sm" variant="outline" className="sm:ml-auto">
          <a href={downloadUrl} download>
            <Download /> Download these lines
          </a>
        </Button>
      </div>
      {shownFailure && (
        <Alert variant="destructive" data-testid="log-failure">
          <AlertDescription className="flex flex-wrap items-center gap-3">
            <span>{shownFailure.message}</span>
            {shownFailure.code !== "INVALID_INPUT" && (
              <Button size="sm" variant="outline" onClick={() => setAttempt((a) => a + 1)}>
                Try again
              </Button>
            )}
          </AlertDescription>
        </Alert>
      )}
      <LogStream
        key={`${url}#${attempt}`}
        url={url}
        env={env}
        clusters={clusters}
        highlightRe={highlightRe}
        narrowed={narrows(filters, clusters.length)}
        range={Boolean(range)}
        onSources={onSources}
        onFailure={onFailure}
      />
    </section>
  );
}

function PatternField({
  id,
  label,
  placeholder,
  value,
  onChange,
  problem,
}: {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  onChange: (v: string) => void;
  problem: string | null | undefined;
}) {
  return (
    <div className="col-span-2 space-y-1">
      <Label htmlFor={id}>{label}</Label>
      <Input
        id={id}
        className="font-mono"
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={Boolean(problem)}
        aria-describedby={problem ? `${id}-error` : undefined}
      />
      {problem && (
        <p id={`${id}-error`} className="text-xs break-words text-destructive" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
