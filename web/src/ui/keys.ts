// Pure keyboard-shortcut helpers: parse a spec like "shift+mod+z", match a
// keydown event against it, render it for the help overlay, and tell whether
// a keystroke is typing. No DOM access, so it is unit-tested in Node.

/** A parsed shortcut: one key plus the exact modifiers it needs. */
export interface KeySpec {
  /** Normalized `KeyboardEvent.key`: lower-case names ("delete", "arrowleft"), single characters as typed. */
  key: string;
  /** Ctrl on Windows/Linux, ⌘ on Apple platforms. */
  mod: boolean;
  ctrl: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/** The fields of a KeyboardEvent that matching reads. */
export interface KeyEventLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

const KEY_ALIASES: Record<string, string> = {
  esc: "escape",
  del: "delete",
  return: "enter",
  space: " ",
  spacebar: " ",
  plus: "+",
  left: "arrowleft",
  right: "arrowright",
  up: "arrowup",
  down: "arrowdown",
  pgup: "pageup",
  pgdn: "pagedown",
  ins: "insert",
};

const MODIFIERS: Record<string, "mod" | "ctrl" | "meta" | "alt" | "shift"> = {
  mod: "mod",
  ctrl: "ctrl",
  control: "ctrl",
  cmd: "meta",
  command: "meta",
  meta: "meta",
  alt: "alt",
  option: "alt",
  opt: "alt",
  shift: "shift",
};

/** A key name as written in a spec or reported by an event, in one spelling. */
export function normalizeKey(key: string): string {
  if (key.length === 1) return key.toLowerCase();
  const k = key.toLowerCase();
  return KEY_ALIASES[k] ?? k;
}

/** Parses "mod+z", "shift+mod+z", "?", "delete", "mod++"; throws on a malformed spec (a programming error). */
export function parseKeys(spec: string): KeySpec {
  const s = spec.trim();
  // "+" as the key itself: "+" or "mod++".
  const parts = s === "+" ? ["+"] : s.endsWith("++") ? [...s.slice(0, -2).split("+"), "+"] : s.split("+");
  const out: KeySpec = { key: "", mod: false, ctrl: false, meta: false, alt: false, shift: false };
  const keyPart = parts.pop();
  if (keyPart === undefined || keyPart.trim() === "") throw new Error(`shortcut "${spec}": no key`);
  for (const p of parts) {
    const m = MODIFIERS[p.trim().toLowerCase()];
    if (!m) throw new Error(`shortcut "${spec}": unknown modifier "${p}"`);
    out[m] = true;
  }
  const key = normalizeKey(keyPart.trim());
  if (MODIFIERS[key]) throw new Error(`shortcut "${spec}": a modifier cannot be the key`);
  out.key = key;
  return out;
}

/** A single printable character that is not a letter: shift is part of how it is typed ("?" is shift+/ on US keyboards, not on others). */
function isSymbol(key: string): boolean {
  return key.length === 1 && key !== " " && key.toLowerCase() === key.toUpperCase() && !/[0-9]/.test(key);
}

/** True when the event is exactly this shortcut; `mac` decides whether "mod" means ⌘ or Ctrl. */
export function matchesKeys(spec: KeySpec, ev: KeyEventLike, mac: boolean): boolean {
  const wantCtrl = spec.ctrl || (spec.mod && !mac);
  const wantMeta = spec.meta || (spec.mod && mac);
  if (ev.ctrlKey !== wantCtrl || ev.metaKey !== wantMeta || ev.altKey !== spec.alt) return false;
  if (!isSymbol(spec.key) && ev.shiftKey !== spec.shift) return false;
  const key = normalizeKey(ev.key);
  if (key === spec.key) return true;
  // Option on a Mac turns letters into other characters (⌥E is "´"): fall back to the physical key.
  if (ev.altKey && ev.code) {
    if (/^[a-z]$/.test(spec.key)) return ev.code === `Key${spec.key.toUpperCase()}`;
    if (/^[0-9]$/.test(spec.key)) return ev.code === `Digit${spec.key}`;
  }
  return false;
}

const KEY_LABELS: Record<string, string> = {
  " ": "Space",
  escape: "Esc",
  delete: "Delete",
  backspace: "Backspace",
  enter: "Enter",
  tab: "Tab",
  arrowleft: "←",
  arrowright: "→",
  arrowup: "↑",
  arrowdown: "↓",
  pageup: "Page Up",
  pagedown: "Page Down",
  home: "Home",
  end: "End",
  insert: "Insert",
};

/** The keys to press, one label per <kbd>: ["Ctrl", "Shift", "Z"] or ["⌘", "⇧", "Z"]. */
export function formatKeys(spec: KeySpec, mac: boolean): string[] {
  const out: string[] = [];
  if (spec.ctrl || (spec.mod && !mac)) out.push(mac ? "⌃" : "Ctrl");
  if (spec.alt) out.push(mac ? "⌥" : "Alt");
  if (spec.shift) out.push(mac ? "⇧" : "Shift");
  if (spec.meta || (spec.mod && mac)) out.push(mac ? "⌘" : "Meta");
  const k = spec.key;
  out.push(KEY_LABELS[k] ?? (k.length === 1 ? k.toUpperCase() : k.charAt(0).toUpperCase() + k.slice(1)));
  return out;
}

/** Apple platforms use ⌘ where others use Ctrl. */
export function isMacPlatform(nav: { platform?: string; userAgentData?: { platform?: string } } | undefined): boolean {
  const p = nav?.userAgentData?.platform ?? nav?.platform ?? "";
  return /mac|iphone|ipad|ipod/i.test(p);
}

/** The parts of an event target that decide whether a key is typing. */
export interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

// Inputs where keys do not type text, so shortcuts stay available (a range
// input is not one of them: it takes the arrow keys).
const NON_TEXT_INPUTS = new Set(["button", "checkbox", "radio", "submit", "reset", "color", "file", "image"]);

/** True when a keystroke on this target types or picks something (text fields, selects, contenteditable). */
export function isTypingTarget(t: TargetLike | null | undefined): boolean {
  if (!t) return false;
  if (t.isContentEditable) return true;
  const tag = (t.tagName ?? "").toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !NON_TEXT_INPUTS.has((t.type ?? "text").toLowerCase());
  return false;
}
