// The login page: POST /API/auth/login sets the session cookie.
import { ApiError, Me, post } from '../api';
import { h } from '../dom';

export function loginPage(onLoggedIn: (me: Me) => void): HTMLElement {
  const user = h('input', { name: 'user', autocomplete: 'username', required: true, autofocus: true, 'aria-label': 'User' });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-label': 'Password',
  });
  const message = h('div', { class: 'login-message', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'button primary' }, 'Log in');
  const form = h(
    'form',
    { class: 'login-card card' },
    h('div', { class: 'brand big' }, h('img', { src: '/favicon.svg', alt: '' }), 'netmeter'),
    h('label', null, 'User', user),
    h('label', null, 'Password', password),
    message,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    message.textContent = '';
    try {
      const me = await post<Me>('/API/auth/login', { user: user.value, password: password.value });
      onLoggedIn(me);
    } catch (err) {
      const e2 = err as ApiError;
      message.textContent =
        e2.status === 401
          ? 'Wrong user name or password.'
          : e2.status === 429
            ? 'Too many failed attempts from this address; wait a moment and try again.'
            : `Login failed: ${e2.message}`;
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  return h('main', { class: 'login-page' }, form);
}
