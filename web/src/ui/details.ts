// The details panel: everything known about the selected node or edge, with
// the provenance of each assertion, the user's note, and what can be done
// with the node (trace, expand, pin, hide, group). A multi-selection shows a
// summary and the actions that apply to all of it.
import type { Selection } from "../canvas";
import { edgeVisible, formatAmount, type EdgeAttrs, type GroupInfo, type NodeAttrs, type RGraph } from "../graphModel";
import { formatTime, formatUSD, kindWords, plural } from "../format";
import { kindLabel, nodeColor } from "../style";
import type { GEdge, GNode, RiskFlag } from "../types";
import { h } from "./dom";
import { fill, rebuild } from "./widgets";
import { HUB_WARNING_DEGREE } from "./expandDialog";
import { annotation, badges, button, confidence, heading, hideButton, kindLine, kv, marking, pinButton, properties, sources, validity, visibilityNotes } from "./detailsParts";
import { summarizeSelection } from "./forms";
import { riskSection } from "./riskFlags";
import { personaEvidence, type PersonaPanelActions } from "./personaPanel";
import "./panels.css";

/** What the details panel shows for a node. */
export interface NodeDetailsView {
  /** The node's attributes (graphModel's contract): data, pinned, userHidden, filteredOut, collapsedInto, annotation, group, badges. */
  attrs: NodeAttrs;
  /** Edges at the node on the canvas (graph.degree(id)); attrs.data.degree counts the whole graph. */
  canvasDegree: number;
}

/** What the details panel shows for several selected nodes. */
export interface SelectionView {
  nodes: GNode[];
  /** The edges the selection covers: those selected, and the visible ones joining selected nodes. Their USD is summed. */
  edges: GEdge[];
  /** Whether every selected node is pinned ("Unpin selected" then). */
  allPinned: boolean;
}

export interface DetailsActions {
  /** "Expand…": the controller opens openExpandDialog and expands with its answer. */
  expand(id: string): void;
  pathFrom(id: string): void;
  pathTo(id: string): void;
  addFlowSource(id: string): void;
  addFlowSink(id: string): void;
  remove(ids: string[]): void;
  hide(ids: string[]): void;
  /** Puts hidden nodes back (a hidden node can still be selected: from search, a group's members). */
  show(ids: string[]): void;
  pin(ids: string[], on: boolean): void;
  /** Saves the note; "" deletes it. */
  annotate(id: string, text: string): void;
  /** Wallets: collapse the wallet's address (co-spend) cluster into a group. */
  cluster(id: string): void;
  /** Persons: collapse the persona cluster into a group. */
  personas(id: string): void;
  /** Group nodes: collapse an open group, open a collapsed one. */
  toggleGroup(id: string): void;
  ungroup(id: string): void;
  /** Groups the selected nodes. */
  group(): void;
  /** Exports the selected nodes and the edges among them. */
  exportSelection(): void;
  /** Selects one node: an edge's end, a group's member, one of a multi-selection. */
  select(id: string): void;
  /** Puts the path behind a risk flag on the canvas, highlighted. */
  showRiskPath(flag: RiskFlag): void;
  /** Label of a node on the canvas, if it is there. */
  labelOf(id: string): string | undefined;
  /** Whether the node is on the canvas. */
  hasNode(id: string): boolean;
  /** A persona group's links, evidence and judgements. */
  persona: PersonaPanelActions;
}

const ORIGINS: Record<GroupInfo["origin"], string> = {
  cluster: "Address cluster",
  community: "Community",
  persona: "Persona cluster",
  manual: "Group",
};

/** Members listed before "and N more": a cluster can hold thousands. */
const MEMBERS_SHOWN = 50;

