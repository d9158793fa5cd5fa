// History-API routing: "/ips/:ip/:tab?" patterns, links with data-nav handled without reloads.

export interface Route {
  pattern: string;
  name: string;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export function matchRoute(routes: Route[], path: string): Match | null {
  const segs = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pat = route.pattern.split('/').filter(Boolean);
    const params: Record<string, string> = {};
    let ok = true;
    let i = 0;
    for (; i < pat.length; i++) {
      const p = pat[i];
      const optional = p.endsWith('?');
      const name = optional ? p.slice(1, -1) : p.slice(1);
      if (i >= segs.length) {
        if (!optional) ok = false;
        break;
      }
      if (p.startsWith(':')) params[name] = decodeURIComponent(segs[i]);
      else if (p !== segs[i]) {
        ok = false;
        break;
      }
    }
    if (ok && segs.length <= pat.length) return { route, params };
  }
  return null;
}

let listener: () => void = () => {};

export function navigate(to: string, replaceState = false): void {
  if (to === location.pathname + location.search) return;
  if (replaceState) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listener();
}

export function startRouter(onChange: () => void): void {
  listener = onChange;
  window.addEventListener('popstate', () => listener());
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest('a[data-nav]') as HTMLAnchorElement | null;
    if (!a || a.target) return;
    e.preventDefault();
    navigate(a.getAttribute('href')!);
  });
}

export function encodeSegment(s: string): string {
  return encodeURIComponent(s);
}
