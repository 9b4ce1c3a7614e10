// STIX in the cases dialog: a saved case's "STIX" button downloads it as a
// STIX 2.1 bundle with its TLP 2.0 markings (for agencies on OpenCTI or
// MISP); "Import STIX…" reads a bundle made by Redthread into a new case.
import type { RedthreadClient } from "../api";
import { plural } from "../format";
import type { SavedCase, StixImport } from "../types";
import { downloadText, exportFileName } from "./download";
import { clear, h } from "./dom";
import { describeError } from "./notices";

/** The largest bundle the server takes (its case view limit, 8 MiB). */
export const MAX_STIX_BYTES = 8 << 20;

/** A row's "STIX" button: exports the case and offers the bundle as a file; says so where it failed. */
export function stixExportButton(client: Pick<RedthreadClient, "exportCaseStix">, c: Pick<SavedCase, "id" | "name">, status: HTMLElement): HTMLButtonElement {
  const button = h(
    "button",
    { type: "button", "data-testid": "case-stix", "aria-label": `Export “${c.name}” as STIX`, title: "Download as a STIX 2.1 bundle with TLP 2.0 markings" },
    "STIX",
  );
  button.onclick = async () => {
    button.disabled = true;
    status.textContent = `Exporting “${c.name}”…`;
    try {
      const bundle = await client.exportCaseStix(c.id);
      downloadText(bundle, exportFileName(c.name, "stix.json"), "application/json");
      status.textContent = `Exported “${c.name}” as STIX.`;
    } catch (err) {
      const { message, code } = describeError(err);
      status.textContent = `Exporting “${c.name}” failed: ${message} (${code})`;
    } finally {
      button.disabled = false;
    }
  };
  return button;
}

/** "Import STIX…": a file picker; a bundle becomes a new case, then `imported` gets it. */
export function stixImportControl(client: Pick<RedthreadClient, "importCaseStix">, imported: (r: StixImport) => void): HTMLElement {
  const result = h("p", { class: "rt-muted", "data-testid": "stix-import-result", "aria-live": "polite" });
  const input = h("input", { type: "file", accept: ".json,application/json", "data-testid": "stix-import-file", class: "rt-sr-only", tabindex: "-1" });
  const button = h("button", { type: "button", "data-testid": "stix-import", onclick: () => { input.click(); } }, "Import STIX…");
  input.onchange = async () => {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    clear(result);
    if (file.size > MAX_STIX_BYTES) {
      result.append(h("span", { class: "rt-error", role: "alert" }, `${file.name} is larger than 8 MiB, the most the server takes.`));
      return;
    }
    button.disabled = true;
    result.textContent = `Importing ${file.name}…`;
    try {
      const r = await client.importCaseStix(await file.text());
      const skipped = r.skipped.length ? `; ${plural(r.skipped.length, "object")} not read: ${r.skipped.slice(0, 3).join("; ")}${r.skipped.length > 3 ? "…" : ""}` : "";
      result.textContent = `Imported “${r.case.name}”: ${plural(r.nodes, "node")}, ${plural(r.edges, "edge")}${skipped}.`;
      imported(r);
    } catch (err) {
      const { message, code } = describeError(err);
      clear(result);
      result.append(h("span", { class: "rt-error", role: "alert" }, `Importing ${file.name} failed: ${message} `, h("code", {}, code)));
    } finally {
      button.disabled = false;
    }
  };
  return h("div", { class: "rt-stix-import" }, button, input, result);
}
