import './style.css';
import { ApiError, Me, get, post, setUnauthorizedHandler } from './api';
import { h, link, replace } from './dom';
import { TimeBar } from './components/timebar';
import { errorState } from './components/states';
import { Route, matchRoute, navigate, startRouter } from './router';
import { REFRESH_MS, getSelection, onSelectionChange, updateTraceTime } from './time';
import { loginPage } from './pages/login';
import { Page, PageFactory } from './pages/page';
import { pages } from './pages/registry';
import { capabilities, discover, hasModule } from './capabilities';
import { setDashboardUser } from './dashboards/pages';

const app = document.getElementById('app')!;
let me: Me | null = null;
let current: Page | null = null;
let timebar: TimeBar | null = null;
let content: HTMLElement | null = null;
let nav: HTMLElement | null = null;
let timer: number | undefined;

const routes: Route[] = pages.map((p) => ({ pattern: p.pattern, name: p.name }));

function factoryFor(name: string): PageFactory {
  return pages.find((p) => p.name === name)!.factory;
}

function showLogin(): void {
  me = null;
  current?.destroy?.();
  current = null;
  window.clearInterval(timer);
  document.title = 'Log in · netmeter';
  replace(
    app,
    loginPage((who) => {
      me = who;
      if (location.pathname === '/login') navigate('/', true);
      void showShell();
    }),
  );
}

function navigation(): HTMLElement {
  // An item is [href, label] or [href, label, false] when the server does not offer it.
  const section = (title: string, ...items: ([string, string] | [string, string, boolean])[]) => {
    const shown = items.filter((i) => i[2] !== false);
    if (!shown.length) return null;
    return h(
      'div',
      { class: 'nav-section' },
      h('div', { class: 'nav-title' }, title),
      ...shown.map(([href, label]) => link(href, label)),
    );
  };
  return h(
    'nav',
    { class: 'sidebar', 'aria-label': 'Pages' },
    section('Overview', ['/', 'Dashboard'], ['/dashboards', 'Custom dashboards']),
    section('Layer 2', ['/macs', 'MAC addresses'], ['/mac-protocols', 'MAC protocols'], ['/vlans', 'VLANs'], ['/packet-sizes', 'Packet sizes']),
    section('Layer 3', ['/ips', 'IP addresses'], ['/qos', 'QoS']),
    section('Layer 4', ['/ports', 'Server ports'], ['/connections', 'Connections'], ['/tcp', 'TCP', hasModule('tcp')]),
    section(
      'Layer 7',
      ['/l7', 'L7 protocols', hasModule('dpi')],
      ['/dns', 'DNS', hasModule('dns')],
      ['/http', 'HTTP', hasModule('http')],
      ['/ssl', 'SSL / TLS', hasModule('ssl')],
      ['/quic', 'QUIC', hasModule('quic')],
    ),
    section('Generic', ['/captures', 'Captures', capabilities.capture], ['/pcap-analysis', 'Pcap analysis', capabilities.pcapUpload]),
  );
}

async function showShell(): Promise<void> {
  await discover();
  setDashboardUser(me);
  timebar = new TimeBar();
  content = h('main', { class: 'content', id: 'content' });
  nav = navigation();
  const userBox = h(
    'div',
    { class: 'userbox' },
    h('span', { class: 'user', title: `role: ${me?.role}` }, me?.user ?? '', h('small', null, me?.role ?? '')),
    h(
      'button',
      {
        class: 'button',
        'data-testid': 'logout',
        onclick: async () => {
          try {
            await post('/API/auth/logout', {});
          } finally {
            navigate('/login', true);
            showLogin();
          }
        },
      },
      'Log out',
    ),
  );
  replace(
    app,
    h(
      'div',
      { class: 'shell' },
      h('header', { class: 'topbar' }, h('a', { class: 'brand', href: '/', 'data-nav': '' }, h('img', { src: '/favicon.svg', alt: '' }), 'netmeter'), timebar.el, userBox),
      nav,
      content,
    ),
  );
  void route();
  window.clearInterval(timer);
  timer = window.setInterval(() => {
    if (getSelection().mode === 'live' && document.visibilityState === 'visible') void refresh();
  }, REFRESH_MS);
}

let refreshing = false;
async function refresh(): Promise<void> {
  if (refreshing || !current) return;
  refreshing = true;
  try {
    await updateTraceTime();
    timebar?.updateSummary();
    await current?.refresh();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401) && content) content.prepend(errorState(e));
  } finally {
    refreshing = false;
  }
}

async function route(): Promise<void> {
  if (!me) return showLogin();
  if (!content) return;
  if (location.pathname === '/login') return navigate('/', true);
  const match = matchRoute(routes, location.pathname);
  current?.destroy?.();
  current = null;
  if (!match) {
    replace(content, h('h1', null, 'Not found'), errorState(new Error(`There is no page at ${location.pathname}.`)));
    return;
  }
  const page = factoryFor(match.route.name)(match.params, new URLSearchParams(location.search));
  current = page;
  document.title = `${page.title} · netmeter`;
  replace(content, page.el);
  for (const a of nav?.querySelectorAll('a') ?? []) {
    const href = a.getAttribute('href')!;
    const active = href === '/' ? location.pathname === '/' : location.pathname.startsWith(href);
    a.classList.toggle('active', active);
  }
  await refresh();
}

async function boot(): Promise<void> {
  setUnauthorizedHandler(() => {
    if (me) showLogin();
  });
  startRouter(() => void route());
  onSelectionChange(() => void refresh());
  try {
    me = await get<Me>('/API/auth/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return showLogin();
    replace(app, h('main', { class: 'login-page' }, errorState(e)));
    return;
  }
  await showShell();
}

void boot();
