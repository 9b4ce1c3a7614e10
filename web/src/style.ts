// Colours and sizes. Node colours are mid-tones (luminance 0.12–0.29) so that
// the white glyph on the disc and the disc on either canvas background keep a
// contrast of at least 3:1 in both themes; the glyph, not only the colour,
// tells the kind (colour-blind readers, projectors). Edge colours group
// relations by meaning (money, attribution, control...).
import type { GEdge, NodeKind, EdgeKind } from "./types";

export type Theme = "light" | "dark";

export const NODE_COLORS: Record<NodeKind, string> = {
  THREAT_GROUP: "#d01834",
  INCIDENT: "#c8620a",
  WALLET: "#3f6fa8",
  TRANSACTION: "#7a7f87",
  SERVICE: "#23883a",
  ORGANIZATION: "#99613f",
  PERSON: "#8a52c4",
  IDENTIFIER: "#12808f",
  SANCTION: "#5a7188",
  LOCATION: "#877a08",
};

export const NODE_KIND_LABELS: Record<NodeKind, string> = {
  THREAT_GROUP: "Threat group",
  INCIDENT: "Incident",
  WALLET: "Wallet",
  TRANSACTION: "Transaction",
  SERVICE: "Service",
  ORGANIZATION: "Organization",
  PERSON: "Person",
  IDENTIFIER: "Identifier",
  SANCTION: "Sanction",
  LOCATION: "Location",
};

const MONEY = "#5b8fd1";
const CONTROL = "#a98467";
const ATTRIBUTION = "#b07aa1";
const OTHER = "#a5a5a5";

export const EDGE_COLORS: Record<EdgeKind, string> = {
  TRANSFER: MONEY,
  INPUT: MONEY,
  OUTPUT: MONEY,
  PAYS: MONEY,
  STOLE: "#e15759",
  DEPOSITED_AT: "#59a14f",
  CONTROLS: CONTROL,
  OWNS: CONTROL,
  DIRECTS: CONTROL,
  EMPLOYS: CONTROL,
  USES: "#76b7b2",
  SAME_AS: "#f1a340",
  ATTRIBUTED_TO: ATTRIBUTION,
  PART_OF: OTHER,
  LOCATED_IN: OTHER,
  SANCTIONED_BY: "#7d8a99",
  TARGETED: "#e15759",
  ASSOCIATED_WITH: OTHER,
};

/** Legend rows for edges: one per colour group. */
export const EDGE_LEGEND: { label: string; color: string }[] = [
  { label: "Money (transfer, pays, in/out)", color: MONEY },
  { label: "Stole / targeted", color: "#e15759" },
  { label: "Deposited at", color: "#59a14f" },
  { label: "Controls / owns / directs", color: CONTROL },
  { label: "Attributed to", color: ATTRIBUTION },
  { label: "Same as", color: "#f1a340" },
  { label: "Uses", color: "#76b7b2" },
  { label: "Sanctioned by", color: "#7d8a99" },
  { label: "Other", color: OTHER },
];

/** What the canvas draws that depends on the theme (sigma cannot read CSS). */
export interface CanvasPalette {
  /** The canvas background: the page's --canvas-bg, and the PNG export's fill. */
  background: string;
  label: string;
  edgeLabel: string;
  /** The box behind a hovered or selected node's label, and its shadow. */
  hoverBox: string;
  hoverShadow: string;
  dimNode: string;
  dimEdge: string;
  /** Path (and money flow) edges. */
  path: string;
  /** Badge rings: sanctioned and high-risk. */
  sanctioned: string;
  highRisk: string;
  /** The thin outer ring of pinned nodes. */
  pin: string;
}

export const PALETTES: Record<Theme, CanvasPalette> = {
  light: {
    background: "#fbfcfd",
    label: "#1d232a",
    edgeLabel: "#4f5966",
    hoverBox: "#ffffff",
    hoverShadow: "rgba(0, 0, 0, 0.55)",
    dimNode: "#dfe3e8",
    dimEdge: "#eceff2",
    path: "#c8102e",
    sanctioned: "#c8001e",
    highRisk: "#a65f00",
    pin: "#1d232a",
  },
  dark: {
    background: "#14181e",
    label: "#e4e8ec",
    edgeLabel: "#b4bdc7",
    hoverBox: "#262c34",
    hoverShadow: "rgba(0, 0, 0, 0.9)",
    dimNode: "#2b323b",
    dimEdge: "#20262d",
    path: "#ff5c6c",
    sanctioned: "#ff6e6e",
    highRisk: "#f2b01e",
    pin: "#e4e8ec",
  },
};

export const FALLBACK_COLOR = "#7a7f87";

const BASE_SIZE: Partial<Record<NodeKind, number>> = {
  THREAT_GROUP: 12,
  INCIDENT: 9,
  SERVICE: 9,
  ORGANIZATION: 8,
  PERSON: 8,
};

export function nodeColor(kind: string): string {
  return (NODE_COLORS as Record<string, string | undefined>)[kind] ?? FALLBACK_COLOR;
}

export function edgeColor(kind: string): string {
  return (EDGE_COLORS as Record<string, string | undefined>)[kind] ?? OTHER;
}

/** Node size from its kind and how many edges it has on the canvas. */
export function nodeSize(kind: string, degree: number): number {
  const base = (BASE_SIZE as Record<string, number | undefined>)[kind] ?? 6;
  return Math.min(base + Math.sqrt(Math.max(0, degree)) * 1.2, base + 10);
}

export function kindLabel(kind: string): string {
  return (NODE_KIND_LABELS as Record<string, string | undefined>)[kind] ?? kind;
}

/** Edge width without a USD value (relations, transfers of unpriced assets). */
const EDGE_SIZE_DEFAULT = 1.5;
const EDGE_SIZE_MIN = 1;
const EDGE_SIZE_MAX = 8;
// $100 or less draws the thinnest line, $1bn or more the thickest; in between
// the width follows log10(USD): laundering amounts span seven orders of
// magnitude, so a linear scale would leave all but the largest hairline-thin.
const USD_LOG_MIN = 2;
const USD_LOG_MAX = 9;

/** Edge width from its USD value on a log scale, EDGE_SIZE_MIN–EDGE_SIZE_MAX; EDGE_SIZE_DEFAULT without a value. */
export function edgeSize(e: Pick<GEdge, "valueUSD">): number {
  const usd = e.valueUSD;
  if (usd === null || !Number.isFinite(usd) || usd < 0) return EDGE_SIZE_DEFAULT;
  const t = (Math.log10(Math.max(usd, 1)) - USD_LOG_MIN) / (USD_LOG_MAX - USD_LOG_MIN);
  return EDGE_SIZE_MIN + (EDGE_SIZE_MAX - EDGE_SIZE_MIN) * Math.min(1, Math.max(0, t));
}
