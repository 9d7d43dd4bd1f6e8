/** A hash router (the console is static files; any server can serve it without rewrites). */
import { useEffect, useState } from "react";

export interface Route {
  path: string[];
  search: string;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [pathPart = "", search = ""] = raw.split("?", 2);
  return { path: pathPart.split("/").filter(Boolean).map(decodeURIComponent), search };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function href(path: string[], search = ""): string {
  return `#/${path.map(encodeURIComponent).join("/")}${search ? `?${search}` : ""}`;
}

export function navigate(path: string[], search = "", replace = false): void {
  const target = href(path, search);
  if (replace) window.history.replaceState(null, "", target);
  else window.location.hash = target.slice(1);
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
}
