// A node's risk flags as the server computed them (Node.risk): each with its
// reason, and a button that puts the path behind it on the canvas. Shown in
// the details panel; the hover card and search results show a short form.
import { isHighRiskFlag } from "../badges";
import type { Risk, RiskFlag, RiskKind } from "../types";
import { h } from "./dom";

const KIND_WORDS: Record<RiskKind, string> = {
  SANCTIONED: "Sanctioned",
  ATTRIBUTED: "Attributed",
  STOLEN_FUNDS: "Stolen funds",
  SERVICE: "Service",
  EXPOSURE: "Exposure",
};

/** The words for a flag's kind, with the service category where there is one. */
export function flagTitle(f: Pick<RiskFlag, "kind" | "category">): string {
  return f.kind === "SERVICE" && f.category ? `${KIND_WORDS.SERVICE}: ${f.category}` : KIND_WORDS[f.kind];
}

/** The CSS class of a flag: as its badge (sanctioned, high-risk) or informational. */
export function flagTone(f: Pick<RiskFlag, "kind" | "category">): "sanctioned" | "high-risk" | "info" {
  if (f.kind === "SANCTIONED") return "sanctioned";
  return isHighRiskFlag(f) ? "high-risk" : "info";
}

/**
 * The details panel's "Risk" section: every flag with its reason and a
 * "Show path" button (the node itself is the whole path of a flag about what
 * the node is: no button then). Nothing while the risk has not arrived.
 */
export function riskSection(risk: Risk | undefined, name: string, showPath: (f: RiskFlag) => void): HTMLElement[] {
  if (!risk) return [h("h3", { class: "section-title" }, "Risk"), h("p", { class: "placeholder", "data-testid": "risk-pending" }, "Asking the server…")];
  const title = h("h3", { class: "section-title" }, `Risk (${risk.flags.length})`);
  const out: HTMLElement[] = [title];
  if (risk.flags.length === 0) out.push(h("p", { class: "placeholder", "data-testid": "risk-none" }, "No risk flag in the graph."));
  else {
    out.push(
      h(
        "ul",
        { class: "risk-flags", "data-testid": "risk-flags" },
        ...risk.flags.map((f) =>
          h(
            "li",
            { class: `risk-flag ${flagTone(f)}`, "data-testid": "risk-flag", "data-kind": f.kind },
            h("span", { class: `risk-kind ${flagTone(f)}` }, flagTitle(f)),
            h("span", { class: "risk-reason", "data-testid": "risk-reason" }, f.reason),
            f.edges.length > 0
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "risk-path",
                    "data-testid": "risk-show-path",
                    "aria-label": `Show on the canvas why ${name} is flagged: ${f.reason}`,
                    onclick: () => { showPath(f); },
                  },
                  "Show path",
                )
              : null,
          ),
        ),
      ),
    );
  }
  if (risk.truncated) out.push(h("p", { class: "dp-sub", "data-testid": "risk-truncated" }, `Not all evidence was read: ${risk.reason ?? "limits"}.`));
  return out;
}
