//! Ranking quality on the demo FAQ: paraphrased questions (none copied from the entries)
//! with the topic a person would expect, and off-topic questions that should fall below
//! the threshold. `cargo test -p switchboard-assistant ranking -- --nocapture` prints the
//! figures.

use std::collections::HashMap;

use uuid::Uuid;

use crate::demo::{demo_faq, table};
use crate::faq::{FaqEntry, FaqIndex};
use crate::provider::{DEFAULT_THRESHOLD, Locale};

const RU: &[(&str, &str)] = &[
    ("во сколько обойдётся доставка до Казани?", "shipping_cost"),
    ("от какой суммы доставка бесплатно?", "shipping_cost"),
    ("через сколько дней придёт заказ?", "shipping_time"),
    ("за сколько дней доставите в Новосибирск?", "shipping_time"),
    ("отправляете в Беларусь?", "international"),
    ("можно заказать доставку в Казахстан?", "international"),
    ("где сейчас моя посылка?", "tracking"),
    ("как посмотреть статус заказа по трек-номеру?", "tracking"),
    ("можно самому забрать заказ?", "pickup"),
    ("есть ли самовывоз в Москве?", "pickup"),
    ("хочу вернуть куртку, не подошла", "returns"),
    ("как сделать возврат?", "returns"),
    ("когда деньги вернутся на карту?", "refund_time"),
    ("сколько ждать возврат средств?", "refund_time"),
    ("можно поменять кроссовки на размер больше?", "exchange"),
    ("обмен на другой цвет возможен?", "exchange"),
    ("как можно оплатить заказ?", "payment"),
    ("оплата по СБП есть?", "payment"),
    ("можно купить в рассрочку?", "installments"),
    ("оформить кредит на телефон можно?", "installments"),
    ("мы юрлицо, можно оплатить по безналу по счету?", "invoice"),
    ("выставите счёт для ИП?", "invoice"),
    ("до скольки вы работаете?", "hours"),
    ("работаете ли в воскресенье, какой график?", "hours"),
    ("дайте телефон поддержки", "contacts"),
    ("какая у вас почта для связи?", "contacts"),
    ("сломались наушники через месяц, что делать?", "warranty"),
    ("гарантия на ноутбук сколько?", "warranty"),
    ("передумал, как отменить заказ?", "cancel"),
    ("можно отказаться от покупки?", "cancel"),
    ("ошибся в адресе доставки, как исправить?", "change_order"),
    ("можно добавить ещё один товар в заказ?", "change_order"),
    ("куда вводить промокод?", "promo"),
    ("какие сейчас есть скидки?", "promo"),
    ("забыла пароль, что делать?", "account"),
    ("не получается войти в аккаунт", "account"),
];

const EN: &[(&str, &str)] = &[
    ("what does delivery cost?", "shipping_cost"),
    ("do I pay for shipping on a $30 order?", "shipping_cost"),
    ("how many days until my package arrives?", "shipping_time"),
    ("how fast is express delivery?", "shipping_time"),
    ("do you deliver to Germany?", "international"),
    ("can I order from the UK?", "international"),
    ("I'd like to track my order", "tracking"),
    ("where's my parcel right now?", "tracking"),
    ("is store pickup available?", "pickup"),
    ("can I collect the order at your shop?", "pickup"),
    ("I want to send back a jacket", "returns"),
    ("how can I return shoes that don't fit?", "returns"),
    ("how long until I'm refunded?", "refund_time"),
    ("when does the refund hit my card?", "refund_time"),
    ("can I swap these jeans for a bigger size?", "exchange"),
    ("exchange for another colour?", "exchange"),
    ("do you accept Visa?", "payment"),
    ("which ways can I pay?", "payment"),
    ("can I split the payment?", "installments"),
    ("is there financing for a laptop?", "installments"),
    ("can we buy as a company and pay on invoice?", "invoice"),
    ("do you issue VAT invoices?", "invoice"),
    ("what time do you close?", "hours"),
    ("is support open on Sunday?", "hours"),
    ("what's your support phone number?", "contacts"),
    ("how do I reach you by email?", "contacts"),
    ("my headphones stopped working after a month", "warranty"),
    ("is there a warranty on laptops?", "warranty"),
    ("I changed my mind, please cancel my order", "cancel"),
    ("how can I cancel a purchase?", "cancel"),
    ("I entered the wrong address, can I fix it?", "change_order"),
    ("can I add another item to my order?", "change_order"),
    ("where does the coupon code go?", "promo"),
    ("any discounts right now?", "promo"),
    ("password reset please", "account"),
    ("I can't sign in", "account"),
];

/// Typos, scored apart: the index corrects a word a letter or two away from a known one.
const TYPOS: &[(&str, &str, Locale)] = &[
    ("сколько стоит доствка?", "shipping_cost", Locale::Ru),
    ("как вернуть товр?", "returns", Locale::Ru),
    ("есть расрочка?", "installments", Locale::Ru),
    ("забыл пароьл", "account", Locale::Ru),
    ("какой у вас графк работы", "hours", Locale::Ru),
    ("how much is shiping?", "shipping_cost", Locale::En),
    ("retrun policy?", "returns", Locale::En),
    ("how do I cancle my order?", "cancel", Locale::En),
    ("pasword reset", "account", Locale::En),
    ("do you have a warrenty?", "warranty", Locale::En),
];

