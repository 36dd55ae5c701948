// The incoming-call dialog and the call modal (remote video large, local small,
// mic/camera toggles, hang-up, timer). Video elements are created once per call
// and only their srcObject changes, so redraws never interrupt playback.

import { h, icon, replace } from '../dom.js';
import { t, clock, errorText } from '../i18n.js';
import { toast, visitorName, visitorAvatar } from './widgets.js';

export function callLayer(ctx) {
  const { store } = ctx;
  const layer = h('div', { class: 'call-layer' });
  let modal = null; // {root, remote, local, status, controls, timer, callKey}
  let ringing = null;

  const nameOf = (sessionId) => {
    const chat = store.state.chats.get(sessionId);
    return visitorName(chat?.visitor, chat?.session.visitor_id || sessionId);
  };
  const avatarOf = (sessionId, cls) => {
    const chat = store.state.chats.get(sessionId);
    return visitorAvatar(chat?.visitor, chat?.session.visitor_id || sessionId, cls);
  };

  const drawIncoming = () => {
    const call = store.state.incoming;
    if (!call) {
      ringing?.remove();
      ringing = null;
      return;
    }
    if (ringing?.dataset.callId === call.id) return;
    ringing?.remove();
    const name = nameOf(call.session_id);
    const answer = h('button', { type: 'button', class: 'btn btn-success', attrs: { 'data-action': 'answer' }, on: { click: () => answerCall(ctx) } }, icon(call.media === 'video' ? 'video' : 'phone', 16), t('call.accept'));
    ringing = h('div', { class: 'incoming', attrs: { role: 'alertdialog', 'aria-labelledby': 'incoming-title', 'aria-describedby': 'incoming-from' }, dataset: { callId: call.id } },
      h('div', { class: 'incoming-pulse' }, avatarOf(call.session_id, 'lg')),
      h('div', { class: 'incoming-text' },
        h('div', { id: 'incoming-title', class: 'incoming-title' }, t(call.media === 'video' ? 'call.incoming_video' : 'call.incoming_audio')),
        h('div', { id: 'incoming-from', class: 'muted' }, name)),
      h('div', { class: 'incoming-actions' },
        h('button', { type: 'button', class: 'btn btn-danger', attrs: { 'data-action': 'decline' }, on: { click: () => ctx.calls.declineIncoming() } }, icon('phoneOff', 16), t('call.decline')),
        answer),
    );
    ringing.addEventListener('keydown', (ev) => ev.key === 'Escape' && ctx.calls.declineIncoming());
    layer.append(ringing);
    answer.focus();
  };

  const drawCall = () => {
    const call = store.state.call;
    if (!call) {
      modal?.root.remove();
      modal = null;
      return;
    }
    const fresh = !modal;
    if (fresh) modal = buildModal(ctx, nameOf(call.session_id), avatarOf(call.session_id, 'xl'));
    if (!modal.root.isConnected) layer.append(modal.root);
    if (modal.local.srcObject !== call.local) modal.local.srcObject = call.local;
    if (call.remote && modal.remote.srcObject !== call.remote) {
      modal.remote.srcObject = call.remote;
      modal.remote.play().catch(() => {});
    }
    modal.root.dataset.phase = call.phase;
    modal.root.classList.toggle('audio-only', call.media !== 'video');
    modal.status.textContent = call.phase === 'calling' ? t('call.calling', { name: nameOf(call.session_id) })
      : call.phase === 'connecting' ? t('call.connecting') : t('call.connected');
    modal.timer.dataset.startedAt = call.startedAt ? String(call.startedAt) : '';
    modal.timer.textContent = call.startedAt ? clock(Date.now() - call.startedAt) : '';
    const focused = modal.controls.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    replace(modal.controls,
      toggleBtn('mic', call.mic, 'mic', 'micOff', t(call.mic ? 'call.mute' : 'call.unmute'), () => ctx.calls.toggle('mic')),
      call.media === 'video' && toggleBtn('cam', call.cam, 'video', 'videoOff', t(call.cam ? 'call.cam_off' : 'call.cam_on'), () => ctx.calls.toggle('cam')),
      h('button', { type: 'button', class: 'round-btn hangup', attrs: { 'aria-label': t('call.hangup'), title: t('call.hangup'), 'data-action': 'hangup' }, on: { click: () => ctx.calls.hangup() } }, icon('phoneOff', 22)),
    );
    // Keyboard users land on hang-up; a focused control keeps focus across redraws.
    if (focused) modal.controls.querySelector(`[data-action="${focused}"]`)?.focus();
    else if (fresh) modal.controls.querySelector('.hangup').focus();
  };

  drawIncoming();
  drawCall();
  ctx.subscribe(store.on('call', () => {
    drawIncoming();
    drawCall();
  }));
  return layer;
}

async function answerCall(ctx) {
  try {
    await ctx.calls.acceptIncoming();
  } catch (err) {
    toast(err.code === 'no_media' || err.name === 'NotAllowedError' || err.name === 'NotFoundError' ? t('call.no_media') : errorText(err), 'error');
  }
}

function toggleBtn(action, on, iconOn, iconOff, label, onClick) {
  return h('button', { type: 'button', class: ['round-btn', !on && 'off'], attrs: { 'aria-label': label, title: label, 'aria-pressed': String(!on), 'data-action': action }, on: { click: onClick } }, icon(on ? iconOn : iconOff, 20));
}

function buildModal(ctx, name, face) {
  const remote = h('video', { class: 'remote-video', autoplay: true, playsInline: true });
  const local = h('video', { class: 'local-video', autoplay: true, playsInline: true, muted: true });
  const status = h('div', { class: 'call-status' });
  const timer = h('div', { class: 'call-timer', attrs: { 'aria-live': 'off' } });
  const controls = h('div', { class: 'call-controls' });
  const root = h('div', { class: 'call-modal', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': name } },
    h('div', { class: 'call-stage' },
      remote,
      h('div', { class: 'call-placeholder' }, face, h('div', { class: 'call-name' }, name)),
      local,
      h('div', { class: 'call-top' }, h('div', {}, h('div', { class: 'call-name-small' }, name), status), timer),
    ),
    controls,
  );
  root.addEventListener('keydown', (ev) => ev.key === 'Escape' && ctx.calls.hangup());
  return { root, remote, local, status, timer, controls };
}
