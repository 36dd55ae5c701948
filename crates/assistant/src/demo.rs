//! The demo site's FAQ: an online shop's usual questions, in Russian and English. The
//! server seeds it into the demo site; the ranking evaluation measures against it.

use uuid::Uuid;

use crate::faq::FaqEntry;
use crate::provider::Locale;

/// One demo entry with a topic name that tests refer to.
pub(crate) struct DemoEntry {
    /// Read only by the ranking evaluation.
    #[cfg_attr(not(test), allow(dead_code))]
    pub topic: &'static str,
    pub questions: &'static [&'static str],
    pub answer: &'static str,
}

/// The demo FAQ of `locale`, with fresh ids (each seeded site owns its own rows).
pub fn demo_faq(locale: Locale) -> Vec<FaqEntry> {
    table(locale)
        .iter()
        .map(|e| FaqEntry {
            id: Uuid::new_v4(),
            questions: e.questions.iter().map(|q| q.to_string()).collect(),
            answer: e.answer.to_owned(),
        })
        .collect()
}

pub(crate) fn table(locale: Locale) -> &'static [DemoEntry] {
    match locale {
        Locale::Ru => RU,
        Locale::En => EN,
    }
}

const fn e(
    topic: &'static str,
    questions: &'static [&'static str],
    answer: &'static str,
) -> DemoEntry {
    DemoEntry {
        topic,
        questions,
        answer,
    }
}