const OFF_TOPIC: &[&str] = &[
    "какая погода завтра?",
    "расскажи анекдот",
    "кто выиграл чемпионат мира по футболу?",
    "посоветуй хороший фильм",
    "как приготовить борщ?",
    "what's the weather tomorrow?",
    "tell me a joke",
    "who won the world cup?",
    "recommend a good movie",
    "how do I cook pasta?",
    // Near misses: they share words with entries but ask what the FAQ does not answer.
    "сколько стоит самый дорогой телефон?",
    "какой размер у этой куртки?",
    "где находится ваш офис?",
    "сколько дней гарантия на кроссовки?",
    "можно ли заказать торт?",
    "does this jacket come in a bigger size?",
    "how much does the laptop weigh?",
    "is the store hiring?",
    "what phone do you recommend?",
    "can I return to the main page?",
];

#[derive(Debug, Default)]
struct Figures {
    queries: usize,
    top1: usize,
    /// Right entry and confidence at or above the threshold.
    answered_right: usize,
    /// Wrong entry above the threshold: the worst outcome.
    answered_wrong: usize,
    off_topic: usize,
    off_topic_rejected: usize,
}

fn evaluate(entries: &[FaqEntry], topics: &HashMap<Uuid, &str>, queries: &[(&str, &str)]) -> Figures {
    let index = FaqIndex::build(entries);
    let mut f = Figures::default();
    for (query, topic) in queries {
        f.queries += 1;
        let best = index.best(query);
        let got = best.as_ref().map(|m| topics[&m.entry_id]);
        let confident = best.as_ref().is_some_and(|m| m.confidence >= DEFAULT_THRESHOLD);
        let right = got == Some(*topic);
        f.top1 += right as usize;
        f.answered_right += (right && confident) as usize;
        f.answered_wrong += (!right && confident) as usize;
        if !right {
            println!("  miss: {query:?} → {got:?} (want {topic}), {best:?}");
        }
    }
    for query in OFF_TOPIC {
        f.off_topic += 1;
        let confident = index.best(query).is_some_and(|m| m.confidence >= DEFAULT_THRESHOLD);
        f.off_topic_rejected += !confident as usize;
        if confident {
            println!("  off-topic answered: {query:?}");
        }
    }
    f
}

fn demo(locale: Locale) -> (Vec<FaqEntry>, HashMap<Uuid, &'static str>) {
    let entries = demo_faq(locale);
    let topics = entries.iter().zip(table(locale)).map(|(e, d)| (e.id, d.topic)).collect();
    (entries, topics)
}

#[test]
fn ranking_quality_on_the_demo_faq() {
    let (ru, ru_topics) = demo(Locale::Ru);
    let (en, en_topics) = demo(Locale::En);
    let mut totals = Figures::default();
    for (name, entries, topics, queries) in [("ru", &ru, &ru_topics, RU), ("en", &en, &en_topics, EN)] {
        let f = evaluate(entries, topics, queries);
        println!(
            "{name}: precision@1 {}/{} = {:.3}; answered right {}, answered wrong {} at threshold \
             {DEFAULT_THRESHOLD}; off-topic rejected {}/{}",
            f.top1,
            f.queries,
            f.top1 as f64 / f.queries as f64,
            f.answered_right,
            f.answered_wrong,
            f.off_topic_rejected,
            f.off_topic
        );
        totals.queries += f.queries;
        totals.top1 += f.top1;
        totals.answered_right += f.answered_right;
        totals.answered_wrong += f.answered_wrong;
        totals.off_topic += f.off_topic;
        totals.off_topic_rejected += f.off_topic_rejected;
    }
    let p1 = totals.top1 as f64 / totals.queries as f64;
    println!(
        "all: precision@1 {}/{} = {p1:.3}; answered right {}, wrong {}",
        totals.top1, totals.queries, totals.answered_right, totals.answered_wrong
    );
    // Floors a little under what this index measured (precision@1 0.903, 47/72 answered
    // right and 1 wrong above the threshold, 38/40 off-topic turned away), so a regression
    // fails here.
    assert!(totals.queries >= 40);
    assert!(p1 >= 0.88, "precision@1 {p1:.3} below the floor");
    assert!(totals.answered_wrong <= 2, "{totals:?}");
    assert!(totals.answered_right * 10 >= totals.queries * 6, "{totals:?}");
    assert!(totals.off_topic_rejected * 10 >= totals.off_topic * 9, "{totals:?}");
}

/// One index with both languages (a bilingual site): per-word stemming keeps them apart.
#[test]
fn a_bilingual_index_ranks_as_well_as_separate_ones() {
    let (mut all, mut topics) = demo(Locale::Ru);
    let (en, en_topics) = demo(Locale::En);
    all.extend(en);
    topics.extend(en_topics);
    let queries: Vec<_> = RU.iter().chain(EN).copied().collect();
    let f = evaluate(&all, &topics, &queries);
    let p1 = f.top1 as f64 / f.queries as f64;
    println!("bilingual: precision@1 {}/{} = {p1:.3}", f.top1, f.queries);
    assert!(p1 >= 0.88, "precision@1 {p1:.3} below the floor");
}

#[test]
fn typos_still_find_their_entry() {
    let mut right = 0;
    for (query, topic, locale) in TYPOS {
        let (entries, topics) = demo(*locale);
        let best = FaqIndex::build(&entries).best(query);
        let got = best.as_ref().map(|m| topics[&m.entry_id]);
        if got == Some(*topic) && best.is_some_and(|m| m.confidence >= DEFAULT_THRESHOLD) {
            right += 1;
        } else {
            println!("  typo miss: {query:?} → {got:?} (want {topic})");
        }
    }
    println!("typos: answered right {right}/{}", TYPOS.len());
    // 10/10 measured with typo correction, 6/10 without it.
    assert!(right * 10 >= TYPOS.len() * 8, "{right}/{}", TYPOS.len());
}
