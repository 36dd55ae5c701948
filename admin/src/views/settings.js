// Admins: site settings (name, allowed origins, routing, greeting, widget language)
// and the embed snippet. Managers see them read-only.

import { h, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { toast } from './widgets.js';
import { field, pageHead } from './forms.js';

export function settingsView(ctx) {
  const admin = ctx.store.state.me.role === 'admin';
  const body = h('div', { class: 'page-inner' }, pageHead(t('settings.title'), t('settings.subtitle')), h('p', { class: 'muted' }, t('common.loading')));
  ctx.api.site().then(({ site }) => replace(body, pageHead(t('settings.title'), admin ? t('settings.subtitle') : t('admin.only')), siteForm(ctx, site, admin), snippet(site)))
    .catch((err) => replace(body, pageHead(t('settings.title')), h('p', { class: 'form-error' }, errorText(err))));
  return h('main', { class: 'main page' }, body);
}

function siteForm(ctx, site, admin) {
  const name = h('input', { name: 'name', value: site.name, required: true, maxLength: 200 });
  const origins = h('textarea', { name: 'origins', rows: 3, value: (site.origins || []).join('\n'), spellcheck: false });
  const routing = h('div', { class: 'radios', attrs: { role: 'radiogroup' } }, ['manual', 'auto'].map((r) =>
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'routing', value: r, checked: site.routing === r }), h('span', {}, t(`settings.routing_${r}`)))));
  const greeting = h('textarea', { name: 'greeting', rows: 2, value: site.greeting || '', maxLength: 1000 });
  const locale = h('select', { name: 'locale' }, [['ru', 'Русский'], ['en', 'English']].map(([v, l]) => h('option', { value: v, selected: site.locale === v }, l)));
  const error = h('div', { class: 'form-error', attrs: { role: 'alert' } });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, t('settings.save'));
  const form = h('form', { class: 'card form', on: {
    submit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      save.disabled = true;
      try {
        await ctx.api.updateSite({
          name: name.value.trim(),
          origins: origins.value.split('\n').map((s) => s.trim()).filter(Boolean),
          routing: form.querySelector('input[name=routing]:checked')?.value || 'manual',
          greeting: greeting.value.trim() || null,
          locale: locale.value,
        });
        toast(t('settings.saved'), 'success');
      } catch (err) {
        error.textContent = errorText(err);
      } finally {
        save.disabled = false;
      }
    },
  } },
    h('div', { class: 'grid-2' }, field(t('settings.name'), name), field(t('settings.locale'), locale)),
    field(t('settings.origins'), origins, t('settings.origins_hint')),
    h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, t('settings.routing')), routing),
    field(t('settings.greeting'), greeting, t('settings.greeting_hint')),
    error,
    admin && h('div', { class: 'form-actions' }, save),
  );
  if (!admin) for (const el of form.querySelectorAll('input, textarea, select')) el.disabled = true;
  return form;
}

function snippet(site) {
  const code = `<script src="${location.origin}/widget.js" data-site-key="${site.key}" async></script>`;
  return h('div', { class: 'card' },
    h('h2', { class: 'card-title' }, t('settings.snippet')),
    h('p', { class: 'muted small' }, `${t('settings.key')}: `, h('code', {}, site.key), ` — ${t('settings.key_hint')}`),
    h('pre', { class: 'code' }, code));
}
