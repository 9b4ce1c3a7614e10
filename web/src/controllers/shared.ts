// The shared view (/shared#link=TOKEN): opens the case a share link names,
// as this reader may see it (the server redacts it), onto the canvas, with
// the withheld notice and the comments in a panel. Any failure shows one
// refusal: the server does not say why a link does not open.
import { validateCaseView, type CaseView } from "../caseView";
import type { ShareApi } from "../shareApi";
import type { GEdge, GNode } from "../types";
import { renderSharedDenied, renderSharedPanel } from "../ui/sharedPanel";

export interface SharedDeps {
  api: Pick<ShareApi, "open" | "comment">;
  token: string;
  panel: HTMLElement;
  show(view: CaseView, data: { nodes: GNode[]; edges: GEdge[] }): Promise<void>;
}

export async function openShared(d: SharedDeps): Promise<void> {
  try {
    const sc = await d.api.open(d.token);
    const view = validateCaseView(sc.case.view);
    renderSharedPanel(d.panel, sc, { comment: (text) => d.api.comment(d.token, text) });
    await d.show(view, { nodes: sc.nodes, edges: sc.edges });
  } catch (err) {
    renderSharedDenied(d.panel, err);
  }
}
