// Sound and desktop notifications. The beep is synthesized with WebAudio (no asset
// files); desktop notifications are shown only while the tab is hidden, since an
// open panel already shows everything.

let audio = null;

/** Browsers allow audio only after a user gesture: call this from one (login, clicks). */
export function unlockAudio() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch { /* no WebAudio: silent */ }
}

/** A short two-tone chime; `tone` picks the pitch (requests higher than messages). */
export function beep(tone = 'message') {
  if (!audio || audio.state !== 'running' || localStorage.getItem('sb.sound') === 'off') return;
  const base = tone === 'request' ? 880 : tone === 'call' ? 660 : 740;
  const t0 = audio.currentTime;
  for (const [i, f] of [base, base * 1.25].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.value = f;
    gain.gain.setValueAtTime(0.0001, t0 + i * 0.12);
    gain.gain.exponentialRampToValueAtTime(0.15, t0 + i * 0.12 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.12 + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(t0 + i * 0.12);
    osc.stop(t0 + i * 0.12 + 0.22);
  }
}

export function soundEnabled() {
  return localStorage.getItem('sb.sound') !== 'off';
}

export function setSound(on) {
  localStorage.setItem('sb.sound', on ? 'on' : 'off');
}

export function notificationsSupported() {
  return typeof Notification !== 'undefined';
}

export function askNotificationPermission() {
  if (notificationsSupported() && Notification.permission === 'default') Notification.requestPermission().catch(() => {});
}

/** A desktop notification while the tab is hidden; clicking it focuses the panel. */
export function notify(title, body, tag, onClick) {
  if (!document.hidden || !notificationsSupported() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body: body || '', tag, renotify: true });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
  } catch { /* some browsers only allow notifications from a service worker */ }
}
