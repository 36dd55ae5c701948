//! FAQ retrieval: Okapi BM25 over each question variant (an entry scores as its best
//! variant) plus a lightly weighted BM25 over the answer, and a confidence in 0..1 that
//! says how much of the query's information the best entry matched, so one threshold
//! works whatever the query's length.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::text;

/// One knowledge-base entry: several phrasings of one question and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FaqEntry {
    pub id: Uuid,
    pub questions: Vec<String>,
    pub answer: String,
}

/// The best entry for a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub entry_id: Uuid,
    pub answer: String,
    /// Raw BM25 score: comparable only between entries for the same query.
    pub score: f64,
    /// Share of the query's IDF mass found in the entry, 0..1: comparable across
    /// queries, which is what a threshold needs.
    pub confidence: f64,
}

// Standard BM25 constants; question variants are short, so length normalisation is
// kept at the usual strength to prefer the variant that says little besides the match.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Answers add evidence ("do you ship to Kazakhstan?" when only the answer names the
/// countries) but must not outrank a question that matches.
const ANSWER_WEIGHT: f64 = 0.3;
/// A query term found only in the answer counts this much towards confidence.
const ANSWER_CREDIT: f64 = 0.5;

/// One field (a question variant or an answer) as a bag of term ids.
#[derive(Debug)]
struct Field {
    entry: usize,
    len: f64,
    tf: HashMap<u32, u32>,
}

/// An immutable index over a site's FAQ; rebuild it when the entries change (building is
/// linear in the text, well under a millisecond for a few hundred entries).
#[derive(Debug, Default)]
pub struct FaqIndex {
    entries: Vec<(Uuid, String)>,
    vocab: HashMap<String, u32>,
    idf: Vec<f64>,
    /// The weight of a query term no entry contains, for confidence: that of the rarest
    /// known term (df = 1). Counting it higher made every unknown place name or product
    /// ("доставка до Казани") sink otherwise right answers below the threshold.
    unseen_idf: f64,
    questions: Vec<Field>,
    answers: Vec<Field>,
    avg_question_len: f64,
    avg_answer_len: f64,
}

impl FaqIndex {
    pub fn build(entries: &[FaqEntry]) -> FaqIndex {
        let mut index =
            FaqIndex { entries: entries.iter().map(|e| (e.id, e.answer.clone())).collect(), ..FaqIndex::default() };
        // Document frequency is counted per entry, not per variant, so that an entry
        // with many phrasings of a word does not make that word look common.
        let mut df: Vec<u32> = Vec::new();
        for (entry, e) in entries.iter().enumerate() {
            let mut seen = HashSet::new();
            for q in &e.questions {
                let field = index.field(entry, q, &mut df, &mut seen);
                index.questions.push(field);
            }
            let field = index.field(entry, &e.answer, &mut df, &mut seen);
            index.answers.push(field);
        }
        let n = entries.len() as f64;
        let idf = |df: f64| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        index.idf = df.iter().map(|&d| idf(d as f64)).collect();
        index.unseen_idf = idf(1.0);
        index.avg_question_len = mean_len(&index.questions);
        index.avg_answer_len = mean_len(&index.answers);
        index
    }

