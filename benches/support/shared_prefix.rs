//! How much of each prompt of a run a provider's prefix cache can serve: the longest prefix, in
//! tokens, that a prompt shares with any other prompt of the same run.
//!
//! Providers cache exact prefixes of what they were sent before, so a prompt whose first N tokens
//! equal the first N tokens of an earlier prompt is billed those N tokens at the cached rate (from
//! 1,024 tokens on OpenAI). Which prompt goes first is up to the scheduler; counting the best match
//! against every other prompt gives the ceiling a run can reach. Tokenizing, and the report, are left
//! to the caller.

/// For each prompt (its tokens, system then user), the length of the longest prefix it shares with
/// another prompt of `prompts`; 0 for a run of one.
pub fn shared_prefixes(prompts: &[Vec<u32>]) -> Vec<usize> {
    prompts
        .iter()
        .enumerate()
        .map(|(i, prompt)| {
            prompts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, other)| common_prefix(prompt, other))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}
