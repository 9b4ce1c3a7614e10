// The "Export ▾" menu button (ARIA menu button pattern): PNG and SVG images,
// the selection as CSV or JSON, the canvas as GraphML for Gephi. Items that
// export the selection are disabled, with the reason shown, while nothing is
// selected.
import { describeError } from "./notices";
import { h } from "./dom";
import { downloadBlob, downloadText, exportFileName } from "./download";
import "./widgets.css";

export interface ExportActions {
  /** The canvas as a PNG image. */
  png(): Promise<Blob>;
  /** The canvas as an SVG document. */
  svg(): string;
  /** The selected nodes and edges as two CSV tables. */
  csv(): { nodes: string; edges: string };
  /** The selected nodes and edges as JSON. */
  json(): string;
  /** The canvas as GraphML. */
  graphml(): string;
  hasSelection(): boolean;
  /** Names the files: the open case's name, else "view". */
  fileLabel?(): string;
  /** Shows a failed export (e.g. through the app's notices); without it the menu shows the error beside its button. */
  onError?(what: string, err: unknown): void;
}

export interface ExportMenuHandle {
  close(): void;
  destroy(): void;
}

interface Item {
  id: string;
  label: string;
  selection: boolean;
  run(name: (ext: string, suffix?: string) => string): Promise<string[]> | string[];
}

const NO_SELECTION = "Select nodes or edges on the canvas first";
const STATUS_MS = 6000;
let menus = 0;

export function renderExportMenu(root: HTMLElement, actions: ExportActions): ExportMenuHandle {
  const n = ++menus;
  const items = exportItems(actions);

  const button = menuButton(n);
  const entries = items.map((it) => {
    // The reason a selection item is off, shown in the item and read as its description.
    const why = it.selection ? h("span", { id: `rt-export-why-${it.id}-${n}`, class: "rt-menu-why", hidden: true }, NO_SELECTION) : null;
    const el = h(
      "button",
      { type: "button", role: "menuitem", tabindex: -1, "aria-label": it.label, "data-testid": `export-${it.id}` },
      h("span", {}, it.label),
      why,
    );
    return { item: it, el, why };
  });
  const menu = h(
    "ul",
    { id: `rt-export-menu-${n}`, role: "menu", class: "rt-menu-list", "aria-labelledby": button.id, hidden: true },
    entries.map((e) => h("li", { role: "none" }, e.el)),
  );
  const status = h("span", { class: "rt-menu-status rt-sr-only", "aria-live": "polite", "data-testid": "export-status" });
  const wrap = h("div", { class: "rt-menu" }, button, menu, status);
  root.append(wrap);

  let busy = false;
  let statusTimer: ReturnType<typeof setTimeout> | undefined;

  const isOpen = () => !menu.hidden;
  const enabled = (it: Item) => !it.selection || actions.hasSelection();

  const focusItem = (i: number) => {
    const count = entries.length;
    entries[((i % count) + count) % count]?.el.focus();
  };
  const current = () => entries.findIndex((e) => e.el === document.activeElement);

  const onOutside = (ev: PointerEvent) => {
    if (!wrap.contains(ev.target as Node)) close(false);
  };

  const open = (focus: "first" | "last") => {
    markEnabled(entries, actions.hasSelection());
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", onOutside, true);
    focusItem(focus === "first" ? 0 : entries.length - 1);
  };

  function close(refocus: boolean): void {
    if (!isOpen()) return;
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", onOutside, true);
    if (refocus) button.focus();
  }

  const say = (text: string, error: boolean) => {
    if (statusTimer !== undefined) clearTimeout(statusTimer);
    status.textContent = text;
    // Success is for screen readers only (the browser shows the download); a failure is shown.
    status.classList.toggle("rt-sr-only", !error);
    status.classList.toggle("rt-menu-error", error);
    statusTimer = setTimeout(() => { status.textContent = ""; }, error ? STATUS_MS * 2 : STATUS_MS);
  };

  const activate = async (it: Item) => {
    if (!enabled(it) || busy) return;
    close(true);
    busy = true;
    button.setAttribute("aria-busy", "true");
    const label = actions.fileLabel?.() ?? "view";
    const now = new Date();
    try {
      const files = await it.run((ext, suffix) => exportFileName(label, ext, now, suffix));
      say(`Exported ${files.join(" and ")}`, false);
    } catch (err) {
      const what = `${it.label} export`;
      if (actions.onError) {
        actions.onError(what, err);
      } else {
        const { message, code } = describeError(err);
        say(`${what} failed: ${message} (${code})`, true);
      }
    } finally {
      busy = false;
      button.removeAttribute("aria-busy");
    }
  };

  button.addEventListener("click", () => {
    if (isOpen()) close(true);
    else open("first");
  });
  button.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      open(ev.key === "ArrowDown" ? "first" : "last");
    }
  });
  for (const { item, el } of entries) {
    el.addEventListener("click", () => void activate(item));
  }
  menu.addEventListener("keydown", (ev) => {
    if (menuKey(ev, current(), entries, focusItem, () => { close(true); })) ev.preventDefault();
  });
  wrap.addEventListener("focusout", (ev) => {
    if (!wrap.contains(ev.relatedTarget as Node | null)) close(false);
  });

  return {
    close: () => { close(false); },
    destroy: () => {
      close(false);
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      wrap.remove();
    },
  };
}