function groupDetails(root: HTMLElement, v: NodeDetailsView, g: GroupInfo, actions: DetailsActions): void {
  const a = v.attrs;
  const id = a.data.id;
  const shown = g.members.slice(0, MEMBERS_SHOWN);
  fill(
    root,
    heading(),
    kindLine(a.data, `${ORIGINS[g.origin]} · ${plural(g.members.length, "member")}`),
    h("p", { class: "details-title", "data-testid": "details-label" }, a.label),
    g.title !== a.label ? h("p", { class: "dp-sub" }, g.title) : null,
    h("div", { class: "mono", "data-testid": "details-id" }, id),
    badges(a.badges, false, a.data),
    visibilityNotes(a, actions),
    h(
      "div",
      { class: "dp-actions", role: "group", "aria-label": "Group actions" },
      button(
        g.collapsed ? "Open group" : "Collapse group",
        { class: "primary", "data-testid": "details-group-toggle", "aria-label": g.collapsed ? `Open ${a.label}: show its members` : `Collapse ${a.label} into one node` },
        () => { actions.toggleGroup(id); },
      ),
      button("Ungroup", { "data-testid": "details-ungroup", "aria-label": `Ungroup ${a.label}: keep the members, drop the group` }, () => { actions.ungroup(id); }),
      pinButton(a, actions),
      hideButton(a, actions),
    ),
    kv([
      ["State", g.collapsed ? "Collapsed: the members are folded into this node" : "Open: the members are on the canvas"],
      ["On the canvas", plural(v.canvasDegree, "edge")],
      ["Marking", marking(a.data.marking)],
    ]),
    annotation(a, actions),
    g.origin === "persona" ? personaEvidence(id, g.members, actions.persona) : null,
    h("h3", { class: "section-title", id: "dp-members-title" }, `Members (${g.members.length.toLocaleString("en-US")})`),
    h(
      "ul",
      { class: "dp-members", "aria-labelledby": "dp-members-title", "data-testid": "group-members" },
      shown.map((m) =>
        h(
          "li",
          {},
          button(actions.labelOf(m) ?? m, { class: "link", title: m, "data-testid": "group-member", "data-key": `member:${m}`, "data-node-id": m }, () => { actions.select(m); }),
        ),
      ),
    ),
    g.members.length > shown.length ? h("p", { class: "placeholder" }, `and ${(g.members.length - shown.length).toLocaleString("en-US")} more`) : null,
    ...properties(a.data.properties),
    ...(a.data.sources.length > 0 ? sources(a.data.sources) : []),
  );
}

/** What is selected: node and edge IDs, and the one in focus (the last clicked). */
export interface DetailsSelection {
  selected: string[];
  focus: Selection;
}

/**
 * Renders the panel for the selection on `graph`: a summary for several
 * nodes, else the focused node or edge, else a hint. Reads the graph only.
 */
export function renderDetails(root: HTMLElement, graph: RGraph, sel: DetailsSelection, actions: DetailsActions): void {
  const nodeIds = sel.selected.filter((id) => graph.hasNode(id));
  if (nodeIds.length >= 2) {
    const inSel = new Set(nodeIds);
    const edgeIds = new Set(sel.selected.filter((id) => graph.hasEdge(id)));
    // Visible edges only: an aggregate edge and the edges folded into it must not both count.
    graph.forEachEdge((id, a, s, t) => {
      if (inSel.has(s) && inSel.has(t) && edgeVisible(graph, id, a)) edgeIds.add(id);
    });
    renderSelectionDetails(
      root,
      {
        nodes: nodeIds.map((id) => graph.getNodeAttribute(id, "data")),
        edges: [...edgeIds].map((id) => graph.getEdgeAttribute(id, "data")),
        allPinned: nodeIds.every((id) => graph.getNodeAttribute(id, "pinned") === true),
      },
      actions,
    );
    return;
  }
  const f = sel.focus;
  const nodeId = f?.type === "node" ? f.id : f === null ? nodeIds[0] : undefined;
  if (nodeId !== undefined && graph.hasNode(nodeId)) {
    renderNodeDetails(root, { attrs: graph.getNodeAttributes(nodeId), canvasDegree: graph.degree(nodeId) }, actions);
  } else if (f?.type === "edge" && graph.hasEdge(f.id)) {
    renderEdgeDetails(root, graph.getEdgeAttributes(f.id), actions);
  } else {
    renderNoSelection(root, graph.order === 0);
  }
}

