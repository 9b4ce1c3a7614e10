// Node glyphs: small line drawings (24×24, drawn white) that the WebGL node
// program stamps on each node's coloured disc, so the kind reads without
// relying on colour. They are data: URLs (the UI's CSP allows data: images)
// and never leave the page.
import type { NodeAttrs } from "./graphModel";
import type { GNode, JSONValue } from "./types";

export type IconName =
  | "wallet"
  | "transaction"
  | "exchange"
  | "mixer"
  | "bridge"
  | "service"
  | "organization"
  | "person"
  | "email"
  | "phone"
  | "handle"
  | "ip"
  | "identifier"
  | "threat"
  | "incident"
  | "sanction"
  | "location"
  | "group";

// Each glyph is stroked paths, plus optional filled dots; coordinates stay in
// 3–21 so the glyph fits the disc inside a badge ring.
const GLYPHS: Record<IconName, string> = {
  wallet: "M4 8h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V8zM4 8l11-4v4M15 14h2",
  transaction: "M4 8h15M15 4l4 4-4 4M20 16H5M9 12l-4 4 4 4",
  exchange: "M3 10l9-6 9 6M5 10v8M9.7 10v8M14.3 10v8M19 10v8M3 20h18",
  mixer: "M3 7h3.5l11 10H21M3 17h3.5l3.5-3.2M14 10.2L17.5 7H21M18.5 4.5L21 7l-2.5 2.5M18.5 14.5L21 17l-2.5 2.5",
  bridge: "M2 15h20M4 19V11M20 19V11M4 11c3 0 5-4 8-4s5 4 8 4M8.5 15V9.2M15.5 15V9.2",
  service: "M4 11v9h16v-9M3 11l2-7h14l2 7zM10 20v-5h4v5",
  organization: "M5 21V4h10v17M15 9h4v12M3 21h18M8 8h4M8 12h4M8 16h4",
  person: "M12 4a4 4 0 1 1 0 8a4 4 0 1 1 0-8zM4.5 21c0-4.2 3.4-6.5 7.5-6.5s7.5 2.3 7.5 6.5",
  email: "M5 6h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2zM3.5 7.5l8.5 6 8.5-6",
  phone: "M9 3h6a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H9a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM11 18h2",
  handle: "M12 8.5a3.5 3.5 0 1 1 0 7a3.5 3.5 0 1 1 0-7zM15.5 8.5v4.5a2.5 2.5 0 0 0 5 0V12a8.5 8.5 0 1 0-3.5 6.9",
  ip: "M12 3a9 9 0 1 1 0 18a9 9 0 1 1 0-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18",
  identifier: "M5 5h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2zM9 9a2 2 0 1 1 0 4a2 2 0 1 1 0-4zM6 16.5c.6-1.4 1.6-2 3-2s2.4.6 3 2M14.5 10h3.5M14.5 14h2.5",
  threat: "M12 3a8 8 0 0 0-8 8c0 2.8 1.4 4.6 3 5.6V20h10v-3.4c1.6-1 3-2.8 3-5.6a8 8 0 0 0-8-8zM10 20v-2.5M14 20v-2.5",
  incident: "M12 3.5L2.5 20h19L12 3.5zM12 10v4.5",
  sanction: "M12 3l8 3v6c0 4.4-3.4 8-8 9-4.6-1-8-4.6-8-9V6l8-3zM8.5 8.5l7 7",
  location: "M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21zM12 7a2.5 2.5 0 1 1 0 5a2.5 2.5 0 1 1 0-5z",
  group: "M7 5a3 3 0 1 1 0 6a3 3 0 1 1 0-6zM17 5a3 3 0 1 1 0 6a3 3 0 1 1 0-6zM12 13a3 3 0 1 1 0 6a3 3 0 1 1 0-6z",
};

// Filled dots that complete a glyph (eyes of the threat mask, the incident's
// exclamation point).
const DOTS: Partial<Record<IconName, [number, number, number][]>> = {
  threat: [
    [9, 11, 1.6],
    [15, 11, 1.6],
  ],
  incident: [[12, 17.3, 1.2]],
};

/** Pixel size the glyphs are rasterised at: crisp on a 40 px node on a 2× screen. */
const RASTER = 96;

function svg(name: IconName): string {
  const dots = (DOTS[name] ?? []).map(([cx, cy, r]) => `<circle cx="${cx}" cy="${cy}" r="${r}" fill="#fff" stroke="none"/>`).join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${RASTER}" height="${RASTER}" viewBox="0 0 24 24" fill="none" ` +
    `stroke="#fff" stroke-width="2.1" stroke-linecap="round" stroke-linejoin="round"><path d="${GLYPHS[name]}"/>${dots}</svg>`
  );
}

const URLS = Object.fromEntries(
  (Object.keys(GLYPHS) as IconName[]).map((n) => [n, `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg(n))}`]),
) as Record<IconName, string>;

/** The data: URL of a glyph. */
export function iconUrl(name: IconName): string {
  return URLS[name];
}

const KIND_ICONS: Record<string, IconName | undefined> = {
  WALLET: "wallet",
  TRANSACTION: "transaction",
  ORGANIZATION: "organization",
  PERSON: "person",
  THREAT_GROUP: "threat",
  INCIDENT: "incident",
  SANCTION: "sanction",
  LOCATION: "location",
};

// GraphSense and hand-written categories of services, by glyph.
const SERVICE_ICONS: Record<string, IconName | undefined> = {
  exchange: "exchange",
  otc: "exchange",
  market: "exchange",
  mixer: "mixer",
  mixing_service: "mixer",
  coinjoin: "mixer",
  tumbler: "mixer",
  bridge: "bridge",
  defi_bridge: "bridge",
};

const IDENTIFIER_ICONS: Record<string, IconName | undefined> = {
  email: "email",
  phone: "phone",
  handle: "handle",
  username: "handle",
  ip: "ip",
  ipv4: "ip",
  ipv6: "ip",
  domain: "ip",
  url: "ip",
};

function prop(n: GNode, key: string): JSONValue | undefined {
  for (const p of n.properties) if (p.key === key) return p.value;
  return undefined;
}

function lower(v: JSONValue | undefined): string {
  return typeof v === "string" ? v.trim().toLowerCase() : "";
}

/** The glyph of a service: by its `category` property (exchange, mixer, bridge...). */
function serviceIcon(n: GNode): IconName {
  return SERVICE_ICONS[lower(prop(n, "category"))] ?? "service";
}

/** The glyph of an identifier: by its `type` property, else its key's prefix (`email:…`, `phone:…`). */
function identifierIcon(n: GNode): IconName {
  const typed = IDENTIFIER_ICONS[lower(prop(n, "type"))];
  if (typed) return typed;
  const colon = n.key.indexOf(":");
  return (colon > 0 ? IDENTIFIER_ICONS[n.key.slice(0, colon).toLowerCase()] : undefined) ?? "identifier";
}

// Services and identifiers need a look at their properties: remember the
// answer per API object, since the renderer asks on every redraw.
const byData = new WeakMap<GNode, IconName>();

/** The glyph for a node on the canvas: group nodes get the group glyph, others their kind's. */
export function nodeIcon(a: Pick<NodeAttrs, "kind" | "data" | "group">): IconName {
  if (a.group) return "group";
  const direct = KIND_ICONS[a.kind];
  if (direct) return direct;
  let icon = byData.get(a.data);
  if (icon === undefined) {
    icon = a.kind === "SERVICE" ? serviceIcon(a.data) : a.kind === "IDENTIFIER" ? identifierIcon(a.data) : "identifier";
    byData.set(a.data, icon);
  }
  return icon;
}
