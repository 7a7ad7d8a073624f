/**
 * Nesting depth of JSON text, found by one scan (no recursion, so no stack limit on hostile input).
 *
 * MAX_JSON_DEPTH: Microsoft documents no nesting limit for the Request trigger that we could find; 64 is
 * the default of .NET's System.Text.Json (JsonSerializerOptions.MaxDepth: "the default value of 0
 * indicating a maximum depth of 64", https://learn.microsoft.com/en-us/dotnet/api/system.text.json.jsonserializeroptions.maxdepth),
 * a safe local limit far above a Partner Center lead (2 levels), not a claim about Azure's behaviour.
 */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of objects and arrays in `text` (0 for a scalar); strings are skipped, escapes too. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