/** The formats offered, and how each is written. */
function exportItems(actions: ExportActions): Item[] {
  return [
    {
      id: "png",
      label: "PNG image",
      selection: false,
      run: async (name) => {
        const file = name("png");
        downloadBlob(await actions.png(), file);
        return [file];
      },
    },
    {
      id: "svg",
      label: "SVG image",
      selection: false,
      run: (name) => {
        const file = name("svg");
        downloadText(actions.svg(), file, "image/svg+xml");
        return [file];
      },
    },
    {
      id: "csv",
      label: "CSV (selection)",
      selection: true,
      run: (name) => {
        const { nodes, edges } = actions.csv();
        const files = [name("csv", "nodes"), name("csv", "edges")];
        downloadText(nodes, files[0] as string, "text/csv");
        downloadText(edges, files[1] as string, "text/csv");
        return files;
      },
    },
    {
      id: "json",
      label: "JSON (selection)",
      selection: true,
      run: (name) => {
        const file = name("json");
        downloadText(actions.json(), file, "application/json");
        return [file];
      },
    },
    {
      id: "graphml",
      label: "GraphML (Gephi)",
      selection: false,
      run: (name) => {
        const file = name("graphml");
        downloadText(actions.graphml(), file, "application/graphml+xml");
        return [file];
      },
    },
  ];
}

function menuButton(n: number): HTMLButtonElement {
  return h(
    "button",
    {
      type: "button",
      id: `rt-export-button-${n}`,
      class: "rt-menu-button",
      "aria-haspopup": "menu",
      "aria-expanded": "false",
      "aria-controls": `rt-export-menu-${n}`,
      "data-testid": "export-button",
    },
    "Export ",
    h("span", { "aria-hidden": "true" }, "▾"),
  );
}

interface Entry {
  item: Item;
  el: HTMLButtonElement;
  why: HTMLElement | null;
}

/** Turns the selection items off, with the reason, while nothing is selected. */
function markEnabled(entries: readonly Entry[], selected: boolean): void {
  for (const { item, el, why } of entries) {
    const off = item.selection && !selected;
    el.setAttribute("aria-disabled", String(off));
    if (!why) continue;
    why.hidden = !off;
    if (off) {
      el.title = NO_SELECTION;
      el.setAttribute("aria-describedby", why.id);
    } else {
      el.removeAttribute("title");
      el.removeAttribute("aria-describedby");
    }
  }
}

/** The menu's keys: arrows, Home, End, Escape, Tab and type-ahead; whether the key was handled. */
function menuKey(ev: KeyboardEvent, i: number, entries: readonly Entry[], focusItem: (i: number) => void, close: () => void): boolean {
  switch (ev.key) {
    case "ArrowDown":
      focusItem(i + 1);
      break;
    case "ArrowUp":
      focusItem(i - 1);
      break;
    case "Home":
      focusItem(0);
      break;
    case "End":
      focusItem(entries.length - 1);
      break;
    case "Escape":
      close();
      break;
    case "Tab":
      // From the button, Tab goes on to whatever follows the menu.
      close();
      return false;
    default: {
      // Type-ahead: the next item starting with the letter typed.
      // Enter and Space fall through to the item's own click.
      if (ev.key.length !== 1 || ev.key === " " || ev.ctrlKey || ev.metaKey || ev.altKey) return false;
      const ch = ev.key.toLowerCase();
      for (let k = 1; k <= entries.length; k++) {
        const j = (i + k) % entries.length;
        if (entries[j]?.item.label.toLowerCase().startsWith(ch)) {
          focusItem(j);
          break;
        }
      }
    }
  }
  return true;
}
