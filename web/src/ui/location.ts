// The page's URL fragment, replaced without adding browser history entries.
import type { UrlPort } from "../controllers/cases";

export function browserUrl(): UrlPort {
  return {
    replaceHash: (hash) => {
      const { pathname, search } = window.location;
      const url = `${pathname}${search}${hash}`;
      if (url !== `${pathname}${search}${window.location.hash}`) window.history.replaceState(null, "", url);
    },
  };
}
