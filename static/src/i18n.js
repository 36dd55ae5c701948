// Every user-visible string of the widget, in both languages, in one place.
// `t(key, params)` fills `{name}` placeholders; a missing key falls back to
// Russian, then to the key itself, so a typo never throws into the host page.

const STRINGS = {
  ru: {
    launcherOpen: 'Открыть чат поддержки',
    launcherClose: 'Свернуть чат',
    panelLabel: 'Чат поддержки',
    close: 'Свернуть',
    aiTitle: 'Ассистент',
    aiSubtitle: 'Отвечает мгновенно',
    waitingTitle: 'Ищем менеджера',
    waitingSubtitle: 'Обычно отвечаем за пару минут',
    managerSubtitle: 'Личный менеджер',
    closedTitle: 'Чат завершён',
    closedSubtitle: 'Спасибо за обращение',
    defaultGreeting: 'Здравствуйте! Я виртуальный ассистент. Задайте вопрос — отвечу сразу, а если понадобится, подключу менеджера.',
    introSub: 'Ассистент ответит сразу, а личный менеджер подключится по кнопке «С\u00a0менеджером»',
    placeholder: 'Напишите сообщение…',
    send: 'Отправить',
    withManager: 'С менеджером',
    withManagerHint: 'Позвать живого человека',
    queueSearching: 'Подключаем менеджера',
    queuePosition: 'Вы {n}-й в очереди',
    queueNext: 'Вы следующий в очереди',
    queueEta: 'Примерно {m} мин',
    queueWaiting: 'Ждём свободного менеджера',
    cancel: 'Отменить',
    managerJoined: 'Подключился личный менеджер',
    managerRequested: 'Вы попросили подключить менеджера',
    sessionClosed: 'Чат завершён',
    callStarted: 'Звонок начат',
    callEnded: 'Звонок завершён',
    chatEnded: 'Разговор завершён',
    chatEndedHint: 'Если остались вопросы — начните новый чат.',
    newChat: 'Начать новый чат',
    managerTyping: '{name} печатает',
    aiTyping: 'Ассистент печатает',
    you: 'Вы',
    manager: 'Менеджер',
    sending: 'Отправляется',
    sent: 'Отправлено',
    failed: 'Не отправлено',
    retry: 'Повторить',
    connecting: 'Подключаемся…',
    reconnecting: 'Нет связи. Переподключаемся…',
    online: 'На связи',
    errorGeneric: 'Что-то пошло не так. Попробуйте ещё раз.',
    errorRequest: 'Не получилось позвать менеджера. Попробуйте ещё раз.',
    audioCall: 'Аудиозвонок',
    videoCall: 'Видеозвонок',
    incomingVideo: 'Входящий видеозвонок',
    incomingAudio: 'Входящий звонок',
    accept: 'Принять',
    decline: 'Отклонить',
    calling: 'Вызываем…',
    callConnecting: 'Соединяем…',
    callActive: 'Идёт звонок',
    micOn: 'Выключить микрофон',
    micOff: 'Включить микрофон',
    camOn: 'Выключить камеру',
    camOff: 'Включить камеру',
    hangUp: 'Завершить звонок',
    callDeclined: 'Звонок отклонён',
    callNoAnswer: 'Менеджер сейчас не может ответить',
    callFinished: 'Звонок завершён',
    callLost: 'Соединение прервалось',
    callFailed: 'Не удалось начать звонок',
    permissionDenied: 'Нет доступа к камере или микрофону. Разрешите доступ в настройках браузера (значок слева от адреса) и попробуйте снова.',
    noDevices: 'Камера или микрофон не найдены. Подключите устройство и попробуйте снова.',
    unsupported: 'Этот браузер не поддерживает звонки.',
    dismiss: 'Понятно',
    poweredBy: 'Работает на Switchboard',
    newMessage: 'Новое сообщение',
  },
  en: {
    launcherOpen: 'Open support chat',
    launcherClose: 'Minimise chat',
    panelLabel: 'Support chat',
    close: 'Minimise',
    aiTitle: 'Assistant',
    aiSubtitle: 'Replies instantly',
    waitingTitle: 'Finding an agent',
    waitingSubtitle: 'We usually reply within minutes',
    managerSubtitle: 'Your personal agent',
    closedTitle: 'Chat ended',
    closedSubtitle: 'Thanks for reaching out',
    defaultGreeting: 'Hi there! I’m the virtual assistant. Ask me anything — I’ll answer right away, and bring in a person if needed.',
    introSub: 'The assistant answers at once; a personal agent joins when you tap “Talk to a person”',
    placeholder: 'Write a message…',
    send: 'Send',
    withManager: 'Talk to a person',
    withManagerHint: 'Ask for a human agent',
    queueSearching: 'Connecting you to an agent',
    queuePosition: 'You are number {n} in the queue',
    queueNext: 'You are next in the queue',
    queueEta: 'About {m} min',
    queueWaiting: 'Waiting for a free agent',
    cancel: 'Cancel',
    managerJoined: 'Your personal agent has joined',
    managerRequested: 'You asked for an agent',
    sessionClosed: 'Chat ended',
    callStarted: 'Call started',
    callEnded: 'Call ended',
    chatEnded: 'The conversation has ended',
    chatEndedHint: 'Still have questions? Start a new chat.',
    newChat: 'Start a new chat',
    managerTyping: '{name} is typing',
    aiTyping: 'Assistant is typing',
    you: 'You',
    manager: 'Agent',
    sending: 'Sending',
    sent: 'Sent',
    failed: 'Not sent',
    retry: 'Retry',
    connecting: 'Connecting…',
    reconnecting: 'Connection lost. Reconnecting…',
    online: 'Online',
    errorGeneric: 'Something went wrong. Please try again.',
    errorRequest: 'Could not reach an agent. Please try again.',
    audioCall: 'Audio call',
    videoCall: 'Video call',
    incomingVideo: 'Incoming video call',
    incomingAudio: 'Incoming call',
    accept: 'Accept',
    decline: 'Decline',
    calling: 'Calling…',
    callConnecting: 'Connecting…',
    callActive: 'On a call',
    micOn: 'Mute microphone',
    micOff: 'Unmute microphone',
    camOn: 'Turn camera off',
    camOff: 'Turn camera on',
    hangUp: 'End call',
    callDeclined: 'Call declined',
    callNoAnswer: 'The agent cannot answer right now',
    callFinished: 'Call ended',
    callLost: 'The connection was lost',
    callFailed: 'Could not start the call',
    permissionDenied: 'No access to the camera or microphone. Allow access in your browser settings (the icon left of the address) and try again.',
    noDevices: 'No camera or microphone found. Connect a device and try again.',
    unsupported: 'This browser does not support calls.',
    dismiss: 'OK',
    poweredBy: 'Powered by Switchboard',
    newMessage: 'New message',
  },
};

export const LOCALES = Object.keys(STRINGS);

/** Normalises "en-GB", "RU" … to a supported locale, or null. */
export function normalizeLocale(value) {
  if (!value || typeof value !== 'string') return null;
  const base = value.trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.includes(base) ? base : null;
}

export function translator(locale) {
  const table = STRINGS[locale] || STRINGS.ru;
  return (key, params) => {
    let s = table[key] ?? STRINGS.ru[key] ?? key;
    if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
    return s;
  };
}

/** Time of day in the widget's locale ("14:05", "2:05 PM"). */
export function formatTime(locale, iso) {
  const d = iso ? new Date(iso) : new Date();
  if (Number.isNaN(d.getTime())) return '';
  try {
    return d.toLocaleTimeString(locale === 'en' ? 'en-US' : 'ru-RU', { hour: '2-digit', minute: '2-digit' });
  } catch {
    return '';
  }
}
