/**
 * xml(), xpath() and json(<xml>), with @xmldom/xmldom and xpath. JSON <-> XML follows the functions reference's
 * examples: attributes as "@name", text beside attributes as "#text", the declaration as "?xml", repeated child
 * elements as an array, and "The JSON object must have only one root property" for xml(<object>).
 */
import { DOMParser } from "@xmldom/xmldom";
import * as xpath from "xpath";
import { fail } from "./signature";
import { isObject, made, toText, typeName, Xml } from "./values";

type XNode = Xml["node"];

function parseXml(fn: string, text: string): XNode {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, msg: string) => {
      if (level !== "warning") errors.push(msg);
    },
  }).parseFromString(text, "text/xml");
  if (errors.length || !doc.documentElement)
    return fail(
      `The template language function '${fn}' parameter is not valid XML: ${errors[0] ?? "no root element"}.`,
    );
  return doc as unknown as XNode;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function elementText(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => elementText(name, v)).join("");
  if (!isObject(value)) return value === null ? `<${name} />` : `<${name}>${escapeXml(toText(value))}</${name}>`;
  let attrs = "";
  let inner = "";
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("@")) attrs += ` ${k.slice(1)}="${escapeXml(toText(v))}"`;
    else if (k === "#text") inner += escapeXml(toText(v));
    else inner += elementText(k, v);
  }
  return `<${name}${attrs}>${inner}</${name}>`;
}

/** xml('<text>') or xml(<object with one root property>). */
export function toXml(v: unknown): Xml {
  if (v instanceof Xml) return v;
  made.count++;
  if (typeof v === "string") return new Xml(parseXml("xml", v));
  if (isObject(v)) {
    const roots = Object.keys(v).filter((k) => k !== "?xml");
    if (roots.length !== 1 || Array.isArray(v[roots[0]]))
      return fail(
        `The template language function 'xml' expects an object with exactly one root property that is not an array; received properties '${roots.join(", ")}'.`,
      );
    return new Xml(parseXml("xml", elementText(roots[0], v[roots[0]])));
  }
  return fail(`The template language function 'xml' expects a string or an object; received '${typeName(v)}'.`);
}

type DomNode = {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  childNodes: ArrayLike<DomNode>;
  attributes?: ArrayLike<{ name: string; value: string }>;
  data?: string;
};

function elementJson(el: DomNode): unknown {
  const out: Record<string, unknown> = {};
  for (const a of Array.from(el.attributes ?? [])) if (!a.name.startsWith("xmlns")) out[`@${a.name}`] = a.value;
  let text = "";
  for (const c of Array.from(el.childNodes)) {
    if (c.nodeType === 3 || c.nodeType === 4) text += c.nodeValue ?? "";
    if (c.nodeType !== 1) continue;
    const v = elementJson(c);
    const prior = out[c.nodeName];
    out[c.nodeName] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  const trimmed = text.trim();
  if (Object.keys(out).length === 0) return trimmed === "" ? null : trimmed;
  if (trimmed !== "") out["#text"] = trimmed;
  return out;
}

function declaration(text: string): Record<string, string> | undefined {
  const m = /^\s*<\?xml([^?]*)\?>/.exec(text);
  if (!m) return undefined;
  const attrs: Record<string, string> = {};
  for (const a of m[1].matchAll(/(\w+)\s*=\s*["']([^"']*)["']/g)) attrs[`@${a[1]}`] = a[2];
  return attrs;
}

/** json(xml(...)): the document as JSON. */
export function xmlToJson(x: Xml, source: string): unknown {
  const node = x.node as unknown as DomNode & { documentElement?: DomNode };
  const root = node.documentElement ?? node;
  const out: Record<string, unknown> = {};
  const decl = declaration(source);
  if (decl) out["?xml"] = decl;
  out[root.nodeName] = elementJson(root);
  return out;
}

/** xpath(xml, expression): node sets as arrays of XML nodes, numbers, strings and booleans as values. */
export function selectXpath(doc: unknown, expression: string): unknown {
  const x = doc instanceof Xml ? doc : toXml(doc);
  let result: unknown;
  try {
    result = xpath.select(expression, x.node as never);
  } catch (err) {
    return fail(
      `The template language function 'xpath' was given the XPath '${expression}', which is not valid: ${(err as Error).message}.`,
    );
  }
  if (Array.isArray(result)) {
    made.count++;
    return result.map((n) => (n.nodeType === 2 || n.nodeType === 3 ? n.nodeValue : new Xml(n as XNode)));
  }
  return result;
}
