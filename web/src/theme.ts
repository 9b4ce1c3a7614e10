// Light and dark themes. The page's colours are CSS custom properties keyed
// on <html data-theme>; the WebGL canvas cannot read CSS, so the resolved
// theme is also handed to the canvas (canvas.setTheme). The choice is kept in
// localStorage; "system" follows the OS setting, live.
import type { Theme } from "./style";

export type ThemeChoice = Theme | "system";

const STORAGE_KEY = "redthread.theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";

let stopFollowing: (() => void) | undefined;

function isChoice(v: unknown): v is ThemeChoice {
  return v === "light" || v === "dark" || v === "system";
}

/** The stored choice; "system" when none (or storage is unavailable). */
export function storedTheme(): ThemeChoice {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return isChoice(v) ? v : "system";
  } catch {
    return "system";
  }
}

/** The theme a choice stands for right now. */
function resolveTheme(choice: ThemeChoice): Theme {
  if (choice !== "system") return choice;
  return window.matchMedia(DARK_QUERY).matches ? "dark" : "light";
}

/** The theme the page shows (after applyTheme), else what the stored choice resolves to. */
export function currentTheme(): Theme {
  const t = document.documentElement.dataset.theme;
  return t === "light" || t === "dark" ? t : resolveTheme(storedTheme());
}

/**
 * Shows a theme: stores the choice, sets `<html data-theme>` (and
 * `data-theme-choice`), and calls `onApply` with the resolved theme — now,
 * and again whenever the OS switches while the choice is "system". Returns
 * the resolved theme. Each call replaces the previous one's OS listener.
 */
export function applyTheme(choice: ThemeChoice, onApply?: (t: Theme) => void): Theme {
  try {
    window.localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Private mode or storage disabled: the choice lasts for this page only.
  }
  stopFollowing?.();
  stopFollowing = undefined;
  const show = (): Theme => {
    const t = resolveTheme(choice);
    const root = document.documentElement;
    root.dataset.theme = t;
    root.dataset.themeChoice = choice;
    onApply?.(t);
    return t;
  };
  if (choice === "system") {
    const mq = window.matchMedia(DARK_QUERY);
    const onChange = () => {
      show();
    };
    mq.addEventListener("change", onChange);
    stopFollowing = () => {
      mq.removeEventListener("change", onChange);
    };
  }
  return show();
}
