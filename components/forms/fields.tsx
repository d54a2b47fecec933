"use client";

/**
 * The common form rows (label, control, description, message) of react-hook-form
 * forms, so each form states its fields instead of repeating the shadcn/ui markup.
 * Fields with their own behaviour (live checks, pickers) still use FormField.
 */
import type * as React from "react";
import type { Control, FieldPath, FieldValues } from "react-hook-form";
import { FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";

interface Row<T extends FieldValues> {
  control: Control<T>;
  name: FieldPath<T>;
  label: React.ReactNode;
  description?: React.ReactNode;
  className?: string;
}

type Bound = "name" | "value" | "defaultValue" | "onChange" | "onBlur" | "ref" | "className";

/** A text input row; other input props (placeholder, type, autoComplete, disabled) pass through. */
export function TextField<T extends FieldValues>({
  control,
  name,
  label,
  description,
  className,
  ...input
}: Row<T> & Omit<React.ComponentProps<typeof Input>, Bound>) {
  return (
    <FormField
      control={control}
      name={name}
      render={({ field }) => (
        <FormItem className={className}>
          <FormLabel>{label}</FormLabel>
          <FormControl>
            <Input {...input} {...field} />
          </FormControl>
          {description && <FormDescription>{description}</FormDescription>}
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/** A multi-line text row. */
export function TextareaField<T extends FieldValues>({
  control,
  name,
  label,
  description,
  className,
  ...input
}: Row<T> & Omit<React.ComponentProps<typeof Textarea>, Bound>) {
  return (
    <FormField
      control={control}
      name={name}
      render={({ field }) => (
        <FormItem className={className}>
          <FormLabel>{label}</FormLabel>
          <FormControl>
            <Textarea {...input} {...field} />
          </FormControl>
          {description && <FormDescription>{description}</FormDescription>}
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

export type Option = string | { value: string; label: React.ReactNode };

/** A select row over options given as values (shown as they are) or value/label pairs. */
export function SelectField<T extends FieldValues>({
  control,
  name,
  label,
  description,
  className,
  options,
  placeholder,
  disabled,
}: Row<T> & { options: readonly Option[]; placeholder?: string; disabled?: boolean }) {
  return (
    <FormField
      control={control}
      name={name}
      render={({ field }) => (
        <FormItem className={className}>
          <FormLabel>{label}</FormLabel>
          <Select value={field.value} onValueChange={field.onChange} disabled={disabled}>
            <FormControl>
              <SelectTrigger className="w-full">
                <SelectValue placeholder={placeholder} />
              </SelectTrigger>
            </FormControl>
            <SelectContent>
              {options.map((o) => {
                const { value, label: text } = typeof o === "string" ? { value: o, label: o } : o;
                return (
                  <SelectItem key={value} value={value}>
                    {text}
                  </SelectItem>
                );
              })}
            </SelectContent>
          </Select>
          {description && <FormDescription>{description}</FormDescription>}
          <FormMessage />
        </FormItem>
      )}
    />
  );
}
