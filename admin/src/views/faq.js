// Admins: the AI assistant's FAQ entries — list, add, delete.

import { h, icon, replace } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { toast, confirmDialog, emptyState } from './widgets.js';
import { field, pageHead } from './forms.js';

export function faqView(ctx) {
  const admin = ctx.store.state.me.role === 'admin';
  const list = h('div', { class: 'faq-list' });
  const load = async () => {
    try {
      const { entries = [] } = await ctx.api.faq();
      if (!entries.length) replace(list, emptyState('book', null, t('faq.empty')));
      else replace(list, entries.map((e) => entryCard(ctx, e, admin, load)));
    } catch (err) {
      replace(list, h('p', { class: 'form-error' }, errorText(err)));
    }
  };
  replace(list, h('p', { class: 'muted' }, t('common.loading')));
  load();

  const questions = h('textarea', { name: 'questions', rows: 3, required: true });
  const answer = h('textarea', { name: 'answer', rows: 4, required: true, maxLength: 4000 });
  const error = h('div', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, icon('plus', 16), t('faq.add'));
  const form = admin && h('form', { class: 'card form', on: {
    submit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      const qs = questions.value.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!qs.length || !answer.value.trim()) return;
      submit.disabled = true;
      try {
        await ctx.api.addFaq({ questions: qs, answer: answer.value.trim() });
        toast(t('faq.added'), 'success');
        form.reset();
        load();
      } catch (err) {
        error.textContent = errorText(err);
      } finally {
        submit.disabled = false;
      }
    },
  } },
    h('h2', { class: 'card-title' }, t('faq.add')),
    field(t('faq.questions'), questions, t('faq.questions_hint')),
    field(t('faq.answer'), answer),
    error,
    h('div', { class: 'form-actions' }, submit));

  return h('main', { class: 'main page' },
    h('div', { class: 'page-inner' }, pageHead(t('faq.title'), admin ? t('faq.subtitle') : t('admin.only')), form, list));
}

function entryCard(ctx, entry, admin, reload) {
  return h('article', { class: 'card faq-entry', dataset: { faqId: entry.id } },
    h('div', { class: 'faq-body' },
      h('ul', { class: 'faq-questions' }, entry.questions.map((q) => h('li', {}, q))),
      h('p', { class: 'faq-answer' }, entry.answer)),
    admin && h('button', {
      type: 'button', class: 'icon-btn danger', attrs: { 'aria-label': t('faq.delete'), title: t('faq.delete') },
      on: { click: async () => {
        if (!(await confirmDialog(t('faq.delete_confirm'), t('faq.delete'), true))) return;
        try {
          await ctx.api.deleteFaq(entry.id);
          reload();
        } catch (err) {
          toast(errorText(err), 'error');
        }
      } },
    }, icon('trash', 16)));
}
