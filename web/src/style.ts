// Colours and sizes by kind. Node colours are distinct on the light canvas;
// edge colours group relations by meaning (money, attribution, control...).
import type { EdgeKind, NodeKind } from "./types";

export const NODE_COLORS: Record<NodeKind, string> = {
  THREAT_GROUP: "#c8102e",
  INCIDENT: "#f28e2b",
  WALLET: "#4e79a7",
  TRANSACTION: "#8c8c8c",
  SERVICE: "#2f9e44",
  ORGANIZATION: "#9c6b4e",
  PERSON: "#8e5cc2",
  IDENTIFIER: "#1fa2b5",
  SANCTION: "#3b3b3b",
  LOCATION: "#b5a21a",
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
  SANCTIONED_BY: "#555555",
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
  { label: "Other", color: OTHER },
];

export const PATH_COLOR = "#c8102e";
export const DIM_NODE_COLOR = "#e3e5e8";
export const DIM_EDGE_COLOR = "#eef0f2";
export const FALLBACK_COLOR = "#999999";

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
