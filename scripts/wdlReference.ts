/**
 * Extracts the worked examples of Microsoft's functions reference (MicrosoftDocs/azure-docs,
 * articles/logic-apps/expression-functions-reference.md) and checks emulator/expressions/reference/examples.json
 * against them.
 *
 *   npx ts-node --transpile-only scripts/wdlReference.ts extract <page.md>   # the page's examples as row skeletons
 *   npx ts-node --transpile-only scripts/wdlReference.ts check <page.md>     # exit 1 when the table and page disagree
 *
 * The page's shapes: an expression in a code block, or alone on a line (or a bullet) in backticks, then its result as
 * "And returns this result: `x`", "Here's the result: `x`", bullets "* First example: ... `x`", a trailing
 * "// Returns x." comment, or a table row "| `bool(1)` | Integer | `true` |". Rows need judgement the page cannot
 * give (a context, a corrected typo), so `check` reports, and a person edits the table.
 */
import * as fs from "fs";
import data from "../emulator/expressions/reference/examples.json";

export interface Example {
  fn: string;
  expression: string;
  /** The result as the page prints it, when it prints one. */
  docResult?: string;
}

const CALL = /^[A-Za-z][A-Za-z0-9]*\(/;
const ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth"];

/** The function sections of the page: `### name` up to the next heading of level 2 or 3. */
function sections(markdown: string): Array<{ fn: string; body: string }> {
  const out: Array<{ fn: string; body: string }> = [];
  const parts = markdown.split(/^### /m).slice(1);
  for (const part of parts) {
    const [heading, ...rest] = part.split("\n");
    const body = rest.join("\n").split(/^## /m)[0];
    out.push({ fn: heading.replace(/\(deprecated\)/, "").trim(), body });
  }
  return out;
}

/** Expressions of a code block: a call starting a line, continued until its parentheses balance. */
function blockExpressions(block: string): Array<{ expression: string; comment?: string }> {
  const out: Array<{ expression: string; comment?: string }> = [];
  let current: string[] = [];
  let depth = 0;
  for (const line of block.split("\n")) {
    if (!current.length && !CALL.test(line.trim())) continue;
    const [code, comment] = splitComment(line);
    current.push(code);
    depth += balance(code);
    if (depth <= 0) {
      out.push({ expression: current.join("\n").trim(), comment: comment?.trim() });
      current = [];
      depth = 0;
    }
  }
  return out;
}

/** A line's code and its `// ...` comment, ignoring `//` inside '...' literals. */
function splitComment(line: string): [string, string | undefined] {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "'") inString = !inString;
    else if (!inString && line.startsWith("//", i)) return [line.slice(0, i).trimEnd(), line.slice(i + 2)];
  }
  return [line, undefined];
}

function balance(code: string): number {
  let depth = 0;
  let inString = false;
  for (const c of code) {
    if (c === "'") inString = !inString;
    else if (!inString && c === "(") depth++;
    else if (!inString && c === ")") depth--;
  }
  return depth;
}

/** The value a "// Returns x." comment or a result line prints: its last `code` span, else the text after "Returns". */
function printed(text: string): string | undefined {
  const spans = [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  if (spans.length) return spans[spans.length - 1];
  const m = /Returns\s+(.*?)\.?\s*$/i.exec(text);
  return m?.[1];
}

/** The examples of one section, in the page's order. */
function sectionExamples(fn: string, body: string): Example[] {
  const start = body.search(/^\*(Examples?|Outputs)( \d+)?\*/m);
  if (start < 0) return [];
  const chunks = body.slice(start).split(/^\*(?:Examples?|Outputs)(?: \d+)?\*/m);
  return chunks.flatMap((chunk) => chunkExamples(fn, chunk));
}

/** One `*Example n*` chunk: its expressions, then the results the text after them gives. */
function chunkExamples(fn: string, chunk: string): Example[] {
  const found: Array<{ expression: string; comment?: string; at: number }> = [];
  for (const m of chunk.matchAll(/```[a-z]*\n([\s\S]*?)```/g))
    for (const e of blockExpressions(m[1])) found.push({ ...e, at: m.index! + m[0].length });
  for (const m of chunk.matchAll(/^(?:\* )?`([^`]+)`\s*$/gm))
    if (CALL.test(m[1])) found.push({ expression: m[1], at: m.index! + m[0].length });
  for (const m of chunk.matchAll(/^\| `([^`]+)` \|.*\| `([^`]+)` \|\s*$/gm))
    found.push({ expression: m[1], comment: `\`${m[2]}\``, at: m.index! });
  found.sort((a, b) => a.at - b.at);
  const bullets = [...chunk.matchAll(/^\* (\w+) example: (.*)$/gm)].filter((m) => ORDINALS.includes(m[1]));
  return found.map((e, i) => {
    let docResult = e.comment !== undefined ? printed(e.comment) : undefined;
    if (docResult === undefined && bullets.length === found.length) docResult = printed(bullets[i][2]);
    if (docResult === undefined) docResult = resultAfter(chunk, e.at) ?? resultBefore(chunk);
    return docResult === undefined ? { fn, expression: e.expression } : { fn, expression: e.expression, docResult };
  });
}

