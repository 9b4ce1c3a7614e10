// The details panel's buttons bound to the controllers that carry them out.
import type { DetailsActions } from "../ui/details";
import type { EditsController } from "./edits";
import type { GroupsController } from "./groups";
import type { RiskController } from "./risk";
import type { SelectionController } from "./selection";
import type { TraceController } from "./trace";

/** The controllers, read when a button is pressed (they may be built after the panel's actions). */
export interface DetailsControllers {
  readonly edits: Pick<EditsController, "expandWithDialog" | "show" | "remove" | "hide" | "setPinned" | "annotate">;
  readonly groups: Pick<GroupsController, "collapseCluster" | "collapsePersonas" | "toggle" | "ungroup" | "groupSelected" | "personaEvidence" | "loadPersonaEvidence" | "judge" | "highlightEvidence">;
  readonly trace: Pick<TraceController, "setEnd" | "addFlowEnd">;
  readonly selection: Pick<SelectionController, "select">;
  readonly risk: Pick<RiskController, "showPath">;
}

export interface DetailsPage {
  labelOf(id: string): string | undefined;
  hasNode(id: string): boolean;
  /** Opens the export menu (it offers the selection's CSV and JSON). */
  openExportMenu(): void;
}

export function detailsActions(c: DetailsControllers, page: DetailsPage): DetailsActions {
  return {
    expand: (id) => void c.edits.expandWithDialog(id),
    pathFrom: (id) => { c.trace.setEnd("from", id); },
    pathTo: (id) => { c.trace.setEnd("to", id); },
    addFlowSource: (id) => { c.trace.addFlowEnd("from", id); },
    addFlowSink: (id) => { c.trace.addFlowEnd("to", id); },
    show: (ids) => { c.edits.show(ids); },
    exportSelection: () => { page.openExportMenu(); },
    remove: (ids) => { c.edits.remove(ids); },
    hide: (ids) => { c.edits.hide(ids); },
    pin: (ids, on) => { c.edits.setPinned(ids, on); },
    annotate: (id, text) => { c.edits.annotate(id, text); },
    cluster: (id) => void c.groups.collapseCluster(id),
    personas: (id) => void c.groups.collapsePersonas(id),
    toggleGroup: (id) => { c.groups.toggle(id); },
    ungroup: (id) => { c.groups.ungroup(id); },
    group: () => { c.groups.groupSelected(); },
    select: (id) => { c.selection.select({ type: "node", id }); },
    showRiskPath: (f) => void c.risk.showPath(f),
    labelOf: (id) => page.labelOf(id),
    hasNode: (id) => page.hasNode(id),
    persona: {
      evidence: (id) => c.groups.personaEvidence(id),
      load: (id) => void c.groups.loadPersonaEvidence(id),
      judge: (id, link, decision, reason) => void c.groups.judge(id, link, decision, reason),
      highlight: (id, link) => { c.groups.highlightEvidence(id, link); },
      labelOf: (id) => page.labelOf(id),
      select: (id) => { c.selection.select({ type: "node", id }); },
    },
  };
}