const RU: &[DemoEntry] = &[
    e(
        "shipping_cost",
        &[
            "Сколько стоит доставка?",
            "Какая цена доставки?",
            "Доставка платная или бесплатная?",
        ],
        "Доставка курьером по России стоит 350 ₽, в пункт выдачи — 200 ₽. При заказе от 5000 ₽ \
         доставка бесплатная.",
    ),
    e(
        "shipping_time",
        &[
            "Сколько дней идёт доставка?",
            "Когда привезут заказ?",
            "Какие сроки доставки?",
        ],
        "По Москве и Санкт-Петербургу доставляем за 1–2 дня, в другие города России — за 3–7 \
         дней. Точный срок появится при оформлении заказа.",
    ),
    e(
        "international",
        &[
            "Доставляете ли вы в другие страны?",
            "Есть ли доставка за границу, в Казахстан или Беларусь?",
        ],
        "Да, доставляем в Казахстан, Беларусь, Армению и Киргизию через СДЭК, срок 7–14 дней. В \
         другие страны пока не отправляем.",
    ),
    e(
        "tracking",
        &[
            "Где мой заказ?",
            "Как отследить посылку?",
            "Как узнать статус заказа?",
        ],
        "Трек-номер приходит в письме и SMS после отправки. Статус заказа также виден в личном \
         кабинете в разделе «Мои заказы».",
    ),
    e(
        "pickup",
        &[
            "Можно ли забрать заказ самовывозом?",
            "Есть ли пункты самовывоза?",
            "Могу я сам забрать товар?",
        ],
        "Самовывоз бесплатный: из нашего магазина в Москве (ул. Примерная, 1) или из пунктов \
         выдачи СДЭК и Boxberry. Заказ хранится 7 дней.",
    ),
    e(
        "returns",
        &[
            "Как вернуть товар?",
            "Можно ли оформить возврат?",
            "Товар не подошёл, что делать?",
        ],
        "Вернуть товар можно в течение 14 дней после получения: оформите возврат в личном \
         кабинете и отнесите посылку в любой пункт выдачи. Сохраните упаковку и чек.",
    ),
    e(
        "refund_time",
        &[
            "Когда вернут деньги?",
            "Сколько ждать возврата денег?",
            "Как быстро придут деньги на карту после возврата?",
        ],
        "Деньги возвращаются на ту же карту в течение 10 рабочих дней после того, как склад \
         примет возврат. Срок зачисления зависит от банка.",
    ),
    e(
        "exchange",
        &[
            "Можно ли обменять товар на другой размер?",
            "Как поменять размер или цвет?",
        ],
        "Обмен на другой размер или цвет бесплатный в течение 14 дней: оформите обмен в личном \
         кабинете, курьер заберёт товар и привезёт новый.",
    ),
    e(
        "payment",
        &[
            "Какие способы оплаты есть?",
            "Можно ли оплатить картой?",
            "Принимаете ли вы наличные или СБП?",
        ],
        "Принимаем банковские карты (Visa, Mastercard, Мир), СБП, а при получении — наличные или \
         карту курьеру.",
    ),
    e(
        "installments",
        &[
            "Есть ли рассрочка?",
            "Можно купить в кредит?",
            "Можно оплатить частями?",
        ],
        "Да: рассрочка на 4 платежа без переплаты через «Долями» и кредит банков-партнёров на \
         6–24 месяца. Выберите способ при оформлении заказа.",
    ),
    e(
        "invoice",
        &[
            "Можно ли оплатить по счёту как юрлицо?",
            "Работаете ли вы с организациями и ИП?",
            "Нужны закрывающие документы для компании",
        ],
        "Да, выставляем счёт юрлицам и ИП. Укажите реквизиты при оформлении заказа: счёт и \
         закрывающие документы придут на почту, УПД передаём через ЭДО.",
    ),
    e(
        "hours",
        &[
            "Какой у вас график работы?",
            "До скольки работает поддержка?",
            "Вы работаете в выходные?",
        ],
        "Поддержка работает ежедневно с 9:00 до 21:00 по Москве, магазин — с 10:00 до 22:00 без \
         выходных.",
    ),
    e(
        "contacts",
        &[
            "Как с вами связаться?",
            "Какой у вас номер телефона?",
            "Есть ли электронная почта?",
        ],
        "Звоните 8 800 555-35-35 (бесплатно по России) или пишите на support@demo-shop.example. \
         Отвечаем в рабочее время поддержки.",
    ),
    e(
        "warranty",
        &[
            "Какая гарантия на товары?",
            "Что делать, если товар сломался?",
            "Как сдать товар в гарантийный ремонт?",
        ],
        "На технику действует гарантия производителя от 12 месяцев. Если товар сломался, оформите \
         гарантийное обращение в личном кабинете — мы бесплатно заберём его в сервисный центр.",
    ),
    e(
        "cancel",
        &[
            "Как отменить заказ?",
            "Можно ли отказаться от заказа?",
            "Хочу отменить покупку",
        ],
        "Отменить заказ можно в личном кабинете, пока он не передан в доставку. Если заказ уже в \
         пути, откажитесь от него при получении — деньги вернутся автоматически.",
    ),
    e(
        "change_order",
        &[
            "Как изменить адрес доставки?",
            "Можно ли поменять заказ после оформления?",
            "Хочу добавить товар в оформленный заказ",
        ],
        "Адрес, время доставки и состав заказа можно изменить в личном кабинете, пока заказ не \
         передан в доставку. После этого — через поддержку.",
    ),
    e(
        "promo",
        &[
            "Как применить промокод?",
            "Есть ли скидки?",
            "Где ввести купон на скидку?",
        ],
        "Промокод вводится в корзине, в поле «Промокод». Скидки не суммируются; действующие акции \
         — на странице «Акции».",
    ),
    e(
        "account",
        &[
            "Не могу войти в личный кабинет",
            "Как восстановить пароль?",
            "Забыл пароль от аккаунта",
        ],
        "Нажмите «Забыли пароль?» на странице входа и введите почту или телефон: придёт ссылка для \
         сброса пароля. Если письма нет, проверьте папку «Спам».",
    ),
];