/** "And returns this result: `x`" / "Here's the result: `x`" after the expression (same paragraph group). */
function resultAfter(chunk: string, at: number): string | undefined {
  const m = /^(?:And )?(?:returns?|Here's)[^\n`]*?(?:result|array|results?)[^\n`]*:\s*`([^`]+)`/im.exec(
    chunk.slice(at),
  );
  return m?.[1];
}

/** "Both examples return this value with Integer type: `2`" or `as the string "x"` before the expressions. */
function resultBefore(chunk: string): string | undefined {
  const value = /return this value[^\n`]*:\s*`([^`]+)`/i.exec(chunk);
  if (value) return value[1];
  const prose = /(?:as|to) the string "([^"]*)"/.exec(chunk);
  return prose ? JSON.stringify(prose[1]) : undefined;
}

/** Every worked example of the page, in its order. */
export function extractExamples(markdown: string): Example[] {
  return sections(markdown).flatMap((s) => sectionExamples(s.fn, s.body));
}

export function pageDate(markdown: string): string | undefined {
  return /^ms\.date:\s*(\S+)/m.exec(markdown)?.[1];
}

type Row = {
  fn: string;
  expression?: string;
  docExpression?: string;
  expected?: unknown;
  docResult?: string;
  typo?: string;
  note?: string;
};
const squash = (s: string) => s.replace(/\s+/g, "");

/** Does the page's printed result say what the row expects? (JSON when it parses, else the text.) */
function agrees(row: Row, docResult: string): boolean {
  if (row.docResult !== undefined) return squash(row.docResult) === squash(docResult);
  if (row.expected === undefined) return true;
  try {
    return JSON.stringify(JSON.parse(docResult)) === JSON.stringify(row.expected);
  } catch {
    return squash(docResult.replace(/^'|'$/g, "")) === squash(String(row.expected));
  }
}

export interface Check {
  missing: Example[];
  stale: string[];
  differing: Array<{ expression: string; docResult: string; expected: unknown }>;
}

/** The table against the page: examples with no row, rows (not prose rules) the page lacks, results that differ. */
export function checkTable(examples: Example[], rows: Row[], without: Array<{ expression: string }>): Check {
  const byText = new Map<string, Row>();
  for (const r of rows) for (const t of [r.expression, r.docExpression]) if (t) byText.set(squash(t), r);
  const skipped = new Set(without.map((w) => squash(w.expression)));
  const onPage = new Set(examples.map((e) => squash(e.expression)));
  const check: Check = { missing: [], stale: [], differing: [] };
  for (const e of examples) {
    const row = byText.get(squash(e.expression));
    if (!row) {
      if (!skipped.has(squash(e.expression))) check.missing.push(e);
    } else if (e.docResult !== undefined && !row.typo && !agrees(row, e.docResult)) {
      check.differing.push({ expression: e.expression, docResult: e.docResult, expected: row.expected });
    }
  }
  for (const r of rows) {
    const texts = [r.expression, r.docExpression].filter((t): t is string => !!t);
    if (r.fn !== "language" && !r.note && texts.length && !texts.some((t) => onPage.has(squash(t))))
      check.stale.push(texts[0]);
  }
  return check;
}

export function formatCheck(c: Check): string {
  const lines = [`${c.missing.length} missing, ${c.stale.length} stale, ${c.differing.length} differing`];
  for (const e of c.missing) lines.push(`MISSING ${e.fn}: ${e.expression}${e.docResult ? ` -> ${e.docResult}` : ""}`);
  for (const s of c.stale) lines.push(`STALE ${s}`);
  for (const d of c.differing)
    lines.push(
      `DIFFERS ${d.expression}: the page prints ${d.docResult}, the row expects ${JSON.stringify(d.expected)}`,
    );
  return lines.join("\n");
}

if (require.main === module) {
  const [command, file] = process.argv.slice(2);
  const markdown = file ? fs.readFileSync(file, "utf8") : "";
  if (command === "extract" && file) {
    console.log(JSON.stringify({ msDate: pageDate(markdown), examples: extractExamples(markdown) }, null, 2));
  } else if (command === "check" && file) {
    const c = checkTable(extractExamples(markdown), data.rows as Row[], data.withoutResult);
    console.log(`page ms.date ${pageDate(markdown)}; table from ms.date ${data.source.reference.msDate}`);
    console.log(formatCheck(c));
    process.exitCode = c.missing.length + c.stale.length + c.differing.length ? 1 : 0;
  } else {
    console.error("usage: wdlReference.ts extract <page.md> | check <page.md>");
    process.exitCode = 2;
  }
}