export function renderNodeDetails(root: HTMLElement, v: NodeDetailsView, actions: DetailsActions): void {
  rebuild(root, () => {
    const a = v.attrs;
    if (a.group) {
      groupDetails(root, v, a.group, actions);
      return;
    }
    const n = a.data;
    const name = n.label || n.key;
    const hub = n.degree > HUB_WARNING_DEGREE;
    fill(
    root,
      heading(),
      kindLine(n, kindLabel(n.kind)),
      h("p", { class: "details-title", "data-testid": "details-label" }, name),
      h("div", { class: "mono", "data-testid": "details-id" }, n.id),
      badges(a.badges, hub, n),
      ...riskSection(a.risk, name, (f) => { actions.showRiskPath(f); }),
      visibilityNotes(a, actions),
      h(
        "div",
        { class: "dp-actions", role: "group", "aria-label": "Trace" },
        button("Expand…", { class: "primary", "data-testid": "details-expand", "aria-haspopup": "dialog", "aria-label": `Expand the neighbours of ${name}, with filters` }, () => { actions.expand(n.id); }),
        button("Path from here", { "data-testid": "details-path-from", "aria-label": `Path from ${name}` }, () => { actions.pathFrom(n.id); }),
        button("Path to here", { "data-testid": "details-path-to", "aria-label": `Path to ${name}` }, () => { actions.pathTo(n.id); }),
        button("Add to flow sources", { "data-testid": "details-flow-source", "aria-label": `Trace the money flow out of ${name}` }, () => { actions.addFlowSource(n.id); }),
        button("Add to flow sinks", { "data-testid": "details-flow-sink", "aria-label": `Follow the money flow to ${name}` }, () => { actions.addFlowSink(n.id); }),
      ),
      h(
        "div",
        { class: "dp-actions", role: "group", "aria-label": "Canvas" },
        n.kind === "WALLET"
          ? button("Address cluster", { "data-testid": "details-address-cluster", "aria-label": `Collapse the co-spend cluster of ${name}` }, () => { actions.cluster(n.id); })
          : null,
        n.kind === "PERSON"
          ? button("Persona cluster", { "data-testid": "details-persona-cluster", "aria-label": `Collapse the persona cluster of ${name}` }, () => { actions.personas(n.id); })
          : null,
        pinButton(a, actions),
        hideButton(a, actions),
        button("Remove", { class: "dp-danger", "data-testid": "details-remove", "aria-label": `Remove ${name} from the canvas` }, () => { actions.remove([n.id]); }),
      ),
      kv([
        [
          "Connections",
          h(
            "span",
            { "data-testid": "details-degree" },
            `${n.degree.toLocaleString("en-US")} in the graph · ${v.canvasDegree.toLocaleString("en-US")} on the canvas`,
          ),
        ],
        ["Confidence", confidence(n.confidence)],
        ["Marking", marking(n.marking)],
        ["Chain", n.chain],
        ["Address", n.address ? h("span", { class: "mono" }, n.address) : null],
        ["Key", h("span", { class: "mono" }, n.key)],
        ["Valid", validity(n.validFrom, n.validTo)],
      ]),
      annotation(a, actions),
      n.aliases.length > 0
        ? h("div", {}, h("h3", { class: "section-title" }, "Aliases"), h("div", { class: "chips", "data-testid": "aliases" }, ...n.aliases.map((x) => h("span", { class: "chip" }, x))))
        : null,
      ...properties(n.properties),
      ...sources(n.sources),
    );
  });
}

