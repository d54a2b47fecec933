/**
 * Where a namespace's JSON Schema is wrong, by line: text that is not JSON
 * (jsonc-parser's errors at their offset), or a schema the validator refuses
 * (Ajv names the place as `data/properties/port/type`, found in the text's
 * tree). Pure, so the schema editor marks the line as it is typed and after
 * the server refused it, and tests agree.
 */
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError } from "jsonc-parser";

export interface SchemaProblem {
  line: number;
  message: string;
}

function lineAt(text: string, offset: number) {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

const WORDS: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "not a number",
  PropertyNameExpected: "a property name in double quotes expected",
  ValueExpected: "a value expected",
  ColonExpected: "a colon expected",
  CommaExpected: "a comma expected",
  CloseBraceExpected: "a closing } expected",
  CloseBracketExpected: "a closing ] expected",
  EndOfFileExpected: "nothing may follow the schema",
  InvalidCommentToken: "JSON has no comments",
  UnexpectedEndOfComment: "JSON has no comments",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number is cut short",
  InvalidUnicode: "bad \\u escape",
  InvalidEscapeCharacter: "bad escape",
  InvalidCharacter: "a control character in a string",
};

/** The first problem of the text as JSON, at its line (empty when it parses). */
export function jsonProblems(text: string): SchemaProblem[] {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true });
  // The first error only: the parser's recovery after it reports consequences, not causes.
  return errors.slice(0, 1).map((e) => {
    const code = printParseErrorCode(e.error);
    return { line: lineAt(text, e.offset), message: `not JSON: ${WORDS[code] ?? code}` };
  });
}

/**
 * The server's refusal of a schema, at its lines: Ajv's `data/a/b message`
 * parts each at the line of `a/b` in the text (the first line when the place
 * is not found).
 */
export function refusalProblems(text: string, messages: readonly string[]): SchemaProblem[] {
  const syntax = jsonProblems(text);
  if (syntax.length) return syntax;
  const tree = parseTree(text);
  const out: SchemaProblem[] = [];
  for (const message of messages) {
    const body = message.replace(/^schema is invalid:\s*/, "");
    for (const part of body.split(/,\s+(?=data[/\s])/)) {
      const m = /^data((?:\/[^\s]*)?)\s+(.*)$/.exec(part.trim());
      if (!m) {
        out.push({ line: 1, message: part.trim() });
        continue;
      }
      const path = m[1]!
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const node = tree ? findNodeAtLocation(tree, path) : undefined;
      const place = path.length ? path.join(".") : "the schema";
      out.push({ line: node ? lineAt(text, node.offset) : 1, message: `${place} ${m[2]}` });
    }
  }
  // One line per problem: Ajv repeats a place for each branch of its own meta-schema.
  return out.filter((p, i) => out.findIndex((q) => q.line === p.line) === i);
}
