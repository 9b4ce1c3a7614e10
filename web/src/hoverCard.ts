// The hover card: a short DOM summary next to the node or edge under the
// pointer (what it is, its key, how connected, its markers, marking and
// confidence, the user's note), so that reading a neighbourhood does not need
// a click per node. It follows its item when the camera or the layout moves,
// and never takes the pointer (pointer-events: none in styles.css).
import type Sigma from "sigma";
import { formatAmount, type EdgeAttrs, type NodeAttrs } from "./graphModel";
import { formatTime, formatUSD, kindWords, markingLabel, plural } from "./format";
import { kindLabel } from "./style";
import { illustrativeLevel, illustrativeTitle, type Illustrated } from "./illustrative";
import { clear, h } from "./ui/dom";

export interface HoverCard {
  /** Shows the card for a node on the canvas. */
  showNode(id: string): void;
  /** Shows the card for an edge on the canvas. */
  showEdge(id: string): void;
  hide(): void;
  /** Moves the card to where its item is drawn now (after a render). */
  follow: () => void;
  destroy(): void;
}

const BADGE_WORDS = { sanctioned: "Sanctioned", "high-risk": "High risk" } as const;
/** An annotation longer than this is cut in the card; the details panel has it all. */
const NOTE_MAX = 160;
/** Risk reasons shown in the card. */
const RISK_SHOWN = 3;
/** Pixels between the item and the card. */
const OFFSET = 14;
let mounted = 0;

function confidence(c: number): string {
  return `confidence ${Math.round(c)}`;
}

/** The card's line for a partly or wholly synthetic item; null for a real one. */
function illustrativeRow(d: Illustrated): HTMLElement | null {
  const level = illustrativeLevel(d);
  if (level === null) return null;
  return h("div", { class: "hc-row hc-illustrative", "data-testid": "hover-illustrative", title: illustrativeTitle(level) }, h("span", { class: "badge-illustrative" }, level));
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Mounts the card in `host` (the canvas's positioned parent). */
export function createHoverCard(host: HTMLElement, sigma: Sigma<NodeAttrs, EdgeAttrs>): HoverCard {
  const graph = sigma.getGraph();
  const el = h("div", { class: "hover-card", role: "tooltip", id: `hover-card-${++mounted}`, "data-testid": "hover-card", hidden: true });
  host.append(el);
  let current: { type: "node" | "edge"; id: string } | null = null;

  const row = (...children: (Node | string | null)[]) => h("div", { class: "hc-row" }, ...children);

  const hide = () => {
    current = null;
    el.hidden = true;
    sigma.getContainer().removeAttribute("aria-describedby");
  };

  const place = () => {
    if (!current) return;
    if (current.type === "node" ? !graph.hasNode(current.id) : !graph.hasEdge(current.id)) {
      hide(); // removed while hovered
      return;
    }
    let x: number;
    let y: number;
    let r = 0;
    if (current.type === "node") {
      const a = graph.getNodeAttributes(current.id);
      ({ x, y } = sigma.graphToViewport(a));
      r = sigma.scaleSize(sigma.getNodeDisplayData(current.id)?.size ?? a.size);
    } else {
      const s = graph.getSourceAttributes(current.id);
      const t = graph.getTargetAttributes(current.id);
      ({ x, y } = sigma.graphToViewport({ x: (s.x + t.x) / 2, y: (s.y + t.y) / 2 }));
    }
    // The canvas sits at the host's origin (inset: 0); keep the card inside the host.
    const canvas = sigma.getContainer();
    x += canvas.offsetLeft;
    y += canvas.offsetTop;
    const w = el.offsetWidth;
    const hgt = el.offsetHeight;
    let left = x + r + OFFSET;
    if (left + w > host.clientWidth - 4) left = x - r - OFFSET - w;
    let top = y + OFFSET;
    if (top + hgt > host.clientHeight - 4) top = y - OFFSET - hgt;
    el.style.left = `${Math.max(4, Math.round(left))}px`;
    el.style.top = `${Math.max(4, Math.round(top))}px`;
  };

  const show = (type: "node" | "edge", id: string, body: (Node | null)[]) => {
    current = { type, id };
    clear(el);
    el.append(...body.filter((b): b is Node => b !== null));
    el.hidden = false;
    sigma.getContainer().setAttribute("aria-describedby", el.id);
    place();
  };

  return {
    showNode(id) {
      if (!graph.hasNode(id)) return;
      const a = graph.getNodeAttributes(id);
      const d = a.data;
      const key = d.address ?? d.key;
      const group = a.group;
      show("node", id, [
        h("div", { class: "hc-kind" }, h("span", { class: "dot", style: `background:${a.color}`, "aria-hidden": "true" }), group ? `Group of ${kindLabel(a.kind).toLowerCase()}s` : kindLabel(a.kind)),
        h("div", { class: "hc-title" }, group ? group.title : a.label),
        !group && key && key !== a.label ? h("div", { class: "hc-key mono" }, d.chain ? `${d.chain} · ${key}` : key) : null,
        row(
          group ? `${plural(group.members.length, "member")} · ` : "",
          `${plural(graph.degree(id), "edge")} on canvas`,
          d.degree > graph.degree(id) ? ` of ${d.degree.toLocaleString("en-US")}` : "",
        ),
        a.badges?.length
          ? h("div", { class: "hc-badges" }, ...a.badges.map((b) => h("span", { class: `hc-badge ${b}` }, BADGE_WORDS[b])))
          : null,
        // The server's reasons (Node.risk), the first few; the details panel lists them all.
        !group && a.risk?.flags.length
          ? h("ul", { class: "hc-risk" }, ...a.risk.flags.slice(0, RISK_SHOWN).map((f) => h("li", {}, cut(f.reason, NOTE_MAX))),
              a.risk.flags.length > RISK_SHOWN ? h("li", { class: "hc-more" }, `and ${a.risk.flags.length - RISK_SHOWN} more`) : null)
          : null,
        illustrativeRow(d),
        row(h("span", { class: `marking ${d.marking}` }, markingLabel(d.marking)), " ", confidence(d.confidence), a.pinned ? " · pinned" : ""),
        a.annotation ? h("div", { class: "hc-note" }, `✎ ${cut(a.annotation, NOTE_MAX)}`) : null,
      ]);
    },
    showEdge(id) {
      if (!graph.hasEdge(id)) return;
      const a = graph.getEdgeAttributes(id);
      const e = a.data;
      const amount = e.amount !== null ? `${formatAmount(e.amount)}${e.asset ? ` ${e.asset}` : ""}` : "";
      const usd = formatUSD(e.valueUSD);
      const n = a.aggregate?.edgeIds.length ?? 1;
      show("edge", id, [
        h("div", { class: "hc-kind" }, h("span", { class: "line", style: `background:${a.color}`, "aria-hidden": "true" }), n > 1 ? `${kindWords(e.kind)} · ${n} edges` : kindWords(e.kind)),
        h("div", { class: "hc-title" }, `${graph.getSourceAttribute(id, "label")} → ${graph.getTargetAttribute(id, "label")}`),
        amount || usd ? row(amount, amount && usd ? " · " : "", usd) : null,
        e.time ? row(formatTime(e.time)) : null,
        illustrativeRow(e),
        row(h("span", { class: `marking ${e.marking}` }, markingLabel(e.marking)), " ", confidence(e.confidence)),
      ]);
    },
    hide,
    follow: place,
    destroy() {
      el.remove();
    },
  };
}
