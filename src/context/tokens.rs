//! Token counts, with a real BPE (OpenAI's o200k), so the context budget means what providers bill.
//! DeepSeek's and Gemini's tokenizers differ by a few percent on code; the budget has that slack.

use tiktoken_rs::{o200k_base_singleton, CoreBPE};

pub fn count(text: &str) -> usize {
    encode(text).len()
}

/// The tokens themselves, for comparing prompts (what a provider's prefix cache can reuse).
pub fn encode(text: &str) -> Vec<u32> {
    bpe().encode_ordinary(text)
}

fn bpe() -> &'static CoreBPE {
    o200k_base_singleton()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_tokens() {
        assert_eq!(super::count(""), 0);
        let n = super::count("func (h *couponHandler) RedeemCoupon(ctx context.Context) error");
        assert!((8..30).contains(&n), "{n}");
    }
}
