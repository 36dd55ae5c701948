//! Text normalisation shared by FAQ retrieval and handoff detection: case folding,
//! ё→е, word splitting, stop words and Snowball stemming chosen per word by its script
//! (Cyrillic → Russian, Latin → English), so a mixed message like "доставка в Berlin"
//! stems each word with the right algorithm.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Interrogatives that tell questions apart ("when", "where", "сколько", "когда", "где")
/// are deliberately *not* stop words: they separate "when will it arrive" from "where is
/// it". Politeness ("please", "подскажите") is, since it says nothing about the topic.
/// Written with е for ё: `words` folds ё before the lookup.
#[rustfmt::skip]
const STOP_RU: &[&str] = &[
    "а", "без", "бы", "был", "была", "были", "было", "быть", "в", "вам", "вас", "ваш",
    "ваша", "ваше", "вашей", "вашем", "вашу", "ваши", "ваших", "ведь", "во", "вот", "все",
    "всего", "всех", "вы", "да", "для", "добрый", "до", "его", "ее", "ей",
    "если", "есть", "еще", "же", "за", "здравствуйте", "и", "из", "или", "им", "их",
    "к", "как", "какая", "какие", "какой", "ко", "который", "которые", "кто", "ли", "мне",
    "мной", "мои", "мой", "моя", "мое", "мою", "меня", "мы", "на", "над", "нам",
    "нас", "наш", "не", "него", "нее", "ней", "нибудь", "них", "но", "ну", "о", "об",
    "он", "она", "они", "оно", "от", "по", "подскажите", "пожалуйста", "при", "привет",
    "про", "с", "сам", "себе", "себя", "скажите", "со", "так", "также", "там", "то", "тоже",
    "ты", "у", "уже", "хочу", "хотел", "хотела", "хотелось", "что", "чтобы", "чем", "это",
    "этой", "этот", "эти", "этом", "эту", "я", "можно", "могу", "нужно", "надо",
];

#[rustfmt::skip]
const STOP_EN: &[&str] = &[
    "a", "about", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being",
    "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "get", "got",
    "had", "has", "have", "hello", "hey", "hi", "how", "i", "id", "if", "im", "in", "into",
    "is", "it", "its", "ive", "just", "let", "me", "might", "my", "need", "of", "on", "or",
    "our", "please", "pls", "should", "so", "some", "tell", "thank", "thanks", "that",
    "the", "their", "them", "then", "there", "these", "this", "those", "to", "too", "us",
    "want", "was", "we", "were", "what", "which", "who", "will", "with", "would", "you",
    "your", "youre",
    // Contractions lose their apostrophe in `words`: "can't" → "cant". ("where's" stays:
    // it stems to "where", an interrogative worth keeping.)
    "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wont", "whats", "theres", "ill",
    "youll", "youve", "weve", "lets",
];

/// Normalised words of `text`: lower case, ё→е, apostrophes dropped inside words (so
/// "don't" stays one word), split on everything that is neither a letter nor a digit.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            for lower in ch.to_lowercase() {
                word.push(if lower == 'ё' { 'е' } else { lower });
            }
        } else if !word.is_empty() && !matches!(ch, '\'' | '’' | 'ʼ') {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether a normalised word is a stop word of its language.
pub fn is_stop(word: &str) -> bool {
    if is_cyrillic(word) { STOP_RU.contains(&word) } else { STOP_EN.contains(&word) }
}

/// The Snowball stem of a normalised word: Russian for a word with Cyrillic letters,
/// English for a Latin one, the word itself otherwise (numbers, other scripts).
pub fn stem(word: &str) -> String {
    if is_cyrillic(word) {
        RUSSIAN.stem(word).into_owned()
    } else if word.chars().any(|c| c.is_ascii_alphabetic()) {
        ENGLISH.stem(word).into_owned()
    } else {
        word.to_owned()
    }
}

/// Index terms of `text`: stems of its words that are not stop words.
pub fn terms(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| !is_stop(w)).map(|w| stem(&w)).collect()
}

/// Stems of every word of `text`, stop words kept (phrases such as "talk to someone"
/// need them).
pub fn stems(text: &str) -> Vec<String> {
    words(text).iter().map(|w| stem(w)).collect()
}

/// Optimal-string-alignment distance in characters: insertions, deletions,
/// substitutions and swaps of two neighbours ("пароьл") each cost one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the dynamic-programming table: two back for the swap.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn is_cyrillic(word: &str) -> bool {
    word.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_yo_and_keep_apostrophes_inside() {
        assert_eq!(words("Ёлка, ЁЖИК! Don't stop—ok? 24/7"), ["елка", "ежик", "dont", "stop", "ok", "24", "7"]);
        assert_eq!(words("  'quoted' "), ["quoted"]);
        assert!(words("!!! ... ???").is_empty());
    }

    #[test]
    fn russian_inflections_share_a_stem() {
        let forms = ["доставка", "доставки", "доставку", "доставкой", "ДОСТАВКЕ"];
        let stems: Vec<_> = forms.iter().map(|w| stem(&words(w)[0])).collect();
        assert!(stems.iter().all(|s| s == &stems[0]), "{stems:?}");
        assert_eq!(stem("оператора"), stem("оператор"));
        assert_eq!(stem("менеджером"), stem("менеджер"));
    }

    #[test]
    fn english_inflections_share_a_stem() {
        assert_eq!(stem("shipping"), stem("shipped"));
        assert_eq!(stem("returns"), stem("returning"));
        assert_eq!(stem("payments"), stem("payment"));
        assert_eq!(stem("agents"), "agent");
    }

    #[test]
    fn script_chooses_the_stemmer_per_word() {
        // "доставки" stemmed by the English stemmer would stay unchanged.
        assert_eq!(terms("доставки в Berlin shipping"), ["доставк", "berlin", "ship"]);
        assert_eq!(stem("2024"), "2024");
    }

    #[test]
    fn edit_distance_counts_characters_and_swaps() {
        assert_eq!(edit_distance("доставк", "доставк"), 0);
        assert_eq!(edit_distance("доствк", "доставк"), 1);
        assert_eq!(edit_distance("пароьл", "пароль"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ab", ""), 2);
    }

    #[test]
    fn stop_words_are_dropped_but_interrogatives_kept() {
        assert_eq!(
            terms("Подскажите, пожалуйста, когда придёт мой заказ?"),
            [stem("когда"), stem("придет"), stem("заказ")]
        );
        assert_eq!(terms("How do I get a refund?"), ["refund"]);
        assert_eq!(terms("When will it arrive"), ["when", "arriv"]);
    }
}
