//! The demo FAQ in English.

use super::{DemoEntry, e};

pub(crate) const ENTRIES: &[DemoEntry] = &[
    e(
        "shipping_cost",
        &["How much does shipping cost?", "What are the delivery fees?", "Is shipping free?"],
        "Standard shipping is $5.99 and express is $14.99. Orders over $50 ship free.",
    ),
    e(
        "shipping_time",
        &["How long does delivery take?", "When will my order arrive?", "What are the shipping times?"],
        "Standard delivery takes 3–5 business days, express 1–2 business days. You'll see the \
         estimate at checkout.",
    ),
    e(
        "international",
        &["Do you ship internationally?", "Can you deliver to Canada or Europe?"],
        "Yes, we ship to Canada, the UK and most of the EU in 7–14 days. Duties and taxes are \
         calculated at checkout.",
    ),
    e(
        "tracking",
        &["Where is my order?", "How do I track my package?", "How can I check my order status?"],
        "You'll get a tracking number by email once your order ships. You can also follow its \
         status under My Orders in your account.",
    ),
    e(
        "pickup",
        &["Can I pick up my order in store?", "Do you offer in-store pickup?", "Can I collect my order myself?"],
        "Yes, pickup is free at our downtown store (1 Example Street). Orders are ready in 2 hours \
         and held for 7 days.",
    ),
    e(
        "returns",
        &["How do I return an item?", "What is your return policy?", "Can I send something back?"],
        "You can return unused items within 30 days of delivery. Start a return in your account, \
         print the prepaid label and drop the parcel off at any post office.",
    ),
    e(
        "refund_time",
        &["When will I get my refund?", "How long do refunds take?", "When will my money be back on my card?"],
        "Refunds go back to your original payment method within 5–10 business days after the \
         warehouse receives the return.",
    ),
    e(
        "exchange",
        &["Can I exchange an item for a different size?", "How do I swap a product for another color?"],
        "Exchanges for another size or color are free within 30 days: choose Exchange instead of \
         Return in your account and we'll ship the new item right away.",
    ),
    e(
        "payment",
        &["What payment methods do you accept?", "Can I pay with PayPal?", "Do you take credit cards or Apple Pay?"],
        "We accept Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay.",
    ),
    e(
        "installments",
        &["Can I pay in installments?", "Do you offer financing?", "Is buy now, pay later available?"],
        "Yes: pay in 4 interest-free installments with Klarna or Afterpay, or finance larger \
         orders over 6–24 months. Pick it at checkout.",
    ),
    e(
        "invoice",
        &["Can my company pay by invoice?", "Do you sell to businesses?", "I need a VAT invoice for my business"],
        "Yes, business customers can pay by invoice with 30-day terms. Add your company details at \
         checkout and the invoice arrives by email.",
    ),
    e(
        "hours",
        &["What are your opening hours?", "When is customer support available?", "Are you open on weekends?"],
        "Support is available every day from 9 am to 9 pm Eastern Time; the store is open 10 am to \
         8 pm, weekends included.",
    ),
    e(
        "contacts",
        &["How can I contact you?", "What is your phone number?", "What is your email address?"],
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
        &["How do I use a promo code?", "Do you have any discounts?", "Where do I enter a coupon?"],
        "Enter your promo code in the cart under Promo code. Discounts can't be combined; current \
         deals are on the Sale page.",
    ),
    e(
        "account",
        &["I can't log in to my account", "How do I reset my password?", "I forgot my password"],
        "Click Forgot password? on the sign-in page and enter your email: we'll send a reset link. \
         Check your spam folder if it doesn't arrive.",
    ),
];