    /// Interns the terms of `text` and counts each term once per entry in `df`.
    fn field(&mut self, entry: usize, text: &str, df: &mut Vec<u32>, seen: &mut HashSet<u32>) -> Field {
        let terms = text::terms(text);
        let mut tf = HashMap::new();
        for term in &terms {
            let next = self.vocab.len() as u32;
            let id = *self.vocab.entry(term.clone()).or_insert(next);
            if id as usize == df.len() {
                df.push(0);
            }
            if seen.insert(id) {
                df[id as usize] += 1;
            }
            *tf.entry(id).or_insert(0) += 1;
        }
        Field { entry, len: terms.len() as f64, tf }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best entry for `query`, or `None` when no entry shares a term with it.
    pub fn best(&self, query: &str) -> Option<Match> {
        self.top(query, 1).into_iter().next()
    }

    /// Up to `k` entries for `query`, best first.
    pub fn top(&self, query: &str, k: usize) -> Vec<Match> {
        let mut seen_terms = HashSet::new();
        let mut seen_ids = HashSet::new();
        let query: Vec<Option<u32>> = text::terms(query)
            .into_iter()
            .filter(|t| seen_terms.insert(t.clone()))
            .map(|t| self.lookup(&t))
            // Two words may land on one term (a typo and its correction): count it once.
            .filter(|id| id.is_none_or(|id| seen_ids.insert(id)))
            .collect();
        let known: Vec<u32> = query.iter().flatten().copied().collect();
        if known.is_empty() {
            return Vec::new();
        }
        let total_idf: f64 = query.iter().map(|t| t.map_or(self.unseen_idf, |id| self.idf[id as usize])).sum();

        // Per entry: the best variant (score and index) and the answer's score.
        let mut best_variant: Vec<Option<(f64, usize)>> = vec![None; self.entries.len()];
        for (i, q) in self.questions.iter().enumerate() {
            let s = self.bm25(&known, q, self.avg_question_len);
            if s > 0.0 && best_variant[q.entry].is_none_or(|(b, _)| s > b) {
                best_variant[q.entry] = Some((s, i));
            }
        }
        let mut ranked: Vec<Match> = Vec::new();
        for (entry, (id, answer)) in self.entries.iter().enumerate() {
            let answer_field = &self.answers[entry];
            let answer_score = self.bm25(&known, answer_field, self.avg_answer_len);
            let variant = best_variant[entry];
            let score = variant.map_or(0.0, |(s, _)| s) + ANSWER_WEIGHT * answer_score;
            if score <= 0.0 {
                continue;
            }
            let matched: f64 = known
                .iter()
                .map(|t| {
                    let in_question = variant.is_some_and(|(_, i)| self.questions[i].tf.contains_key(t));
                    let credit = if in_question {
                        1.0
                    } else if answer_field.tf.contains_key(t) {
                        ANSWER_CREDIT
                    } else {
                        0.0
                    };
                    credit * self.idf[*t as usize]
                })
                .sum();
            ranked.push(Match {
                entry_id: *id,
                answer: answer.clone(),
                score,
                confidence: (matched / total_idf).clamp(0.0, 1.0),
            });
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked.truncate(k);
        ranked
    }

    /// The id of `term`, or of the one known term a typo away from it: same first letter,
    /// one edit for words of 4–7 letters, two from 8 ("доствк" → "доставк", "shipe" →
    /// "ship"). Ties between candidates are ambiguous and match nothing.
    fn lookup(&self, term: &str) -> Option<u32> {
        if let Some(&id) = self.vocab.get(term) {
            return Some(id);
        }
        let len = term.chars().count();
        let max_edits = match len {
            0..=3 => return None,
            4..=7 => 1,
            _ => 2,
        };
        let first = term.chars().next();
        let mut best: Option<(usize, u32)> = None;
        let mut tie = false;
        for (known, &id) in &self.vocab {
            if known.chars().next() != first || known.chars().count().abs_diff(len) > max_edits {
                continue;
            }
            let d = text::edit_distance(term, known);
            match best {
                _ if d > max_edits => {}
                Some((b, _)) if d > b => {}
                Some((b, _)) if d == b => tie = true,
                _ => {
                    best = Some((d, id));
                    tie = false;
                }
            }
        }
        best.filter(|_| !tie).map(|(_, id)| id)
    }

    fn bm25(&self, query: &[u32], field: &Field, avg_len: f64) -> f64 {
        let norm = K1 * (1.0 - B + B * field.len / avg_len.max(1.0));
        query
            .iter()
            .filter_map(|t| field.tf.get(t).map(|&tf| (t, tf as f64)))
            .map(|(t, tf)| self.idf[*t as usize] * tf * (K1 + 1.0) / (tf + norm))
            .sum()
    }
}

fn mean_len(fields: &[Field]) -> f64 {
    if fields.is_empty() {
        return 1.0;
    }
    fields.iter().map(|f| f.len).sum::<f64>() / fields.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(questions: &[&str], answer: &str) -> FaqEntry {
        FaqEntry {
            id: Uuid::new_v4(),
            questions: questions.iter().map(|q| q.to_string()).collect(),
            answer: answer.into(),
        }
    }

    fn sample() -> Vec<FaqEntry> {
        vec![
            entry(
                &["Сколько стоит доставка?", "Цена доставки по России"],
                "Доставка по России — 300 ₽, от 3000 ₽ бесплатно.",
            ),
            entry(&["Как вернуть товар?", "Оформить возврат"], "Верните товар в течение 14 дней через личный кабинет."),
            entry(&["How much is shipping?", "Delivery cost"], "Shipping is free over $50."),
        ]
    }

    #[test]
    fn inflected_query_finds_its_entry_with_full_confidence() {
        let faq = sample();
        let index = FaqIndex::build(&faq);
        let m = index.best("сколько стоит ДОСТАВКУ").unwrap();
        assert_eq!(m.entry_id, faq[0].id);
        assert!((m.confidence - 1.0).abs() < 1e-9, "{m:?}");
        assert_eq!(index.best("shipping costs").unwrap().entry_id, faq[2].id);
    }

    #[test]
    fn unknown_words_lower_confidence_and_no_overlap_is_none() {
        let index = FaqIndex::build(&sample());
        let partial = index.best("доставка холодильника на луну").unwrap();
        assert!(partial.confidence < 0.5, "{partial:?}");
        assert!(index.best("погода в Париже").is_none());
        assert!(index.best("пожалуйста?!").is_none());
        assert!(FaqIndex::build(&[]).best("доставка").is_none());
    }

    #[test]
    fn a_term_only_in_the_answer_counts_half() {
        let faq = sample();
        let index = FaqIndex::build(&faq);
        let m = index.best("личный кабинет").unwrap();
        assert_eq!(m.entry_id, faq[1].id);
        assert!((m.confidence - 0.5).abs() < 1e-9, "{m:?}");
    }

    #[test]
    fn a_typo_matches_the_one_near_term_and_an_ambiguous_one_nothing() {
        let faq = vec![
            entry(&["Where is my cart?"], "Top right."),
            entry(&["Which card types?"], "Visa."),
            entry(&["Password reset"], "Use the link."),
        ];
        let index = FaqIndex::build(&faq);
        assert_eq!(index.best("pasword").unwrap().entry_id, faq[2].id);
        assert!(index.best("carx").is_none(), "cart and card are equally near");
        assert!(index.best("xassword").is_none(), "the first letter must agree");
    }

    #[test]
    fn index_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FaqIndex>();
    }
}
