// Every user-facing string of the panel, in Russian and English, and the formatting
// of times. `t(key, vars)` substitutes {name} placeholders.

const STRINGS = {
  en: {
    'app.name': 'Switchboard',
    'app.tagline': 'Support inbox',
    'login.title': 'Sign in to your inbox',
    'login.subtitle': 'Use the email and password your admin gave you.',
    'login.email': 'Email',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.busy': 'Signing in…',
    'login.failed': 'Wrong email or password.',
    'login.rate_limited': 'Too many attempts. Try again in {s} s.',
    'login.network': 'Cannot reach the server. Check your connection.',
    'login.expired': 'Your session has ended. Please sign in again.',
    'nav.inbox': 'Inbox',
    'nav.team': 'Team',
    'nav.settings': 'Site settings',
    'nav.faq': 'AI answers',
    'nav.logout': 'Sign out',
    'nav.language': 'Language',
    'nav.sound_on': 'Sound on',
    'nav.sound_off': 'Sound off',
    'presence.online': 'Online',
    'presence.away': 'Away',
    'presence.toggle': 'Availability: {status}. Press to change.',
    'conn.connecting': 'Connecting…',
    'conn.offline': 'Reconnecting… Messages will be sent when the connection is back.',
    'stats.waiting': 'Waiting',
    'stats.online': 'Online',
    'stats.active': 'Active',
    'queue.title': 'Queue',
    'queue.empty': 'Nobody is waiting. New requests appear here.',
    'queue.accept': 'Accept',
    'queue.accept_oldest': 'Accept the oldest request',
    'queue.waiting_n': 'Visitors waiting: {n}',
    'queue.accepting': 'Accepting…',
    'queue.waiting_for': 'waiting {time}',
    'queue.no_preview': 'No message yet',
    'queue.taken': 'Another manager has already taken this chat.',
    'queue.full': 'You already have as many chats as you can hold. Close one first.',
    'chats.title': 'My chats',
    'chats.empty': 'Chats you accept appear here.',
    'chats.closed': 'Closed',
    'chat.none_title': 'No chat selected',
    'chat.none_body': 'Accept a request from the queue or pick one of your chats.',
    'chat.loading': 'Loading conversation…',
    'chat.load_failed': 'Could not load this conversation.',
    'chat.retry': 'Try again',
    'chat.placeholder': 'Write a reply… (Enter to send, Shift+Enter for a new line)',
    'chat.send': 'Send',
    'chat.close': 'Close chat',
    'chat.close_confirm': 'Close this conversation? The visitor will see it ended.',
    'chat.dismiss': 'Remove from list',
    'chat.closed_banner': 'This conversation is closed.',
    'chat.typing': '{name} is typing…',
    'chat.sending': 'Sending…',
    'chat.failed': 'Not sent',
    'chat.resend': 'Retry',
    'chat.ai_part': 'Conversation with the AI assistant',
    'chat.visitor': 'Visitor',
    'chat.ai': 'AI assistant',
    'chat.you': 'You',
    'chat.audio_call': 'Audio call',
    'chat.video_call': 'Video call',
    'chat.messages': 'Conversation',
    'details.title': 'Details',
    'details.visitor': 'Visitor',
    'details.name': 'Name',
    'details.email': 'Email',
    'details.started': 'Started',
    'details.requested': 'Asked for a manager',
    'details.accepted': 'Accepted',
    'details.status': 'Status',
    'details.summary': 'AI handoff summary',
    'details.no_summary': 'No AI summary for this conversation.',
    'status.ai': 'With AI',
    'status.waiting': 'Waiting',
    'status.active': 'Active',
    'status.closed': 'Closed',
    'call.incoming_video': 'Incoming video call',
    'call.incoming_audio': 'Incoming audio call',
    'call.accept': 'Answer',
    'call.decline': 'Decline',
    'call.calling': 'Calling {name}…',
    'call.connecting': 'Connecting…',
    'call.connected': 'Connected',
    'call.mute': 'Mute microphone',
    'call.unmute': 'Unmute microphone',
    'call.cam_off': 'Turn camera off',
    'call.cam_on': 'Turn camera on',
    'call.hangup': 'Hang up',
    'call.ended.hangup': 'Call ended.',
    'call.ended.declined': 'The visitor declined the call.',
    'call.ended.disconnected': 'Call ended: the other side lost connection.',
    'call.ended.missed': 'Missed call.',
    'call.failed': 'The call could not be set up.',
    'call.no_media': 'No camera or microphone available (or access was refused).',
    'call.audio_only': 'Audio call',
    'alert.request': 'New chat request',
    'alert.message': 'New message from {name}',
    'alert.assigned': 'A chat was assigned to you',
    'alert.call': 'Incoming call from {name}',
    'team.title': 'Team',
    'team.subtitle': 'Managers who answer this site’s visitors.',
    'team.name': 'Name',
    'team.email': 'Email',
    'team.role': 'Role',
    'team.max_chats': 'Max chats',
    'team.unlimited': 'No limit',
    'team.add': 'Add a manager',
    'team.password': 'Initial password',
    'team.password_hint': 'At least 8 characters. Share it privately.',
    'team.create': 'Create manager',
    'team.created': 'Manager {name} created.',
    'team.taken': 'This email is already in use.',
    'team.you': 'you',
    'role.admin': 'Admin',
    'role.manager': 'Manager',
    'settings.title': 'Site settings',
    'settings.subtitle': 'How the widget behaves on your website.',
    'settings.name': 'Site name',
    'settings.key': 'Site key',
    'settings.key_hint': 'used in the widget snippet below',
    'settings.origins': 'Allowed origins',
    'settings.origins_hint': 'One per line, e.g. https://shop.example.com. The widget works only there.',
    'settings.routing': 'Routing',
    'settings.routing_manual': 'Manual — managers pick requests from the queue',
    'settings.routing_auto': 'Automatic — assign to the least busy online manager',
    'settings.greeting': 'Greeting',
    'settings.greeting_hint': 'The first thing visitors see when they open the chat.',
    'settings.locale': 'Widget language',
    'settings.save': 'Save changes',
    'settings.saved': 'Settings saved.',
    'settings.snippet': 'Embed code',
    'faq.title': 'AI answers',
    'faq.subtitle': 'The assistant answers visitors from these entries before a manager joins.',
    'faq.questions': 'Questions',
    'faq.questions_hint': 'One phrasing per line.',
    'faq.answer': 'Answer',
    'faq.add': 'Add entry',
    'faq.added': 'Entry added.',
    'faq.delete': 'Delete',
    'faq.delete_confirm': 'Delete this entry?',
    'faq.empty': 'No entries yet. Add the questions your visitors ask most.',
    'admin.only': 'Only admins can change this.',
    'error.generic': 'Something went wrong: {message}',
    'error.validation_failed': 'Please check the fields: {message}',
    'error.forbidden': 'You are not allowed to do this.',
    'error.not_found': 'It no longer exists.',
    'error.unavailable': 'The service is temporarily unavailable. Try again shortly.',
    'error.rate_limited': 'Too many requests. Try again shortly.',
    'error.offline': 'No connection to the server.',
    'time.now': 'just now',
    'common.cancel': 'Cancel',
    'common.loading': 'Loading…',
    'common.refresh': 'Refresh',
    'keys.hint': 'Alt+↑/↓ switch chats · Alt+A accept the oldest request · Esc closes dialogs',
  },
  ru: {
    'app.name': 'Switchboard',
    'app.tagline': 'Входящие поддержки',
    'login.title': 'Вход во входящие',
    'login.subtitle': 'Email и пароль выдаёт администратор.',
    'login.email': 'Email',
    'login.password': 'Пароль',
    'login.submit': 'Войти',
    'login.busy': 'Входим…',
    'login.failed': 'Неверный email или пароль.',
    'login.rate_limited': 'Слишком много попыток. Повторите через {s} с.',
    'login.network': 'Сервер недоступен. Проверьте подключение.',
    'login.expired': 'Сеанс завершён. Войдите снова.',
    'nav.inbox': 'Входящие',
    'nav.team': 'Команда',
    'nav.settings': 'Настройки сайта',
    'nav.faq': 'Ответы ИИ',
    'nav.logout': 'Выйти',
    'nav.language': 'Язык',
    'nav.sound_on': 'Звук включён',
    'nav.sound_off': 'Звук выключен',
    'presence.online': 'В сети',
    'presence.away': 'Отошёл',
    'presence.toggle': 'Статус: {status}. Нажмите, чтобы сменить.',
    'conn.connecting': 'Подключение…',
    'conn.offline': 'Переподключаемся… Сообщения уйдут, когда связь вернётся.',
    'stats.waiting': 'Ждут',
    'stats.online': 'В сети',
    'stats.active': 'Активных',
    'queue.title': 'Очередь',
    'queue.empty': 'Никто не ждёт. Новые обращения появятся здесь.',
    'queue.accept': 'Принять',
    'queue.accept_oldest': 'Принять самое старое обращение',
    'queue.waiting_n': 'Ждут ответа: {n}',
    'queue.accepting': 'Принимаем…',
    'queue.waiting_for': 'ждёт {time}',
    'queue.no_preview': 'Сообщений пока нет',
    'queue.taken': 'Этот чат уже принял другой менеджер.',
    'queue.full': 'У вас максимум чатов. Сначала закройте один.',
    'chats.title': 'Мои чаты',
    'chats.empty': 'Принятые чаты появятся здесь.',
    'chats.closed': 'Закрыт',
    'chat.none_title': 'Чат не выбран',
    'chat.none_body': 'Примите обращение из очереди или выберите один из своих чатов.',
    'chat.loading': 'Загружаем переписку…',
    'chat.load_failed': 'Не удалось загрузить переписку.',
    'chat.retry': 'Повторить',
    'chat.placeholder': 'Ответ… (Enter — отправить, Shift+Enter — новая строка)',
    'chat.send': 'Отправить',
    'chat.close': 'Закрыть чат',
    'chat.close_confirm': 'Закрыть разговор? Посетитель увидит, что он завершён.',
    'chat.dismiss': 'Убрать из списка',
    'chat.closed_banner': 'Разговор закрыт.',
    'chat.typing': '{name} печатает…',
    'chat.sending': 'Отправка…',
    'chat.failed': 'Не отправлено',
    'chat.resend': 'Повторить',
    'chat.ai_part': 'Разговор с ИИ-ассистентом',
    'chat.visitor': 'Посетитель',
    'chat.ai': 'ИИ-ассистент',
    'chat.you': 'Вы',
    'chat.audio_call': 'Аудиозвонок',
    'chat.video_call': 'Видеозвонок',
    'chat.messages': 'Переписка',
    'details.title': 'Детали',
    'details.visitor': 'Посетитель',
    'details.name': 'Имя',
    'details.email': 'Email',
    'details.started': 'Начат',
    'details.requested': 'Позвал менеджера',
    'details.accepted': 'Принят',
    'details.status': 'Статус',
    'details.summary': 'Сводка ИИ при передаче',
    'details.no_summary': 'У этого разговора нет сводки ИИ.',
    'status.ai': 'С ИИ',
    'status.waiting': 'Ждёт',
    'status.active': 'Активен',
    'status.closed': 'Закрыт',
    'call.incoming_video': 'Входящий видеозвонок',
    'call.incoming_audio': 'Входящий аудиозвонок',
    'call.accept': 'Ответить',
    'call.decline': 'Отклонить',
    'call.calling': 'Звоним: {name}…',
    'call.connecting': 'Соединение…',
    'call.connected': 'На связи',
    'call.mute': 'Выключить микрофон',
    'call.unmute': 'Включить микрофон',
    'call.cam_off': 'Выключить камеру',
    'call.cam_on': 'Включить камеру',
    'call.hangup': 'Завершить',
    'call.ended.hangup': 'Звонок завершён.',
    'call.ended.declined': 'Посетитель отклонил звонок.',
    'call.ended.disconnected': 'Звонок прерван: собеседник потерял связь.',
    'call.ended.missed': 'Пропущенный звонок.',
    'call.failed': 'Не удалось установить звонок.',
    'call.no_media': 'Нет камеры или микрофона (или доступ запрещён).',
    'call.audio_only': 'Аудиозвонок',
    'alert.request': 'Новое обращение',
    'alert.message': 'Новое сообщение: {name}',
    'alert.assigned': 'Вам назначен чат',
    'alert.call': 'Входящий звонок: {name}',
    'team.title': 'Команда',
    'team.subtitle': 'Менеджеры, которые отвечают посетителям сайта.',
    'team.name': 'Имя',
    'team.email': 'Email',
    'team.role': 'Роль',
    'team.max_chats': 'Макс. чатов',
    'team.unlimited': 'Без ограничения',
    'team.add': 'Добавить менеджера',
    'team.password': 'Начальный пароль',
    'team.password_hint': 'Не короче 8 символов. Передайте его лично.',
    'team.create': 'Создать менеджера',
    'team.created': 'Менеджер {name} создан.',
    'team.taken': 'Этот email уже занят.',
    'team.you': 'вы',
    'role.admin': 'Администратор',
    'role.manager': 'Менеджер',
    'settings.title': 'Настройки сайта',
    'settings.subtitle': 'Как виджет ведёт себя на вашем сайте.',
    'settings.name': 'Название сайта',
    'settings.key': 'Ключ сайта',
    'settings.key_hint': 'используется в коде виджета ниже',
    'settings.origins': 'Разрешённые адреса',
    'settings.origins_hint': 'По одному в строке, например https://shop.example.com. Виджет работает только там.',
    'settings.routing': 'Распределение',
    'settings.routing_manual': 'Вручную — менеджеры берут обращения из очереди',
    'settings.routing_auto': 'Автоматически — наименее занятому менеджеру в сети',
    'settings.greeting': 'Приветствие',
    'settings.greeting_hint': 'Первое, что видит посетитель, открыв чат.',
    'settings.locale': 'Язык виджета',
    'settings.save': 'Сохранить',
    'settings.saved': 'Настройки сохранены.',
    'settings.snippet': 'Код для вставки',
    'faq.title': 'Ответы ИИ',
    'faq.subtitle': 'По этим записям ассистент отвечает посетителям до подключения менеджера.',
    'faq.questions': 'Вопросы',
    'faq.questions_hint': 'По одной формулировке в строке.',
    'faq.answer': 'Ответ',
    'faq.add': 'Добавить запись',
    'faq.added': 'Запись добавлена.',
    'faq.delete': 'Удалить',
    'faq.delete_confirm': 'Удалить запись?',
    'faq.empty': 'Записей пока нет. Добавьте самые частые вопросы посетителей.',
    'admin.only': 'Изменять может только администратор.',
    'error.generic': 'Что-то пошло не так: {message}',
    'error.validation_failed': 'Проверьте поля: {message}',
    'error.forbidden': 'У вас нет прав на это действие.',
    'error.not_found': 'Этого больше нет.',
    'error.unavailable': 'Сервис временно недоступен. Повторите чуть позже.',
    'error.rate_limited': 'Слишком много запросов. Повторите чуть позже.',
    'error.offline': 'Нет связи с сервером.',
    'time.now': 'только что',
    'common.cancel': 'Отмена',
    'common.loading': 'Загрузка…',
    'common.refresh': 'Обновить',
    'keys.hint': 'Alt+↑/↓ — переключить чат · Alt+A — принять самое старое обращение · Esc — закрыть окно',
  },
};