export function renderEdgeDetails(root: HTMLElement, attrs: EdgeAttrs, actions: Pick<DetailsActions, "select" | "labelOf" | "hasNode">): void {
  rebuild(root, () => {
    const e = attrs.data;
    const end = (id: string) =>
      actions.hasNode(id)
        ? button(actions.labelOf(id) ?? id, { class: "link", title: id, "data-key": `end:${id}` }, () => { actions.select(id); })
        : h("span", { class: "mono" }, id);
    const folded = attrs.aggregate?.edgeIds.length;
    fill(
    root,
      heading(),
      h("span", { class: "kind", "data-testid": "details-kind" }, folded ? "Edges of a group" : "Edge"),
      h("p", { class: "details-title", "data-testid": "details-label" }, kindWords(e.kind)),
      h("div", { class: "mono", "data-testid": "details-id" }, e.id),
      badges(undefined, false, e),
      folded
        ? h("p", { class: "dp-notes", role: "note", "data-testid": "details-aggregate" }, `The sum of ${plural(folded, "edge")} folded into a group; open the group to see each one.`)
        : null,
      kv([
        ["From", end(e.from)],
        ["To", end(e.to)],
        ["Amount", e.amount != null ? `${formatAmount(e.amount)}${e.asset ? ` ${e.asset}` : ""}` : null],
        ["USD then", formatUSD(e.valueUSD)],
        ["Time", formatTime(e.time)],
        ["Tx hash", e.txHash ? h("span", { class: "mono" }, e.txHash) : null],
        ["Confidence", confidence(e.confidence)],
        ["Marking", marking(e.marking)],
        ["Valid", validity(e.validFrom, e.validTo)],
      ]),
      ...properties(e.properties),
      ...sources(e.sources),
    );
  });
}

export function renderSelectionDetails(root: HTMLElement, v: SelectionView, actions: Pick<DetailsActions, "select" | "group" | "hide" | "pin" | "exportSelection">): void {
  rebuild(root, () => {
    const s = summarizeSelection(v.nodes, v.edges);
    const ids = v.nodes.map((n) => n.id);
    const shown = v.nodes.slice(0, MEMBERS_SHOWN);
    fill(
    root,
      heading(),
      h("p", { class: "details-title", "data-testid": "details-label" }, `${plural(v.nodes.length, "node")} selected`),
      h(
        "ul",
        { class: "dp-kind-counts", "data-testid": "selection-kinds", "aria-label": "Selected nodes by kind" },
        s.byKind.map((k) =>
          h("li", {}, h("span", { class: "dot", style: `background:${nodeColor(k.kind)}`, "aria-hidden": "true" }), plural(k.count, kindLabel(k.kind).toLowerCase())),
        ),
      ),
      kv([
        ["Edges", plural(v.edges.length, "edge")],
        [
          "Total USD",
          h(
            "span",
            { "data-testid": "selection-usd" },
            formatUSD(s.totalUSD),
            s.edgesWithUSD < v.edges.length ? ` (${plural(v.edges.length - s.edgesWithUSD, "edge")} without a USD value)` : "",
          ),
        ],
      ]),
      h(
        "div",
        { class: "dp-actions", role: "group", "aria-label": "Selection actions", "data-testid": "selection-actions" },
        button("Group selected", { class: "primary", "data-testid": "selection-group", disabled: v.nodes.length < 2 }, () => { actions.group(); }),
        button(v.allPinned ? "Unpin selected" : "Pin selected", { "data-testid": "selection-pin" }, () => { actions.pin(ids, !v.allPinned); }),
        button("Hide selected", { "data-testid": "selection-hide" }, () => { actions.hide(ids); }),
        button("Export selection", { "data-testid": "selection-export" }, () => { actions.exportSelection(); }),
      ),
      h("h3", { class: "section-title", id: "dp-selected-title" }, "Selected"),
      h(
        "ul",
        { class: "dp-members", "aria-labelledby": "dp-selected-title", "data-testid": "selection-nodes" },
        shown.map((n) =>
          h(
            "li",
            {},
            h("span", { class: "dot", style: `background:${nodeColor(n.kind)}`, "aria-hidden": "true" }),
            button(n.label || n.key, { class: "link", title: `${kindLabel(n.kind)} · ${n.id}`, "data-key": `sel:${n.id}`, "aria-label": `Select only ${n.label || n.key}` }, () => { actions.select(n.id); }),
          ),
        ),
      ),
      v.nodes.length > shown.length ? h("p", { class: "placeholder" }, `and ${(v.nodes.length - shown.length).toLocaleString("en-US")} more`) : null,
    );
  });
}

export function renderNoSelection(root: HTMLElement, canvasEmpty: boolean): void {
  rebuild(root, () => {
    fill(
    root,
      heading(),
      h(
        "p",
        { class: "placeholder", "data-testid": "details-empty" },
        canvasEmpty ? "Search for an entity to put it on the canvas." : "Click a node or an edge to see what is known about it and where it comes from.",
      ),
    );
  });
}
