// Keeps keyboard focus inside a dialog while it is open and gives it back to
// where it was when the dialog closes. Works inside a shadow root, where
// document.activeElement is only the host element.

import { activeIn } from './dom.js';

const FOCUSABLE =
  'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

function visible(el) {
  return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
}

export function trapFocus(container, { initial } = {}) {
  const previous = activeIn(container);
  const items = () => [...container.querySelectorAll(FOCUSABLE)].filter(visible);
  const onKey = (e) => {
    if (e.key !== 'Tab') return;
    const list = items();
    if (!list.length) return e.preventDefault();
    const first = list[0];
    const last = list[list.length - 1];
    const current = activeIn(container);
    if (e.shiftKey && (current === first || !container.contains(current))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (current === last || !container.contains(current))) {
      e.preventDefault();
      first.focus();
    }
  };
  container.addEventListener('keydown', onKey);
  const target = (initial && container.querySelector(initial)) || items()[0];
  if (target) setTimeout(() => target.focus(), 30);
  return () => {
    container.removeEventListener('keydown', onKey);
    if (previous && previous.focus && previous.isConnected) previous.focus();
  };
}
