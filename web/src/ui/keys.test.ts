import { describe, expect, it } from "vitest";
import { formatKeys, isMacPlatform, isTypingTarget, matchesKeys, normalizeKey, parseKeys, type KeyEventLike, type TargetLike } from "./keys";

const ev = (key: string, mods: Partial<KeyEventLike> = {}): KeyEventLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("normalizeKey", () => {
  it.each([
    ["Delete", "delete"],
    ["Del", "delete"],
    ["Esc", "escape"],
    ["Escape", "escape"],
    ["ArrowLeft", "arrowleft"],
    ["left", "arrowleft"],
    ["space", " "],
    ["Z", "z"],
    ["?", "?"],
    ["plus", "+"],
  ])("%s → %j", (input, want) => {
    expect(normalizeKey(input)).toBe(want);
  });
});

describe("parseKeys", () => {
  it.each([
    ["e", { key: "e" }],
    ["?", { key: "?" }],
    ["/", { key: "/" }],
    ["delete", { key: "delete" }],
    ["mod+z", { key: "z", mod: true }],
    ["shift+mod+z", { key: "z", mod: true, shift: true }],
    ["Ctrl+Alt+K", { key: "k", ctrl: true, alt: true }],
    ["cmd+enter", { key: "enter", meta: true }],
    ["mod++", { key: "+", mod: true }],
    ["+", { key: "+" }],
    ["shift+space", { key: " ", shift: true }],
    [" mod+Esc ", { key: "escape", mod: true }],
  ])("%j", (spec, want) => {
    expect(parseKeys(spec)).toEqual({ mod: false, ctrl: false, meta: false, alt: false, shift: false, ...want });
  });

  it.each([[""], ["mod+"], ["hyper+z"], ["mod+shift"]])("rejects %j", (spec) => {
    expect(() => parseKeys(spec)).toThrow();
  });
});

describe("matchesKeys", () => {
  const cases: [string, string, KeyEventLike, boolean, boolean][] = [
    // description, spec, event, mac, matches
    ["plain letter", "e", ev("e"), false, true],
    ["letter with caps lock", "e", ev("E"), false, true],
    ["letter needs no shift", "e", ev("E", { shiftKey: true }), false, false],
    ["letter with ctrl is another shortcut", "e", ev("e", { ctrlKey: true }), false, false],
    ["mod is ctrl off Mac", "mod+z", ev("z", { ctrlKey: true }), false, true],
    ["mod is not meta off Mac", "mod+z", ev("z", { metaKey: true }), false, false],
    ["mod is ⌘ on Mac", "mod+z", ev("z", { metaKey: true }), true, true],
    ["mod is not ctrl on Mac", "mod+z", ev("z", { ctrlKey: true }), true, false],
    ["redo needs shift", "shift+mod+z", ev("Z", { ctrlKey: true, shiftKey: true }), false, true],
    ["undo is not redo", "mod+z", ev("Z", { ctrlKey: true, shiftKey: true }), false, false],
    ["? typed with shift", "?", ev("?", { shiftKey: true }), false, true],
    ["? typed without shift (other layouts)", "?", ev("?"), false, true],
    ["/ without modifiers", "/", ev("/"), false, true],
    ["/ with ctrl is not /", "/", ev("/", { ctrlKey: true }), false, false],
    ["named key", "delete", ev("Delete"), false, true],
    ["named key alias", "del", ev("Delete"), false, true],
    ["other named key", "delete", ev("Backspace"), false, false],
    ["escape", "escape", ev("Escape"), true, true],
    ["option letter falls back to the physical key", "alt+e", { ...ev("´", { altKey: true }), code: "KeyE" }, true, true],
    ["option digit falls back to the physical key", "alt+1", { ...ev("¡", { altKey: true }), code: "Digit1" }, true, true],
    ["physical key only with alt", "e", { ...ev("q"), code: "KeyE" }, false, false],
    ["+ typed with shift", "+", ev("+", { shiftKey: true }), false, true],
    ["mod++", "mod++", ev("+", { ctrlKey: true, shiftKey: true }), false, true],
  ];
  it.each(cases)("%s", (_d, spec, e, mac, want) => {
    expect(matchesKeys(parseKeys(spec), e, mac)).toBe(want);
  });
});

describe("formatKeys", () => {
  it.each([
    ["mod+z", false, ["Ctrl", "Z"]],
    ["mod+z", true, ["⌘", "Z"]],
    ["shift+mod+z", false, ["Ctrl", "Shift", "Z"]],
    ["shift+mod+z", true, ["⇧", "⌘", "Z"]],
    ["?", false, ["?"]],
    ["delete", false, ["Delete"]],
    ["escape", true, ["Esc"]],
    ["alt+arrowleft", false, ["Alt", "←"]],
    ["space", false, ["Space"]],
    ["pageup", false, ["Page Up"]],
    ["f2", false, ["F2"]],
  ] as const)("%s (mac %s)", (spec, mac, want) => {
    expect(formatKeys(parseKeys(spec), mac)).toEqual(want);
  });
});

describe("isMacPlatform", () => {
  it.each([
    [{ platform: "MacIntel" }, true],
    [{ platform: "iPhone" }, true],
    [{ platform: "Win32" }, false],
    [{ platform: "Linux x86_64" }, false],
    [{ platform: "", userAgentData: { platform: "macOS" } }, true],
    [{ platform: "MacIntel", userAgentData: { platform: "Windows" } }, false],
    [undefined, false],
  ])("%j → %s", (nav, want) => {
    expect(isMacPlatform(nav)).toBe(want);
  });
});

describe("isTypingTarget", () => {
  const cases: [string, TargetLike | null, boolean][] = [
    ["nothing", null, false],
    ["a button", { tagName: "BUTTON" }, false],
    ["the canvas div", { tagName: "DIV", isContentEditable: false }, false],
    ["a text input", { tagName: "INPUT", type: "text" }, true],
    ["a search input", { tagName: "INPUT", type: "search" }, true],
    ["a number input", { tagName: "INPUT", type: "number" }, true],
    ["an input without type", { tagName: "INPUT" }, true],
    ["a checkbox", { tagName: "INPUT", type: "checkbox" }, false],
    ["a range input takes the arrows", { tagName: "INPUT", type: "range" }, true],
    ["a textarea", { tagName: "TEXTAREA" }, true],
    ["a select", { tagName: "SELECT" }, true],
    ["contenteditable", { tagName: "DIV", isContentEditable: true }, true],
  ];
  it.each(cases)("%s", (_d, t, want) => {
    expect(isTypingTarget(t)).toBe(want);
  });
});
