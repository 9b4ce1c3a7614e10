// A small, strict, non-validating XML reader for tests of the GraphML and SVG
// exports: it checks well-formedness (one root, balanced tags, quoted and
// unique attributes, only predefined or numeric entity references, no raw
// '<' or '&', only characters XML 1.0 allows) and returns the element tree.
// No DTDs, comments, CDATA or processing instructions besides the XML
// declaration: the exporters write none.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function isNameChar(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "_" || c === ":" || c === "-" || c === ".";
}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Parses a document, throwing an Error with the offset of the first problem. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`XML at ${i}: ${msg}`);
  };
  const skipSpace = () => {
    while (i < src.length && (src[i] === " " || src[i] === "\n" || src[i] === "\t" || src[i] === "\r")) i++;
  };
  const expect = (s: string) => {
    if (!src.startsWith(s, i)) fail(`expected ${s}`);
    i += s.length;
  };
  const name = (): string => {
    const start = i;
    while (i < src.length && isNameChar(src[i]!)) i++;
    if (i === start) fail("expected a name");
    return src.slice(start, i);
  };
  // One character of text or attribute value, entity references decoded.
  const char = (): string => {
    const code = src.codePointAt(i)!;
    if (!isXmlChar(code)) fail(`character U+${code.toString(16)} is not allowed`);
    if (src[i] === "<") fail("raw '<'");
    if (src[i] !== "&") {
      const c = String.fromCodePoint(code);
      i += c.length;
      return c;
    }
    const end = src.indexOf(";", i);
    if (end < 0) fail("unterminated entity reference");
    const ref = src.slice(i + 1, end);
    i = end + 1;
    if (ref in ENTITIES) return ENTITIES[ref]!;
    const n = ref.startsWith("#x") ? parseInt(ref.slice(2), 16) : ref.startsWith("#") ? parseInt(ref.slice(1), 10) : NaN;
    if (!isXmlChar(n)) fail(`bad entity reference &${ref};`);
    return String.fromCodePoint(n);
  };
  const element = (): XmlElement => {
    expect("<");
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: "" };
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (src[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("expected a space before an attribute");
      const key = name();
      if (key in el.attrs) fail(`duplicate attribute ${key}`);
      skipSpace();
      expect("=");
      skipSpace();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") fail("unquoted attribute value");
      i++;
      let value = "";
      while (i < src.length && src[i] !== quote) value += char();
      expect(quote!);
      el.attrs[key] = value;
    }
    for (;;) {
      if (i >= src.length) fail(`unclosed <${el.name}>`);
      if (src.startsWith("</", i)) {
        i += 2;
        if (name() !== el.name) fail(`mismatched closing tag for <${el.name}>`);
        skipSpace();
        expect(">");
        return el;
      }
      if (src[i] === "<") el.children.push(element());
      else el.text += char();
    }
  };
  if (src.startsWith("<?xml")) {
    const end = src.indexOf("?>");
    if (end < 0) fail("unterminated XML declaration");
    i = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== src.length) fail("content after the root element");
  return root;
}

/** Every element named `name` in the tree, depth first. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (el: XmlElement) => {
    if (el.name === name) out.push(el);
    el.children.forEach(walk);
  };
  walk(root);
  return out;
}