export const LOCALES = ['ru', 'en'];
let locale = pickLocale();

function pickLocale() {
  const saved = localStorage.getItem('sb.locale');
  if (LOCALES.includes(saved)) return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function getLocale() {
  return locale;
}

export function setLocale(next) {
  if (!LOCALES.includes(next)) return;
  locale = next;
  localStorage.setItem('sb.locale', next);
  document.documentElement.lang = next;
}

export function t(key, vars = {}) {
  const s = STRINGS[locale][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? `{${k}}`));
}

/** A message for an ApiError / AckError, in the current language. */
export function errorText(err) {
  const code = err?.code;
  if (code === 'network') return t('error.offline');
  const key = `error.${code}`;
  if (STRINGS.en[key]) return t(key, { message: err.message || '' });
  return t('error.generic', { message: err?.message || String(err) });
}

/** "5 s", "3 min", "1 h 20 min": how long someone has been waiting. */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const ru = locale === 'ru';
  if (s < 60) return ru ? `${s} с` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return ru ? `${m} мин` : `${m}m`;
  const hh = Math.floor(m / 60);
  return ru ? `${hh} ч ${m % 60} мин` : `${hh}h ${m % 60}m`;
}

/** mm:ss or h:mm:ss, for the call timer. */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return (h ? `${h}:${pad(Math.floor(s / 60) % 60)}` : `${Math.floor(s / 60)}`) + `:${pad(s % 60)}`;
}

export function timeOfDay(iso) {
  return new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

export function dateTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** "Today", "Yesterday" or a date: the day separators of a conversation. */
export function dayLabel(iso) {
  const d = new Date(iso);
  const today = new Date();
  const startOf = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((startOf(today) - startOf(d)) / 86400000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (diff === 0 || diff === 1) return capitalize(rtf.format(-diff, 'day'));
  return d.toLocaleDateString(locale, { day: 'numeric', month: 'long', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' });
}

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
