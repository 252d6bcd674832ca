// Hash routing: route('/realms/:realm/requests/:id', (params, container) => …).
const routes = [];
let notFoundRender = null;
let beforeRender = null;
let container = null;
let generation = 0;

function compile(pattern) {
  const names = [];
  const source = pattern.split('/').map((part) => {
    if (part.startsWith(':')) { names.push(part.slice(1)); return '([^/]+)'; }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return { regex: new RegExp(`^${source}/?$`), names };
}

/** Registers a route. render(params, container) may be async. Later routes do not override earlier ones. */
export function route(pattern, render) {
  routes.push({ pattern, render, ...compile(pattern) });
}

/** The render used when no route matches. */
export function notFound(render) { notFoundRender = render; }

/** A hook run before every render (e.g. to check the session); returns false to stop. */
export function onBeforeRender(fn) { beforeRender = fn; }

/** The current route path ('/new/2'), without the leading '#'. */
export function currentPath() {
  const raw = location.hash.replace(/^#/, '');
  const path = raw.split('?')[0] || '/';
  return path.startsWith('/') ? path : `/${path}`;
}

/** The query part of the hash ('#/requests?state=issued' → URLSearchParams). */
export function currentQuery() {
  const raw = location.hash.replace(/^#/, '');
  const i = raw.indexOf('?');
  return new URLSearchParams(i >= 0 ? raw.slice(i + 1) : '');
}

/** Goes to a route: navigate('#/new/2') or navigate('/new/2'). */
export function navigate(hash) {
  const target = hash.startsWith('#') ? hash : `#${hash.startsWith('/') ? hash : `/${hash}`}`;
  if (location.hash === target) render();
  else location.hash = target;
}

/** A counter that changes on every route change; views compare it to stop polling. */
export function routeGeneration() { return generation; }

export async function render() {
  generation += 1;
  const mine = generation;
  if (!container || !container.isConnected) container = document.getElementById('main');
  if (!container) return;
  const path = currentPath();
  // A dialog belongs to the page that opened it.
  document.querySelectorAll('dialog[open]').forEach((d) => d.close());
  if (beforeRender && (await beforeRender(path)) === false) return;
  if (mine !== generation) return;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
    while (container.firstChild) container.removeChild(container.firstChild);
    try {
      await r.render(params, container);
    } catch (e) {
      console.error(e);
      if (mine === generation && window.__clmRenderError) window.__clmRenderError(e, container);
    }
    if (mine === generation) focusHeading(container);
    return;
  }
  while (container.firstChild) container.removeChild(container.firstChild);
  if (notFoundRender) notFoundRender({ path }, container);
}

function focusHeading(el) {
  const heading = el.querySelector('h1');
  if (heading && !el.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

/** Starts listening to hash changes and renders the current route. */
export function start(mainContainer) {
  if (mainContainer) container = mainContainer;
  window.addEventListener('hashchange', () => render());
  if (!location.hash || location.hash === '#') history.replaceState(null, '', '#/');
  return render();
}