const EN: &[DemoEntry] = &[
    e(
        "shipping_cost",
        &[
            "How much does shipping cost?",
            "What are the delivery fees?",
            "Is shipping free?",
        ],
        "Standard shipping is $5.99 and express is $14.99. Orders over $50 ship free.",
    ),
    e(
        "shipping_time",
        &[
            "How long does delivery take?",
            "When will my order arrive?",
            "What are the shipping times?",
        ],
        "Standard delivery takes 3–5 business days, express 1–2 business days. You'll see the \
         estimate at checkout.",
    ),
    e(
        "international",
        &[
            "Do you ship internationally?",
            "Can you deliver to Canada or Europe?",
        ],
        "Yes, we ship to Canada, the UK and most of the EU in 7–14 days. Duties and taxes are \
         calculated at checkout.",
    ),
    e(
        "tracking",
        &[
            "Where is my order?",
            "How do I track my package?",
            "How can I check my order status?",
        ],
        "You'll get a tracking number by email once your order ships. You can also follow its \
         status under My Orders in your account.",
    ),
    e(
        "pickup",
        &[
            "Can I pick up my order in store?",
            "Do you offer in-store pickup?",
            "Can I collect my order myself?",
        ],
        "Yes, pickup is free at our downtown store (1 Example Street). Orders are ready in 2 hours \
         and held for 7 days.",
    ),
    e(
        "returns",
        &[
            "How do I return an item?",
            "What is your return policy?",
            "Can I send something back?",
        ],
        "You can return unused items within 30 days of delivery. Start a return in your account, \
         print the prepaid label and drop the parcel off at any post office.",
    ),
    e(
        "refund_time",
        &[
            "When will I get my refund?",
            "How long do refunds take?",
            "When will my money be back on my card?",
        ],
        "Refunds go back to your original payment method within 5–10 business days after the \
         warehouse receives the return.",
    ),
    e(
        "exchange",
        &[
            "Can I exchange an item for a different size?",
            "How do I swap a product for another color?",
        ],
        "Exchanges for another size or color are free within 30 days: choose Exchange instead of \
         Return in your account and we'll ship the new item right away.",
    ),
    e(
        "payment",
        &[
            "What payment methods do you accept?",
            "Can I pay with PayPal?",
            "Do you take credit cards or Apple Pay?",
        ],
        "We accept Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay.",
    ),
    e(
        "installments",
        &[
            "Can I pay in installments?",
            "Do you offer financing?",
            "Is buy now, pay later available?",
        ],
        "Yes: pay in 4 interest-free installments with Klarna or Afterpay, or finance larger \
         orders over 6–24 months. Pick it at checkout.",
    ),
    e(
        "invoice",
        &[
            "Can my company pay by invoice?",
            "Do you sell to businesses?",
            "I need a VAT invoice for my business",
        ],
        "Yes, business customers can pay by invoice with 30-day terms. Add your company details at \
         checkout and the invoice arrives by email.",
    ),
    e(
        "hours",
        &[
            "What are your opening hours?",
            "When is customer support available?",
            "Are you open on weekends?",
        ],
        "Support is available every day from 9 am to 9 pm Eastern Time; the store is open 10 am to \
         8 pm, weekends included.",
    ),
    e(
        "contacts",
        &[
            "How can I contact you?",
            "What is your phone number?",
            "What is your email address?",
        ],
        "Call us at +1 555 0100 or email support@demo-shop.example; we answer during support hours.",
    ),
    e(
        "warranty",
        &[
            "What warranty do your products have?",
            "My product broke, what should I do?",
            "How do I make a warranty claim?",
        ],
        "All electronics come with a 1-year warranty. If something breaks, file a warranty claim in \
         your account and we'll repair or replace it free of charge.",
    ),
    e(
        "cancel",
        &["How do I cancel my order?", "Can I cancel a purchase?"],
        "You can cancel an order in your account until it ships. Once shipped, refuse the delivery \
         or return it, and we'll refund you.",
    ),
    e(
        "change_order",
        &[
            "How do I change my shipping address?",
            "Can I modify my order after placing it?",
            "Can I add an item to an existing order?",
        ],
        "You can change the address, delivery time or items in your account until the order \
         ships; after that, contact support.",
    ),
    e(
        "promo",
        &[
            "How do I use a promo code?",
            "Do you have any discounts?",
            "Where do I enter a coupon?",
        ],
        "Enter your promo code in the cart under Promo code. Discounts can't be combined; current \
         deals are on the Sale page.",
    ),
    e(
        "account",
        &[
            "I can't log in to my account",
            "How do I reset my password?",
            "I forgot my password",
        ],
        "Click Forgot password? on the sign-in page and enter your email: we'll send a reset link. \
         Check your spam folder if it doesn't arrive.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_faq_has_at_least_15_entries_with_variants_per_locale() {
        for locale in [Locale::Ru, Locale::En] {
            let faq = demo_faq(locale);
            assert!(faq.len() >= 15, "{locale:?}: {}", faq.len());
            assert!(
                faq.iter()
                    .all(|e| e.questions.len() >= 2 && !e.answer.is_empty())
            );
            let topics: std::collections::HashSet<_> =
                table(locale).iter().map(|e| e.topic).collect();
            assert_eq!(topics.len(), faq.len(), "topics are unique");
        }
    }
}
