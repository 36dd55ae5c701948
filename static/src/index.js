// Entry point of widget.js. Runs once per page, finds its own <script> tag
// (site key, locale, and the origin to talk to), mounts an open shadow root on
// a host element at the end of <body>, and exposes window.Switchboard.
// Nothing here may throw into the host page.

import base from './styles/base.css';
import shell from './styles/shell.css';
import conversation from './styles/conversation.css';
import dock from './styles/dock.css';
import calls from './styles/calls.css';
import narrow from './styles/narrow.css';
import { Widget, guard } from './widget.js';

function ownScript() {
  const cur = document.currentScript;
  if (cur && cur.src) return cur;
  // Inserted by a tag manager or after load: find ourselves by attribute.
  return [...document.querySelectorAll('script[data-site-key]')].find((s) => /widget(\.min)?\.js/.test(s.src)) || null;
}

function mount(script) {
  const origin = new URL(script.src, location.href).origin;
  const siteKey = script.getAttribute('data-site-key');
  if (!siteKey) return console.warn('[switchboard] data-site-key is missing on the widget script tag');

  const host = document.createElement('div');
  host.id = 'switchboard-widget';
  host.setAttribute('data-switchboard', '');
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = [base, shell, conversation, dock, calls, narrow].join('\n');
  const wrap = document.createElement('div');
  wrap.className = 'sb';
  root.append(style, wrap);
  document.body.appendChild(host);

  const widget = new Widget({ origin, siteKey, locale: script.getAttribute('data-locale'), wrap, stage: wrap });
  window.Switchboard = {
    version: '1',
    open: guard(() => widget.open()),
    close: guard(() => widget.close()),
    setLocale: guard((l) => widget.setLocale(l)),
  };
  widget.boot().catch((e) => {
    console.warn('[switchboard] could not start:', e && e.message);
    // A refusal that will not go away (unknown site key, origin not allowed):
    // better no launcher than one that leads nowhere.
    if (e && e.status >= 400 && e.status < 500) {
      widget.close();
      host.remove();
    }
  });
}

guard(() => {
  if (window.Switchboard && window.Switchboard.version) return; // loaded twice
  const script = ownScript();
  if (!script) return console.warn('[switchboard] cannot find the widget script tag');
  const start = guard(() => mount(script));
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
})();
