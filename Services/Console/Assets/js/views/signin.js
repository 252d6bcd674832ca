// The sign-in page (no session) and the "session expired" page.
import { h, replace, field, problemView, uid, notice } from '../core/ui.js';
import { errorFromResponse, ApiError } from '../core/api.js';
import { resetExpired } from '../core/session.js';

function loginHref(returnRoute) {
  return `/console/auth/login?return=${encodeURIComponent(returnRoute || '/')}`;
}

/** Parses "demo: requester, approver" lines into {demo: ["requester", "approver"]}. */
export function parseRealmRoles(text) {
  const realms = {};
  const errors = [];
  String(text || '').split(/[\n;]+/).map((l) => l.trim()).filter(Boolean).forEach((line) => {
    const m = /^([A-Za-z0-9._-]+)\s*:\s*(.+)$/.exec(line);
    if (!m) { errors.push(`"${line}" is not of the form realm: role, role`); return; }
    const roles = m[2].split(/[\s,]+/).map((r) => r.trim()).filter(Boolean);
    realms[m[1]] = [...new Set([...(realms[m[1]] || []), ...roles])];
  });
  return { realms, errors };
}

function describeRealms(realms) {
  return Object.entries(realms || {}).map(([r, roles]) => `${r}: ${roles.join(', ')}`).join('; ');
}

async function devSignIn(body) {
  const response = await fetch('/console/auth/dev', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'X-CLM-Console': '1', 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await errorFromResponse(response);
}

function devSection(returnRoute, onSignedIn) {
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'dev-status' });
  const userList = h('ul', { class: 'dev-users', 'data-test': 'dev-users' }, h('li', { class: 'loading' }, 'Loading the preset users…'));
  const go = async (body, button) => {
    replace(status);
    if (button) button.disabled = true;
    try {
      await devSignIn(body);
      resetExpired();
      if (location.hash.replace(/^#/, '') !== returnRoute) history.replaceState(null, '', `#${returnRoute}`);
      await onSignedIn();
    } catch (e) {
      replace(status, problemView(e, { testId: 'dev-problem' }));
      if (button) button.disabled = false;
    }
  };

  fetch('/console/auth/dev/users', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(async (r) => { if (!r.ok) throw await errorFromResponse(r); return r.json(); })
    .then((users) => {
      replace(userList, (Array.isArray(users) ? users : []).map((u) => {
        const b = h('button', {
          type: 'button', class: 'dev-user', 'data-test': 'dev-user', 'data-subject': u.subject,
          on: { click: () => go({ subject: u.subject, platformAdmin: !!u.platformAdmin, realms: u.realms || {} }, b) },
        },
        h('span', { class: 'dev-user-subject' }, u.subject),
        h('span', { class: 'dev-user-desc' }, u.description || describeRealms(u.realms)),
        u.platformAdmin ? h('span', { class: 'badge badge-muted' }, 'platform admin') : null);
        return h('li', {}, b);
      }));
      if (!users || !users.length) replace(userList, h('li', {}, 'No preset users.'));
    })
    .catch((e) => replace(userList, h('li', {}, problemView(e))));

  const subject = h('input', { type: 'text', id: uid('dev-subject'), autocomplete: 'username', required: true, 'data-test': 'dev-subject', placeholder: 'rita@example.test' });
  const roles = h('textarea', { id: uid('dev-roles'), rows: '3', 'data-test': 'dev-roles', placeholder: 'demo: requester, approver' });
  const platform = h('input', { type: 'checkbox', id: uid('dev-platform'), 'data-test': 'dev-platform-admin' });
  const subjectField = field('Subject', subject, { hint: 'The user name the token will carry.' });
  const rolesField = field('Realm roles', roles, { hint: 'One realm per line: realm: role, role (roles: requester, approver, realm-admin, auditor).' });
  const form = h('form', {
    class: 'dev-form', 'data-test': 'dev-form', novalidate: true,
    on: {
      submit: (ev) => {
        ev.preventDefault();
        const { realms, errors } = parseRealmRoles(roles.value);
        subjectField.setError(subject.value.trim() ? null : 'Enter a subject.');
        rolesField.setError(errors.length ? errors.join(' ') : null);
        if (!subject.value.trim() || errors.length) return;
        go({ subject: subject.value.trim(), platformAdmin: platform.checked, realms }, form.querySelector('button[type=submit]'));
      },
    },
  },
  subjectField, rolesField,
  h('div', { class: 'check' }, platform, h('label', { for: platform.id }, 'Platform administrator')),
  h('button', { type: 'submit', class: 'secondary', 'data-test': 'dev-submit' }, 'Sign in with these roles'));

  return h('section', { class: 'card dev-signin', 'data-test': 'dev-signin', 'aria-labelledby': 'dev-title' },
    h('h2', { id: 'dev-title' }, 'Development sign-in'),
    h('p', { class: 'hint' }, 'This server lets you sign in without the identity provider, for development and testing only.'),
    h('h3', {}, 'Preset users'), userList,
    h('h3', {}, 'Someone else'), form, status);
}

/**
 * Renders the sign-in page into the app element.
 * problem: the 401 of /console/session (code, developmentSignIn); expired: the session ended
 * while the user worked; returnRoute: where to come back to.
 */
export function renderSignIn(app, { problem = {}, returnRoute = '/', expired = false, failure = null, onSignedIn }) {
  const isExpired = expired || problem.code === 'session-expired';
  const title = isExpired ? 'Your session has expired' : 'Sign in to the CLM console';
  document.title = `${title} · CLM console`;
  const explanation = isExpired
    ? (problem.code === 'signed-out'
      ? 'You were signed out. Sign in again to continue; you will come back to the page you were on.'
      : 'For your security, sessions end after a while. Sign in again to continue; you will come back to the page you were on. Anything you typed on an unsent form may need to be entered again.')
    : 'The console lets you request certificates, follow their approval and download them. Sign in with your organisation account to continue.';
  const network = problem.code === 'network';
  const main = h('main', { id: 'main', class: 'signin', tabindex: '-1', 'data-test': isExpired ? 'session-expired' : 'signin' },
    h('div', { class: 'card signin-card' },
      h('p', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'CLM'), ' Certificate console'),
      h('h1', { tabindex: '-1' }, title),
      h('p', {}, explanation),
      network ? problemView(new ApiError(problem)) : null,
      failure ? problemView(new ApiError({ title: 'Sign-in did not complete', detail: failure }), { testId: 'sign-in-failure' }) : null,
      returnRoute && returnRoute !== '/' ? h('p', { class: 'hint', 'data-test': 'return-route' }, `After signing in: ${returnRoute}`) : null,
      problem.openIDSignIn === false ? null
        : h('a', { class: 'button primary large', href: loginHref(returnRoute), 'data-test': isExpired ? 'sign-in-again' : 'sign-in' },
          isExpired ? 'Sign in again' : 'Sign in'),
      problem.openIDSignIn === false && !problem.developmentSignIn ? notice('No sign-in method is configured on this server.', 'error') : null),
    problem.developmentSignIn ? devSection(returnRoute, onSignedIn) : null);
  replace(app, main);
  main.querySelector('h1').focus({ preventScroll: true });
}
