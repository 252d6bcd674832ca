// The console shell: session check, header with navigation, routes.
import { h, replace, page, problemView } from './core/ui.js';
import { route, start, notFound, navigate, currentPath, currentQuery, render } from './core/router.js';
import { loadSession, currentSession, hasPlatformRole, onExpired, signOut, lastSignInProblem } from './core/session.js';
import { clearRealmCache } from './core/realms.js';
import { renderSignIn } from './views/signin.js';
import * as home from './views/home.js';
import * as wizard from './views/wizard.js';
import * as requestView from './views/request.js';
import * as requests from './views/requests.js';
import * as certificates from './views/certificates.js';

const app = document.getElementById('app');
let started = false;

// F2's modules: loaded dynamically so a missing or broken one leaves the other pages working.
const OPTIONAL_VIEWS = ['./views/approvals.js', './views/admin.js', './views/audit.js'];

function anyRealmRole(roles) {
  const s = currentSession();
  if (!s) return false;
  return Object.values(s.realms).some((list) => list.some((r) => roles.includes(r)));
}

function navLinks() {
  const links = [
    { href: '#/', label: 'Home', test: 'nav-home', match: (p) => p === '/' },
    { href: '#/new', label: 'New request', test: 'nav-new', match: (p) => p.startsWith('/new') },
    { href: '#/requests', label: 'My requests', test: 'nav-requests', match: (p) => p === '/requests' || /^\/realms\/[^/]+\/requests/.test(p) },
    { href: '#/certificates', label: 'Certificates', test: 'nav-certificates', match: (p) => p.startsWith('/certificates') || /^\/realms\/[^/]+\/certificates/.test(p) },
  ];
  if (anyRealmRole(['approver', 'realm-admin', 'auditor'])) {
    links.push({ href: '#/approvals', label: 'Approvals', test: 'nav-approvals', match: (p) => p.startsWith('/approvals') || /^\/realms\/[^/]+\/approvals/.test(p) });
  }
  if (anyRealmRole(['realm-admin']) || hasPlatformRole('platform-admin')) {
    links.push({ href: '#/admin', label: 'Administration', test: 'nav-admin', match: (p) => p.startsWith('/admin') });
  } else {
    // Auditors read the trails without administering anything.
    const realms = (currentSession() || {}).realms || {};
    const audited = Object.keys(realms).sort().find((realm) => (realms[realm] || []).includes('auditor'));
    if (audited) {
      links.push({ href: `#/realms/${encodeURIComponent(audited)}/audit`, label: 'Audit', test: 'nav-audit', match: (p) => /^\/realms\/[^/]+\/audit/.test(p) });
    }
  }
  return links;
}

function buildShell() {
  const s = currentSession();
  const nav = h('nav', { class: 'nav', id: 'nav', 'aria-label': 'Main', 'data-test': 'nav' });
  const links = navLinks();
  const list = h('ul', {}, links.map((l) => h('li', {}, h('a', { href: l.href, 'data-test': l.test }, l.label))));
  const toggle = h('button', {
    type: 'button', class: 'nav-toggle', 'aria-controls': 'nav', 'aria-expanded': 'false', 'data-test': 'nav-toggle',
    on: { click: () => setMenu(toggle.getAttribute('aria-expanded') !== 'true') },
  }, h('span', { class: 'nav-toggle-bars', 'aria-hidden': 'true' }), 'Menu');
  const setMenu = (open) => {
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    nav.classList.toggle('open', open);
  };
  const userBox = h('div', { class: 'user' },
    h('span', { class: 'user-name', 'data-test': 'user-subject', title: s.subject }, s.subject),
    h('button', { type: 'button', class: 'secondary small', 'data-test': 'sign-out', on: { click: () => signOut() } }, 'Sign out'));
  nav.appendChild(list);
  nav.appendChild(userBox);
  const header = h('header', { class: 'topbar', 'data-test': 'header' },
    h('a', { class: 'brand', href: '#/', 'data-test': 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'CLM'), ' Certificate console'),
    toggle, nav);
  const main = h('main', { id: 'main', tabindex: '-1', 'data-test': 'main' });
  replace(app, header, main, h('footer', { class: 'footer' }, 'CLM certificate lifecycle manager'));

  const mark = () => {
    const path = currentPath();
    list.querySelectorAll('a').forEach((a, i) => {
      if (links[i].match(path)) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    setMenu(false);
  };
  window.addEventListener('hashchange', mark);
  mark();
  return main;
}

async function registerRoutes() {
  route('/sign-in', () => navigate(`#${returnRoute()}`));
  home.register();
  wizard.register();
  requestView.register();
  requests.register();
  certificates.register();
  for (const path of OPTIONAL_VIEWS) {
    try {
      const mod = await import(path);
      if (mod && typeof mod.register === 'function') mod.register();
    } catch (e) {
      // Not there (yet) or broken: its pages show "not available", the rest works.
      console.warn(`optional view ${path} not loaded:`, e);
    }
  }
  notFound(({ path }, container) => {
    container.appendChild(page('Page not found',
      h('p', { 'data-test': 'not-found' }, `There is no page at ${path}.`),
      h('p', {}, h('a', { href: '#/' }, 'Go to the start page'))));
  });
}

window.__clmRenderError = (error, container) => {
  container.appendChild(page('Something went wrong', problemView(error)));
};

/** Where to go after signing in: the route shown, or ?return= of #/sign-in (the server sends there). */
function returnRoute() {
  if (currentPath() === '/sign-in') {
    const back = currentQuery().get('return') || '/';
    return back.startsWith('/') && !back.startsWith('//') ? back : '/';
  }
  return currentPath() + queryPart();
}

async function showSignIn() {
  const problem = { ...(lastSignInProblem() || {}) };
  const failure = currentPath() === '/sign-in' ? currentQuery().get('error') : null;
  renderSignIn(app, { problem, failure, returnRoute: returnRoute(), onSignedIn: boot });
}

function queryPart() {
  const raw = location.hash.replace(/^#/, '');
  const i = raw.indexOf('?');
  return i >= 0 ? raw.slice(i) : '';
}

onExpired(async (code, returnRoute) => {
  await loadSession().catch(() => null);
  const problem = lastSignInProblem() || { code };
  problem.code = code;
  renderSignIn(app, { problem, returnRoute, expired: true, onSignedIn: boot });
});

async function boot() {
  const s = await loadSession();
  if (!s) { await showSignIn(); return; }
  clearRealmCache();
  if (currentPath() === '/sign-in') history.replaceState(null, '', `#${returnRoute()}`);
  const main = buildShell();
  if (!started) {
    started = true;
    await registerRoutes();
    await start(main);
  } else {
    // Signed in again without a page load: a fresh shell, then the route the user was on.
    await render();
  }
}

export { navigate };
boot();
