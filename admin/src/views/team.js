// Admins: the managers of the site and a form to add one.

import { h, avatar, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { toast, emptyState } from './widgets.js';
import { field, pageHead } from './forms.js';

export function teamView(ctx) {
  const tbody = h('tbody');
  const table = h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, [t('team.name'), t('team.email'), t('team.role'), t('team.max_chats')].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    tbody);
  const load = async () => {
    replace(tbody, h('tr', {}, h('td', { attrs: { colspan: 4 }, class: 'muted' }, t('common.loading'))));
    try {
      const { managers = [] } = await ctx.api.managers();
      replace(tbody, managers.map((m) => h('tr', { dataset: { managerId: m.id } },
        h('td', {}, h('div', { class: 'cell-person' }, avatar(m.id, m.name, 'sm'), h('span', {}, m.name), m.id === ctx.store.state.me.id && h('span', { class: 'chip' }, t('team.you')))),
        h('td', {}, m.email),
        h('td', {}, h('span', { class: ['chip', m.role === 'admin' && 'chip-accent'] }, t(`role.${m.role}`))),
        h('td', { class: 'num' }, m.max_chats == null ? t('team.unlimited') : String(m.max_chats)),
      )));
    } catch (err) {
      replace(tbody, h('tr', {}, h('td', { attrs: { colspan: 4 } }, errorText(err))));
    }
  };

  const name = h('input', { name: 'name', required: true, maxLength: 100, autocomplete: 'off' });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { name: 'password', type: 'password', required: true, minLength: 8, maxLength: 256, autocomplete: 'new-password' });
  const role = h('select', { name: 'role' }, ['manager', 'admin'].map((r) => h('option', { value: r }, t(`role.${r}`))));
  const maxChats = h('input', { name: 'max_chats', type: 'number', min: 1, max: 100, placeholder: t('team.unlimited') });
  const error = h('div', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('team.create'));
  const form = h('form', { class: 'card form', attrs: { 'aria-labelledby': 'team-add' }, on: {
    submit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      const body = { name: name.value.trim(), email: email.value.trim(), password: password.value, role: role.value };
      if (maxChats.value) body.max_chats = Number(maxChats.value);
      try {
        const { manager } = await ctx.api.createManager(body);
        toast(t('team.created', { name: manager.name }), 'success');
        form.reset();
        load();
      } catch (err) {
        error.textContent = err.code === 'conflict' ? t('team.taken') : errorText(err);
      } finally {
        submit.disabled = false;
      }
    },
  } },
    h('h2', { id: 'team-add', class: 'card-title' }, t('team.add')),
    h('div', { class: 'grid-2' },
      field(t('team.name'), name),
      field(t('team.email'), email),
      field(t('team.password'), password, t('team.password_hint')),
      field(t('team.role'), role),
      field(t('team.max_chats'), maxChats)),
    error,
    h('div', { class: 'form-actions' }, submit),
  );

  if (ctx.store.state.me.role !== 'admin') return h('main', { class: 'main page' }, emptyState('users', t('team.title'), t('admin.only')));
  load();
  return h('main', { class: 'main page' },
    h('div', { class: 'page-inner' },
      pageHead(t('team.title'), t('team.subtitle')),
      h('div', { class: 'card' }, table),
      form));
}
