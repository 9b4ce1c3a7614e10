// The keyboard shortcut registry: one keydown listener for the page, keys
// typed into fields left alone, and a help overlay ("?") that lists every
// shortcut by group.
import { h } from "./dom";
import { formatKeys, isMacPlatform, isTypingTarget, matchesKeys, parseKeys, type KeySpec } from "./keys";
import "./widgets.css";

export interface Shortcut {
  /** "mod+z", "shift+mod+z", "?", "/", "delete", "e"… ("mod" is ⌘ on Apple platforms, Ctrl elsewhere). */
  keys: string;
  description: string;
  /** Heading in the help overlay; groups are listed in the order they were first used. */
  group: string;
  /** The shortcut is live only while this says so (it is still listed in the help). */
  when?: () => boolean;
  run(ev: KeyboardEvent): void;
}

interface Entry extends Shortcut {
  spec: KeySpec;
}

export interface ShortcutsOptions {
  /** Where the help dialog is put; document.body by default. */
  host?: HTMLElement;
  /** Whether "mod" means ⌘; detected from the browser by default. */
  mac?: boolean;
}

export class Shortcuts {
  private readonly entries: Entry[] = [];
  private readonly host: HTMLElement | undefined;
  private readonly mac: boolean;
  private help: HTMLDialogElement | null = null;

  constructor(opts: ShortcutsOptions = {}) {
    this.host = opts.host;
    this.mac = opts.mac ?? isMacPlatform(navigator);
    this.register({ keys: "?", description: "Show keyboard shortcuts", group: "General", run: () => { this.showHelp(); } });
  }

  /** Adds a shortcut (throws on a malformed `keys`); returns a function that removes it. */
  register(s: Shortcut): () => void {
    const entry: Entry = { ...s, spec: parseKeys(s.keys) };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  /** Listens for keys on the window; returns a function that stops listening. */
  attach(target: Window): () => void {
    const onKey = (ev: KeyboardEvent) => { this.handle(ev); };
    target.addEventListener("keydown", onKey);
    return () => { target.removeEventListener("keydown", onKey); };
  }

  /** Runs the first live shortcut the event matches; returns whether one ran. */
  handle(ev: KeyboardEvent): boolean {
    // A widget that used the key (a slider's arrows, a menu's letters) already said so.
    if (ev.defaultPrevented || ev.isComposing) return false;
    const target = ev.target instanceof Element ? ev.target : null;
    const escape = ev.key === "Escape";
    if (!escape && isTypingTarget(target)) return false;
    // A modal dialog (cases, help) owns the keyboard: "delete" must not remove a node behind it.
    if (target?.closest("dialog") || document.querySelector("dialog:modal")) return false;
    for (const e of this.entries) {
      if (!matchesKeys(e.spec, ev, this.mac)) continue;
      if (e.when && !e.when()) continue;
      ev.preventDefault();
      e.run(ev);
      return true;
    }
    return false;
  }

  /** Opens the help overlay; Esc or Close shuts it and focus goes back where it was. */
  showHelp(): void {
    if (this.help?.open) return;
    const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = h("dialog", { class: "rt-dialog rt-help", "aria-labelledby": "rt-help-title", "data-testid": "shortcuts-help" });
    const close = h("button", { type: "button", class: "rt-dialog-close", "aria-label": "Close", onclick: () => { dialog.close(); } }, "×");
    dialog.append(
      h("header", { class: "rt-dialog-head" }, h("h2", { id: "rt-help-title" }, "Keyboard shortcuts"), close),
      this.renderGroups(),
      h("p", { class: "rt-help-foot" }, "Shortcuts do not fire while you type in a field; Esc always does."),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      this.help = null;
      if (returnTo?.isConnected) returnTo.focus();
    });
    (this.host ?? document.body).append(dialog);
    this.help = dialog;
    dialog.showModal();
    close.focus();
  }

  private renderGroups(): HTMLElement {
    const groups = new Map<string, Entry[]>();
    for (const e of this.entries) {
      const list = groups.get(e.group) ?? [];
      list.push(e);
      groups.set(e.group, list);
    }
    const body = h("div", { class: "rt-help-groups" });
    for (const [group, list] of groups) {
      body.append(
        h(
          "section",
          { class: "rt-help-group" },
          h("h3", {}, group),
          h(
            "dl",
            {},
            list.flatMap((e) => [
              h("dt", {}, this.renderKeys(e.spec)),
              h("dd", {}, e.description),
            ]),
          ),
        ),
      );
    }
    return body;
  }

  private renderKeys(spec: KeySpec): HTMLElement {
    const labels = formatKeys(spec, this.mac);
    // One <kbd> per key inside an outer <kbd>: the HTML way to write a key combination.
    return h("kbd", { class: "rt-keys" }, labels.flatMap((l, i) => (i === 0 ? [h("kbd", {}, l)] : ["+", h("kbd", {}, l)])));
  }
}
