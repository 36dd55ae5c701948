// The sign-in screen.

import { h, icon } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { languageSwitch } from './widgets.js';

/** onSubmit(email, password) resolves on success or throws ApiError. */
export function loginView({ onSubmit, onLocale, notice }) {
  const email = h('input', { type: 'email', id: 'login-email', name: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password', required: true, minLength: 1 });
  const error = h('div', { class: 'form-error', attrs: { role: 'alert', 'aria-live': 'assertive' } });
  if (notice) error.textContent = notice;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));

  const form = h('form', { class: 'login-card', attrs: { 'aria-labelledby': 'login-title' }, on: {
    submit: async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      submit.textContent = t('login.busy');
      error.textContent = '';
      try {
        await onSubmit(email.value.trim(), password.value);
      } catch (err) {
        error.textContent = err.status === 401 ? t('login.failed')
          : err.code === 'rate_limited' ? t('login.rate_limited', { s: err.retryAfter || 30 })
          : err.code === 'network' ? t('login.network') : errorText(err);
        submit.disabled = false;
        submit.textContent = t('login.submit');
        password.select();
      }
    },
  } },
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark' }, icon('chat', 20)), h('span', { class: 'brand-name' }, t('app.name'))),
    h('h1', { id: 'login-title' }, t('login.title')),
    h('p', { class: 'muted' }, t('login.subtitle')),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('login.email')), email),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('login.password')), password),
    error,
    submit,
  );

  return h('div', { class: 'login-screen' },
    form,
    h('div', { class: 'login-footer' }, languageSwitch(onLocale)),
  );
}
