// The call UI: the incoming-call dialog (inside the panel) and the call modal
// (remote video large, local video small, mic/camera toggles, hang-up, timer).
// `render(state)` follows the CallController's state; both dialogs keep
// keyboard focus inside while open.

import { h, fill, initials } from './dom.js';
import { icon } from './icons.js';
import { trapFocus } from './focus.js';

function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.slice(-2)}:${ss}` : `${mm}:${ss}`;
}

export class CallView {
  /** `overlay` sits inside the panel (incoming dialog); `stage` is the widget root (modal). */
  constructor({ overlay, stage, actions }) {
    this.overlay = overlay;
    this.stage = stage;
    this.actions = actions;
    this.t = (k) => k;
    this.peer = { name: '' };
    this.timer = null;
    this.release = null;
    this.shown = null; // 'incoming' | 'modal' | null
  }

  setLocale(t) {
    this.t = t;
    if (this.last) this.render(this.last, true);
  }

  render(st, force) {
    this.last = st;
    const want = st.phase === 'idle' ? null : st.phase === 'incoming' ? 'incoming' : 'modal';
    if (want !== this.shown || force) {
      this.teardown();
      this.shown = want;
      if (want === 'incoming') this.buildIncoming(st);
      if (want === 'modal') this.buildModal(st);
    }
    if (want === 'modal') this.updateModal(st);
  }

  teardown() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.release) this.release();
    this.release = null;
    this.overlay.replaceChildren();
    this.overlay.classList.remove('show');
    if (this.modal) this.modal.remove();
    this.modal = null;
  }

  buildIncoming(st) {
    const t = this.t;
    const a = this.actions;
    const video = st.media === 'video';
    const dlg = h(
      'div',
      { class: 'incoming', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'sb-inc-title' },
      h('div', { class: 'ring-ava' }, h('i'), h('i'), h('span', { text: initials(this.peer.name) })),
      h('div', { class: 'inc-title', id: 'sb-inc-title', text: t(video ? 'incomingVideo' : 'incomingAudio') }),
      h('div', { class: 'inc-sub', text: this.peer.name || t('manager') }),
      h(
        'div',
        { class: 'inc-actions' },
        h('button', { type: 'button', class: 'round danger', 'data-action': 'decline', 'aria-label': t('decline'), onclick: () => a.decline() }, icon('hangup')),
        h('button', { type: 'button', class: 'round ok', 'data-action': 'accept', 'aria-label': t('accept'), onclick: () => a.accept() }, icon(video ? 'video' : 'phone')),
      ),
      h('div', { class: 'inc-labels', 'aria-hidden': 'true' }, h('span', { text: t('decline') }), h('span', { text: t('accept') })),
    );
    this.overlay.append(dlg);
    this.overlay.classList.add('show');
    this.release = trapFocus(dlg, { initial: '[data-action="accept"]' });
  }

  buildModal(st) {
    const t = this.t;
    const a = this.actions;
    this.remoteVideo = h('video', { class: 'remote', autoplay: true, playsinline: true });
    this.localVideo = h('video', { class: 'local', autoplay: true, playsinline: true });
    this.localVideo.muted = true;
    this.status = h('div', { class: 'call-status', 'aria-live': 'polite' });
    this.timerEl = h('div', { class: 'call-timer', text: '00:00' });
    this.micBtn = h('button', { type: 'button', class: 'round glass', 'data-action': 'mic', onclick: () => a.toggleMic() });
    this.camBtn = h('button', { type: 'button', class: 'round glass', 'data-action': 'cam', onclick: () => a.toggleCam() });
    this.hangBtn = h('button', { type: 'button', class: 'round danger', 'data-action': 'hangup', 'aria-label': t('hangUp'), title: t('hangUp'), onclick: () => a.hangup() }, icon('hangup'));
    this.notice = h('div', { class: 'call-notice', role: 'alert' });
    this.modal = h(
      'div',
      { class: 'call-backdrop' },
      h(
        'div',
        { class: 'call', role: 'dialog', 'aria-modal': 'true', 'aria-label': t(st.media === 'video' ? 'videoCall' : 'audioCall') },
        h(
          'div',
          { class: 'call-stage' },
          this.remoteVideo,
          h('div', { class: 'persona' }, h('div', { class: 'ring-ava big' }, h('i'), h('i'), h('span', { text: initials(this.peer.name) })), h('div', { class: 'persona-name', text: this.peer.name || t('manager') }), this.status),
          this.localVideo,
          h('div', { class: 'call-top' }, h('span', { class: 'rec-dot' }), this.timerEl),
          this.notice,
        ),
        h('div', { class: 'call-bar' }, this.micBtn, this.camBtn, this.hangBtn),
      ),
    );
    this.stage.append(this.modal);
    this.release = trapFocus(this.modal, { initial: '[data-action="hangup"]' });
    this.timer = setInterval(() => this.tick(), 250);
  }

  tick() {
    const st = this.last;
    if (st && st.startedAt) this.timerEl.textContent = clock(Date.now() - st.startedAt);
  }

  updateModal(st) {
    const t = this.t;
    const root = this.modal.querySelector('.call');
    root.dataset.phase = st.phase;
    root.dataset.media = st.media || 'video';
    root.dataset.remoteVideo = String(!!(st.remote && st.remote.getVideoTracks().length));
    if (st.remote && this.remoteVideo.srcObject !== st.remote) this.remoteVideo.srcObject = st.remote;
    if (st.local && this.localVideo.srcObject !== st.local) this.localVideo.srcObject = st.local;
    this.localVideo.hidden = st.media !== 'video' || !st.local;
    const statusKey = { outgoing: 'calling', connecting: 'callConnecting', active: 'callActive' }[st.phase];
    this.status.textContent = statusKey ? t(statusKey) : '';
    this.tick();
    this.micBtn.replaceChildren(icon(st.micOn ? 'mic' : 'micOff'));
    this.micBtn.setAttribute('aria-label', t(st.micOn ? 'micOn' : 'micOff'));
    this.micBtn.setAttribute('aria-pressed', String(!st.micOn));
    this.micBtn.title = t(st.micOn ? 'micOn' : 'micOff');
    this.camBtn.replaceChildren(icon(st.camOn ? 'video' : 'videoOff'));
    this.camBtn.setAttribute('aria-label', t(st.camOn ? 'camOn' : 'camOff'));
    this.camBtn.setAttribute('aria-pressed', String(!st.camOn));
    this.camBtn.title = t(st.camOn ? 'camOn' : 'camOff');
    this.camBtn.hidden = st.media !== 'video';
    const over = st.phase === 'ended' || st.phase === 'error';
    this.micBtn.disabled = this.camBtn.disabled = over;
    this.hangBtn.hidden = over;
    if (over) {
      // fill() skips the missing button (replaceChildren would print "null").
      fill(
        this.notice,
        icon(st.phase === 'error' ? 'alert' : 'phone'),
        h('p', { text: t(st.notice || 'callFinished') }),
        st.phase === 'error' ? h('button', { type: 'button', class: 'primary', 'data-action': 'dismiss', onclick: () => this.actions.dismiss(), text: t('dismiss') }) : null,
      );
      this.notice.classList.add('show');
      if (st.phase === 'error') setTimeout(() => this.modal && this.modal.querySelector('[data-action="dismiss"]')?.focus(), 30);
    } else {
      this.notice.classList.remove('show');
    }
  }
}
