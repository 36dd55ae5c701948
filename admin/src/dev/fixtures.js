// Canned data for the preview: a believable support day on one site.

const SITE = '6c0e7a1e-0000-4000-8000-000000000001';
export const ME = { id: 'a0000000-0000-4000-8000-000000000001', site_id: SITE, email: 'anna@shop.example', name: 'Anna Smirnova', role: 'admin', max_chats: null };

const ago = (min) => new Date(Date.now() - min * 60000).toISOString();
const uid = () => crypto.randomUUID();

export function queue() {
  return [
    { session_id: uid(), visitor: { id: uid(), name: 'Дмитрий Орлов' }, requested_at: ago(7.3), position: 1, preview: 'Заказ №48213 не пришёл, трекинг стоит третий день' },
    { session_id: uid(), visitor: { id: uid(), name: null }, requested_at: ago(2.1), position: 2, preview: 'Можно поменять размер кроссовок после оплаты?' },
    { session_id: uid(), visitor: { id: uid(), name: 'Laura Becker' }, requested_at: ago(0.4), position: 3, preview: null },
  ];
}

function session(id, visitorId, status, minutes) {
  return {
    id, site_id: SITE, visitor_id: visitorId, status,
    manager: status === 'active' || status === 'closed' ? { id: ME.id, name: ME.name } : null,
    queue_position: null, created_at: ago(minutes), requested_at: ago(minutes - 3), accepted_at: ago(minutes - 4), closed_at: status === 'closed' ? ago(1) : null,
  };
}

function msgs(sessionId, rows) {
  return rows.map(([sender, kind, text, min, author], i) => ({
    id: uid(), session_id: sessionId, seq: i + 1, sender, kind, text, created_at: ago(min),
    author: sender === 'manager' ? author || { id: ME.id, name: ME.name } : null, client_id: null,
  }));
}

export function chats() {
  const a = uid(), av = uid(), b = uid(), bv = uid(), c = uid(), cv = uid();
  return [
    {
      session: session(a, av, 'active', 16),
      visitor: { id: av, name: 'Мария Кузнецова', email: 'maria.k@mail.example' },
      notes: [{ text: 'Посетительница оплатила заказ №48177 картой, деньги списаны дважды (2 × 4 590 ₽). Просит вернуть лишнее списание. ИИ объяснил сроки возврата, но она хочет подтверждения от человека.', created_at: ago(12) }],
      messages: msgs(a, [
        ['visitor', 'text', 'Здравствуйте! С меня дважды списали деньги за заказ 48177', 16],
        ['ai', 'text', 'Здравствуйте! Мне жаль, что так вышло. Повторное списание обычно — это блокировка банка, она снимается за 3–5 рабочих дней. Подскажите, вы видите два списания или одно списание и одну блокировку?', 15.8],
        ['visitor', 'text', 'Два списания, в приложении банка оба «проведено». Позовите оператора, пожалуйста', 13],
        ['system', 'manager_requested', 'Посетитель позвал менеджера', 12.9],
        ['system', 'manager_joined', 'Anna Smirnova подключилась к чату', 12],
        ['manager', 'text', 'Мария, добрый день! Это Анна. Вижу заказ 48177 — действительно, два платежа прошли. Сейчас оформлю возврат второго.', 11.5],
        ['manager', 'text', 'Возврат оформлен, номер заявки R-20931. Деньги вернутся на карту в течение 3 рабочих дней.', 9],
        ['visitor', 'text', 'Спасибо большое! А чек на возврат придёт на почту?', 1.2],
      ]),
    },
    {
      session: session(b, bv, 'active', 40),
      visitor: { id: bv, name: 'James Carter', email: null },
      notes: [],
      messages: msgs(b, [
        ['system', 'manager_requested', 'The visitor asked for a manager', 39],
        ['system', 'manager_joined', 'Anna Smirnova joined the chat', 38],
        ['visitor', 'text', 'Hi, do you ship to Kazakhstan?', 38],
        ['manager', 'text', 'Hi James! Yes, we ship to Almaty and Astana, 5–8 days.', 36],
        ['visitor', 'text', 'Great. And customs fees?', 3],
        ['visitor', 'text', 'Ordering 3 jackets, about 600 USD', 2.5],
      ]),
      readUpTo: 4,
    },
    {
      session: session(c, cv, 'closed', 90),
      visitor: { id: cv, name: 'Ольга', email: null },
      notes: [],
      messages: msgs(c, [
        ['system', 'manager_joined', 'Anna Smirnova подключилась к чату', 85],
        ['visitor', 'text', 'Где посмотреть статус возврата?', 85],
        ['manager', 'text', 'В личном кабинете, раздел «Заказы» → «Возвраты».', 84],
        ['system', 'session_closed', 'Чат закрыт', 1],
      ]),
    },
  ];
}

export const MANAGERS = [
  ME,
  { id: uid(), site_id: SITE, email: 'pavel@shop.example', name: 'Павел Егоров', role: 'manager', max_chats: 5 },
  { id: uid(), site_id: SITE, email: 'li.wang@shop.example', name: 'Li Wang', role: 'manager', max_chats: 8 },
  { id: uid(), site_id: SITE, email: 'irina@shop.example', name: 'Ирина Белова', role: 'admin', max_chats: null },
];

export const SITE_INFO = { id: SITE, name: 'Shop Example', key: 'pk_live_3f9a1c7e', origins: ['https://shop.example', 'https://www.shop.example'], routing: 'manual', greeting: 'Здравствуйте! Чем можем помочь?', locale: 'ru' };

export const FAQ = [
  { id: uid(), questions: ['Сколько идёт доставка?', 'Когда привезут заказ?'], answer: 'По Москве — 1–2 дня, по России — 3–7 дней. Трек-номер приходит в SMS после отправки.' },
  { id: uid(), questions: ['Как вернуть товар?', 'Возврат'], answer: 'В течение 14 дней в личном кабинете: «Заказы» → «Оформить возврат». Деньги вернутся за 3–5 рабочих дней.' },
  { id: uid(), questions: ['Do you ship internationally?'], answer: 'Yes, to the EU, Kazakhstan and Armenia. Delivery takes 5–10 days.' },
];

export { uid, ago };
