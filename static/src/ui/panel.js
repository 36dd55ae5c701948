// The launcher and the chat panel: header, connection banner, conversation,
// the "dock" above the composer (the "С менеджером" button, the waiting card,
// the closed card) and the composer. `update(state)` makes the DOM match the
// controller's state; it is cheap and idempotent, so it runs on every change.

import { h, initials, activeIn } from './dom.js';
import { icon } from './icons.js';
import { MessageList } from './message-list.js';

const NEAR_BOTTOM_PX = 80;

export class Panel {
  /** `wrap` is the widget's top element inside the shadow root. */
  constructor(wrap, actions) {
    this.wrap = wrap;
    this.actions = actions;
    this.t = (k) => k;
    this.list = new MessageList({
      t: (...a) => this.t(...a),
      locale: 'ru',
      onRetry: (id) => actions.retry(id),
      canRetry: () => this.wrap.dataset.mode !== 'closed',
    });
    this.build();
  }

  build() {
    const a = this.actions;
    this.badge = h('span', { class: 'badge', 'aria-hidden': 'true' });
    this.launcher = h(
      'button',
      { type: 'button', class: 'launcher', 'aria-expanded': 'false', onclick: () => a.toggle() },
      icon('chat', 'l-open'),
      icon('chevronDown', 'l-close'),
      this.badge,
    );

    this.peek = h('button', { type: 'button', class: 'peek', onclick: () => a.toggle() });

    this.avatar = h('div', { class: 'head-ava' });
    this.connDot = h('span', { class: 'conn-dot' });
    this.title = h('div', { class: 'title' });
    this.subtitle = h('div', { class: 'subtitle' });
    this.audioBtn = h('button', { type: 'button', class: 'hbtn call-btn', onclick: () => a.call('audio') }, icon('phone'));
    this.videoBtn = h('button', { type: 'button', class: 'hbtn call-btn', onclick: () => a.call('video') }, icon('video'));
    this.closeBtn = h('button', { type: 'button', class: 'hbtn', onclick: () => a.close() }, icon('chevronDown'));
    const head = h(
      'header',
      { class: 'head' },
      h('div', { class: 'head-ava-wrap' }, this.avatar, this.connDot),
      h('div', { class: 'titles' }, this.title, this.subtitle),
      h('div', { class: 'head-actions' }, this.audioBtn, this.videoBtn, this.closeBtn),
    );

    this.banner = h('div', { class: 'banner', role: 'status' });
    this.typing = h('div', { class: 'typing', 'aria-hidden': 'true' });
    this.log = h(
      'div',
      { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text', tabindex: '0' },
      this.list.el,
    );
    this.introTitle = h('div', { class: 'intro-title' });
    this.introSub = h('div', { class: 'intro-sub' });
    this.intro = h('div', { class: 'intro' }, h('div', { class: 'intro-ava', 'aria-hidden': 'true' }, icon('sparkle')), this.introTitle, this.introSub);
    this.scroller = h('div', { class: 'scroller' }, this.intro, this.log, this.typing);

    this.toast = h('div', { class: 'toast', role: 'alert' });
    this.dock = h('div', { class: 'dock' });

    this.input = h('textarea', {
      class: 'input',
      rows: '1',
      maxlength: '4000',
      oninput: () => {
        this.autosize();
        this.syncSend();
        a.typing();
      },
      onkeydown: (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.submit();
        }
      },
    });
    this.sendBtn = h('button', { type: 'submit', class: 'send', disabled: true }, icon('send'));
    this.composer = h(
      'form',
      {
        class: 'composer',
        onsubmit: (e) => {
          e.preventDefault();
          this.submit();
        },
      },
      this.input,
      this.sendBtn,
    );
    this.brand = h('div', { class: 'brand' });
    this.overlay = h('div', { class: 'overlay' });

    this.panel = h(
      'section',
      {
        class: 'panel',
        role: 'dialog',
        'aria-modal': 'false',
        onkeydown: (e) => {
          if (e.key === 'Escape' && !this.overlay.firstChild) a.close();
        },
      },
      head,
      this.banner,
      this.scroller,
      this.toast,
      this.dock,
      this.composer,
      this.brand,
      this.overlay,
    );
    this.wrap.append(this.panel, this.peek, this.launcher);
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.autosize();
    this.syncSend();
    this.actions.send(text);
  }

  autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = Math.min(this.input.scrollHeight, 132) + 'px';
  }

  syncSend() {
    this.sendBtn.disabled = !this.input.value.trim();
  }

  focusInput() {
    if (!this.composer.hidden) this.input.focus({ preventScroll: true });
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth) {
    const s = this.scroller;
    s.scrollTo({ top: s.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
  }

  setLocale(locale, t) {
    this.t = t;
    this.list.ctx.locale = locale;
    this.list.reset();
    this.input.placeholder = t('placeholder');
    this.input.setAttribute('aria-label', t('placeholder'));
    this.sendBtn.setAttribute('aria-label', t('send'));
    this.sendBtn.title = t('send');
    this.audioBtn.setAttribute('aria-label', t('audioCall'));
    this.audioBtn.title = t('audioCall');
    this.videoBtn.setAttribute('aria-label', t('videoCall'));
    this.videoBtn.title = t('videoCall');
    this.closeBtn.setAttribute('aria-label', t('close'));
    this.closeBtn.title = t('close');
    this.panel.setAttribute('aria-label', t('panelLabel'));
    this.brand.textContent = t('poweredBy');
    this.dockKey = null;
  }

  update(s) {
    const t = this.t;
    const wasOpen = this.wrap.dataset.open === 'true';
    this.wrap.dataset.open = String(s.open);
    this.wrap.dataset.mode = s.mode;
    this.wrap.dataset.conn = s.conn;
    this.launcher.setAttribute('aria-expanded', String(s.open));
    this.launcher.setAttribute('aria-label', s.open ? t('launcherClose') : t('launcherOpen'));
    this.badge.textContent = s.unread > 9 ? '9+' : s.unread ? String(s.unread) : '';
    this.badge.hidden = !s.unread || s.open;
    this.updatePeek(s);
    this.panel.setAttribute('aria-hidden', String(!s.open));
    this.panel.inert = !s.open;

    this.updateHeader(s);
    // A fresh conversation opens with a short introduction above the greeting.
    this.intro.hidden = !s.fresh;
    this.introTitle.textContent = (s.settings && s.settings.name) || t('aiTitle');
    this.introSub.textContent = t('introSub');
    this.updateBanner(s);

    const stick = this.nearBottom() || s.forceScroll;
    this.list.render(s.items);
    const typingChanged = this.updateTyping(s);
    const dockChanged = this.updateDock(s);
    if (stick) {
      requestAnimationFrame(() => this.scrollToBottom(wasOpen));
      // The typing row and the dock cards grow with a transition: follow them.
      if (typingChanged || dockChanged) setTimeout(() => this.scrollToBottom(false), 320);
    }

    this.toast.textContent = s.toast ? t(s.toast) : '';
    this.toast.classList.toggle('show', !!s.toast);
    this.composer.hidden = s.mode === 'closed';
    this.brand.hidden = false;
  }

  updatePeek(s) {
    const p = !s.open && s.peek;
    this.peek.hidden = !p;
    if (!p) return (this.peekKey = null);
    const key = p.text + '|' + s.unread;
    if (key === this.peekKey) return;
    this.peekKey = key;
    const name = p.sender === 'ai' ? this.t('aiTitle') : p.name || this.t('manager');
    this.peek.replaceChildren(
      p.sender === 'ai' ? h('span', { class: 'ava ai' }, icon('sparkle')) : h('span', { class: 'ava', text: initials(p.name) }),
      h('span', { class: 'peek-body' }, h('span', { class: 'peek-name', text: name }), h('span', { class: 'peek-text', text: p.text })),
    );
    this.peek.setAttribute('aria-label', `${this.t('newMessage')}: ${name}`);
  }

  updateHeader(s) {
    const t = this.t;
    const manager = s.session && s.session.manager;
    const live = s.mode === 'active' && manager;
    this.avatar.replaceChildren(live ? document.createTextNode(initials(manager.name)) : icon(s.mode === 'waiting' ? 'headset' : 'sparkle'));
    this.avatar.classList.toggle('person', !!live);
    this.title.textContent = live ? manager.name : s.settings && s.settings.name ? s.settings.name : t('aiTitle');
    const sub = {
      ai: t('aiSubtitle'),
      waiting: t('waitingTitle'),
      active: t('managerSubtitle'),
      closed: t('closedTitle'),
    }[s.mode];
    this.subtitle.textContent = s.conn === 'online' || s.conn === 'idle' ? sub : t('connecting');
    this.connDot.title = s.conn === 'online' ? t('online') : t('connecting');
    const calls = s.mode === 'active' && s.callsSupported;
    this.audioBtn.hidden = !calls;
    this.videoBtn.hidden = !calls;
    this.audioBtn.disabled = this.videoBtn.disabled = s.callBusy || s.conn !== 'online';
  }

  updateBanner(s) {
    const t = this.t;
    const show = s.showOffline;
    this.banner.classList.toggle('show', !!show);
    if (show) {
      this.banner.replaceChildren(icon('wifiOff', 'sm'), t(s.conn === 'offline' ? 'reconnecting' : 'connecting'));
    }
  }

  updateTyping(s) {
    const who = s.typing ? this.t('managerTyping', { name: s.typing.name || this.t('manager') }) : s.aiThinking ? this.t('aiTyping') : '';
    const key = who;
    if (this.typingKey === key) return false;
    this.typingKey = key;
    this.typing.classList.toggle('show', !!who);
    if (!who) return true;
    const ai = !s.typing;
    this.typing.replaceChildren(
      ai ? h('div', { class: 'ava ai' }, icon('sparkle')) : h('div', { class: 'ava', text: initials(s.typing.name) }),
      h('div', { class: 'dots' }, h('i'), h('i'), h('i')),
      h('span', { class: 'typing-label', text: who }),
    );
    return true;
  }

  updateDock(s) {
    const t = this.t;
    const q = s.session && s.session.queue_position;
    const eta = s.session && (s.session.estimated_wait_seconds ?? s.session.estimated_wait);
    const key = [s.mode, q, eta, s.requesting, this.t('cancel')].join('|');
    if (key === this.dockKey) return false;
    this.dockKey = key;
    const a = this.actions;
    if (s.mode === 'ai') {
      const btn = h(
        'button',
        { type: 'button', class: 'chip', onclick: () => a.requestManager(), disabled: s.requesting, title: t('withManagerHint') },
        icon('headset', 'sm'),
        t('withManager'),
      );
      this.dock.replaceChildren(h('div', { class: 'dock-row' }, btn));
    } else if (s.mode === 'waiting') {
      let line = t('queueWaiting');
      if (q === 1) line = t('queueNext');
      else if (typeof q === 'number' && q > 1) line = t('queuePosition', { n: q });
      const card = h(
        'div',
        { class: 'card waiting', role: 'status' },
        h('div', { class: 'radar', 'aria-hidden': 'true' }, h('i'), h('i'), h('span', { class: 'radar-core' }, icon('headset'))),
        h(
          'div',
          { class: 'card-text' },
          h('div', { class: 'card-title', text: t('queueSearching') }),
          h('div', { class: 'card-sub queue-pos', text: line }),
          typeof eta === 'number' && eta > 0
            ? h('div', { class: 'card-sub', text: t('queueEta', { m: Math.max(1, Math.round(eta / 60)) }) })
            : null,
          h('button', { type: 'button', class: 'text-btn', 'data-action': 'cancel-wait', onclick: () => a.cancelWaiting(), text: t('cancel') }),
        ),
      );
      this.dock.replaceChildren(card);
    } else if (s.mode === 'closed') {
      const card = h(
        'div',
        { class: 'card closed' },
        h('div', { class: 'card-text' }, h('div', { class: 'card-title', text: t('chatEnded') }), h('div', { class: 'card-sub', text: t('chatEndedHint') })),
        h('button', { type: 'button', class: 'primary', onclick: () => a.newChat(), text: t('newChat') }),
      );
      this.dock.replaceChildren(card);
    } else {
      this.dock.replaceChildren();
    }
    return true;
  }

  /** True when focus is inside the widget (so opening/closing should move it). */
  hasFocus() {
    return this.panel.contains(activeIn(this.panel));
  }
}
