// The sign-in page (/signin): its own entry, served without credentials.
// An email and password, or a one-time link (#link=rl_…, a fragment so it
// never reaches a server log), start a session; the page then goes to
// `next`, kept to a path of this site. It imports nothing of the app's.
import "./signin.css";
import { safeNext } from "./signinNext";

const form = document.getElementById("signin-form") as HTMLFormElement;
const email = document.getElementById("signin-email") as HTMLInputElement;
const password = document.getElementById("signin-password") as HTMLInputElement;
const error = document.getElementById("signin-error") as HTMLParagraphElement;
const submit = form.querySelector("button") as HTMLButtonElement;

function say(msg: string | undefined): void {
  error.hidden = !msg;
  error.textContent = msg ?? "";
}

async function post(path: string, body: object): Promise<void> {
  submit.disabled = true;
  say(undefined);
  try {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
    if (res.ok) {
      window.location.replace(safeNext(window.location.search));
      return;
    }
    const answer = (await res.json().catch(() => undefined)) as { errors?: { message?: string }[] } | undefined;
    say(answer?.errors?.[0]?.message ?? `Sign-in failed (HTTP ${res.status}).`);
  } catch {
    say("Cannot reach the server.");
  } finally {
    submit.disabled = false;
  }
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (!email.value.trim() || !password.value) {
    say("Give your email and password.");
    (email.value.trim() ? password : email).focus();
    return;
  }
  void post("/auth/signin", { email: email.value.trim(), password: password.value });
});

const link = new URLSearchParams(window.location.hash.slice(1)).get("link");
if (link) {
  // The link works once: take it out of the address bar and history.
  history.replaceState(null, "", window.location.pathname + window.location.search);
  void post("/auth/signin-link", { link });
} else {
  email.focus();
}
