// Boot: restore the saved sign-in (or show the login), start the live clients,
// wire alerts, and handle logout. The transport is passed in, so the same app runs
// against the server (main.js) or canned data (dev/preview.js).

import { Store, initialState } from './store.js';
import { createApi } from './api.js';
import { ChatClient } from './chat-client.js';
import { CallClient } from './call.js';
import { t, setLocale, getLocale, errorText } from './i18n.js';
import { beep, notify, unlockAudio, askNotificationPermission } from './alerts.js';
import { replace } from './dom.js';
import { loginView } from './views/login.js';
import { shellView } from './views/shell.js';
import { toast, visitorName } from './views/widgets.js';

const AUTH_KEY = 'sb.auth';

/**
 * transport: {request(method, path, {token, body}), socket(namespace, token)}
 * where socket() returns an unconnected socket.io-client Socket (autoConnect off).
 */
export function boot(root, transport) {
  const store = new Store(initialState());
  const api = createApi(transport.request, () => store.state.token, () => expire());
  let live = null; // {chat, calls, shell}
  setLocale(getLocale());

  const showLogin = (notice) => {
    replace(root, loginView({
      notice,
      onLocale: (l) => {
        setLocale(l);
        showLogin();
      },
      onSubmit: async (email, password) => {
        unlockAudio();
        askNotificationPermission();
        const reply = await api.login(email, password);
        localStorage.setItem(AUTH_KEY, JSON.stringify({ token: reply.token, manager: reply.manager, ice_servers: reply.ice_servers || [] }));
        start(reply.token, reply.manager, reply.ice_servers || []);
      },
    }));
  };

  const stop = () => {
    if (!live) return;
    live.chat.stop();
    live.calls.stop();
    live.shell.dispose();
    live = null;
  };

  const expire = () => {
    if (!store.state.token) return; // already signed out
    stop();
    localStorage.removeItem(AUTH_KEY);
    Object.assign(store.state, initialState());
    showLogin(t('login.expired'));
  };

  const logout = async () => {
    try {
      live?.calls.hangup();
      await api.logout(); // revokes the token on every node
    } catch { /* already invalid: nothing to revoke */ }
    if (!store.state.token) return; // the 401 hook already signed out
    stop();
    localStorage.removeItem(AUTH_KEY);
    Object.assign(store.state, initialState());
    showLogin();
  };

  const start = (token, manager, iceServers) => {
    Object.assign(store.state, initialState(), { token, me: manager, iceServers, presence: localStorage.getItem('sb.presence') === 'away' ? 'away' : 'online' });
    const chat = new ChatClient(store, api, transport.socket('/chat', token), { onAlert: (kind, data) => alert(store, kind, data), onUnauthorized: expire });
    const calls = new CallClient(store, api, transport.socket('/call', token), {
      onIncoming: (call) => alert(store, 'call', call),
      onEnded: (reason) => {
        const known = ['hangup', 'declined', 'disconnected', 'missed'].includes(reason) ? reason : 'hangup';
        toast(t(`call.ended.${known}`), known === 'hangup' ? 'info' : 'error');
      },
      onError: () => toast(t('call.failed'), 'error'),
    });
    const startCall = async (sessionId, media) => {
      try {
        await calls.invite(sessionId, media);
      } catch (err) {
        toast(err.code === 'no_media' || err.name === 'NotAllowedError' || err.name === 'NotFoundError' ? t('call.no_media') : errorText(err), 'error');
      }
    };
    const mount = () => {
      live?.shell?.dispose();
      const shell = shellView({ store, api, chat, calls, logout, startCall, relocalize: () => { live.shell = mount(); } });
      replace(root, shell.el);
      return shell;
    };
    live = { chat, calls, shell: null };
    live.shell = mount();
    chat.start();
    calls.start();
    // The saved manager may be stale (role changed, token revoked elsewhere).
    api.me().then(({ manager }) => {
      store.state.me = manager;
    }).catch(() => {}); // a 401 signs out through the api hook
  };

  const saved = readSaved();
  if (saved) start(saved.token, saved.manager, saved.ice_servers);
  else showLogin();
  return { store, api, get live() { return live; } };
}

function readSaved() {
  try {
    const saved = JSON.parse(localStorage.getItem(AUTH_KEY));
    return saved?.token && saved?.manager ? saved : null;
  } catch {
    return null;
  }
}

/** Sound for everything new; a desktop notification when the tab is hidden. */
function alert(store, kind, data) {
  const focusChat = (id) => { location.hash = `#/inbox/${id}`; };
  if (kind === 'request' || kind === 'request-preview') {
    if (kind === 'request') beep('request');
    // Same tag: the preview, when it comes, replaces the first notification.
    notify(t('alert.request'), `${visitorName(data.visitor, data.session_id)}: ${data.preview || ''}`, `q-${data.session_id}`);
  } else if (kind === 'message') {
    const { chat, message } = data;
    const looking = !document.hidden && store.state.current === chat.session.id;
    if (!looking) beep('message');
    notify(t('alert.message', { name: visitorName(chat.visitor, chat.session.visitor_id) }), message.text, `m-${chat.session.id}`, () => focusChat(chat.session.id));
  } else if (kind === 'assigned') {
    beep('request');
    notify(t('alert.assigned'), '', `a-${data.chat.session.id}`, () => focusChat(data.chat.session.id));
  } else if (kind === 'call') {
    beep('call');
    const chat = store.state.chats.get(data.session_id);
    notify(t('alert.call', { name: visitorName(chat?.visitor, chat?.session.visitor_id || data.session_id) }), '', `c-${data.id}`, () => focusChat(data.session_id));
  }
}
