import * as React from "react";
import type { LucideIcon } from "lucide-react";

import { cn } from "@/lib/utils";

type EmptyStateProps = Omit<React.ComponentProps<"div">, "title"> & {
  /** A lucide icon component (e.g. `InboxIcon`) or any rendered element. */
  icon?: LucideIcon | React.ReactElement;
  title: React.ReactNode;
  description?: React.ReactNode;
  /** Call to action, e.g. a <Button> or <Button asChild><Link/></Button>. */
  action?: React.ReactNode;
  /** Heading element for the title; pick the one that fits the page outline. */
  titleAs?: "h2" | "h3" | "h4" | "p";
};

function EmptyState({ icon, title, description, action, titleAs: Title = "h3", className, children, ...props }: EmptyStateProps) {
  let iconNode: React.ReactNode = null;
  if (React.isValidElement(icon)) {
    iconNode = icon;
  } else if (icon) {
    const Icon = icon;
    iconNode = <Icon className="size-6" aria-hidden="true" />;
  }

  return (
    <div
      data-slot="empty-state"
      className={cn("flex flex-col items-center justify-center gap-4 rounded-lg border border-dashed px-6 py-12 text-center", className)}
      {...props}
    >
      {iconNode && (
        <div
          data-slot="empty-state-icon"
          className="flex size-12 items-center justify-center rounded-full bg-muted text-muted-foreground [&_svg:not([class*='size-'])]:size-6"
          aria-hidden="true"
        >
          {iconNode}
        </div>
      )}
      <div className="flex max-w-md flex-col items-center gap-1.5">
        <Title data-slot="empty-state-title" className="text-base font-semibold tracking-tight text-foreground">
          {title}
        </Title>
        {description && (
          <div
            data-slot="empty-state-description"
            className="text-sm text-balance text-muted-foreground [&_a]:underline [&_a]:underline-offset-4 [&_a:hover]:text-foreground"
          >
            {description}
          </div>
        )}
      </div>
      {action && (
        <div data-slot="empty-state-action" className="flex flex-wrap items-center justify-center gap-2">
          {action}
        </div>
      )}
      {children}
    </div>
  );
}

export { EmptyState, type EmptyStateProps };
