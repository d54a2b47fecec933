/** `%`, `_` and `\` match themselves in a LIKE pattern (Postgres's default escape character is `\`). */
export function likeEscape(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern matching values that contain `s` literally. */
export function likeContains(s: string) {
  return `%${likeEscape(s)}%`;
}
