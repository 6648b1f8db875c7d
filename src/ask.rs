//! The ask stage: one job's conversation with the model — ask, check the answer, verify it compiles in
//! its package, and while either fails and repair rounds are left, ask again in the same conversation
//! with the problems listed (the compiler's errors quoted with the lines they point at).
//!
//! Retries of failed requests (and the shared rate-limit gate) belong to `crate::provider::retry`;
//! judging an answer to `crate::check` and `crate::verify`; where a rejected answer is kept, writing
//! sidecars and reporting to the callers, which pass hooks for the first and act on [`Answered`] for
//! the rest.

use std::path::PathBuf;
use std::sync::Arc;

use crate::check::{self, CheckedFile, DependentFile, Expected, Problems, TargetFile};
use crate::context::gather::JobContext;
use crate::lang::Markers;
use crate::plan::Job;
use crate::prompt::{Prompt, Templates};
use crate::provider::retry::{ask_with_retries_observed, Failed, Gate, RetryPolicy, Retrying};
use crate::provider::{Message, Provider, Usage};
use crate::verify::{Verdict, Verifier};

/// What every job asks through: the model, how to retry, and the repair prompt's template.
#[derive(Clone)]
pub struct Asker {
    pub provider: Arc<dyn Provider>,
    pub policy: RetryPolicy,
    /// Shared by all jobs: the request rate and a 429's hold.
    pub gate: Gate,
    pub templates: Arc<Templates>,
    pub verifier: Arc<Verifier>,
    /// Repair rounds a job may use in all, for any problem (`--repair-rounds`).
    pub repair_rounds: u32,
}

/// How a job's conversation ended.
#[derive(Debug)]
pub struct Answered {
    /// The checked code (the target's first, then the dependent's) and what verification said of it,
    /// or why the job failed.
    pub result: Result<(Vec<CheckedFile>, Verdict), JobError>,
    /// Repair rounds used.
    pub repair_rounds: u32,
    /// Requests sent, retries included, over both rounds.
    pub attempts: u32,
    /// Tokens of every attempt the provider billed: answers received, and attempts that failed after
    /// the provider counted their tokens (an answer cut off at the token limit).
    pub usage: Usage,
}

/// Why a job produced no code. The text is what users see (`job_failed.error`, the text report).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The provider did not answer: retries ran out, or the error could not pass.
    #[error(transparent)]
    Provider(#[from] Failed),
    /// The last answer still failed the check (or the compiler) when the repair rounds ran out.
    #[error("the answer failed the check {}: {problems}{}", rounds_note(*.rounds), kept_note(.kept))]
    Rejected {
        problems: Problems,
        rounds: u32,
        /// Where the rejected answer was kept, when it could be.
        kept: Option<PathBuf>,
    },
}

fn rounds_note(rounds: u32) -> String {
    match rounds {
        0 => "(no repair rounds)".to_string(),
        1 => "twice".to_string(),
        n => format!("{} times", n + 1),
    }
}

fn kept_note(kept: &Option<PathBuf>) -> String {
    kept.as_ref()
        .map(|path| format!("; the answer is kept in {}", path.display()))
        .unwrap_or_default()
}

/// What the check expects of `job`'s answer: its stubs, and the file it may extend (sponge's dao file,
/// as the scaffold found it).
pub fn expected(job: &Job, context: &JobContext, markers: &Markers) -> Expected {
    Expected {
        target: TargetFile {
            name: context.file.name.clone(),
            path: job.file.path.clone(),
            source: job.file.source.clone(),
            stubs: job.stubs.clone(),
        },
        dependent: context
            .file
            .scaffold
            .as_ref()
            .and_then(|s| s.extends.as_ref())
            .map(|file| DependentFile {
                name: file.name.clone(),
                path: file.path.clone(),
                source: file.source.clone(),
            }),
        markers: markers.clone(),
    }
}

/// Asks `prompt`, checks the answer against `expected` and verifies it, and while that fails and repair
/// rounds are left asks again with the problems. `on_retry` hears of each retry before its wait;
/// `keep_rejected` is handed the last answer and its problems when the rounds run out, and says where
/// it kept them.
pub async fn ask_and_check(
    asker: &Asker,
    prompt: &Prompt,
    expected: &Expected,
    on_retry: impl FnMut(&Retrying<'_>) + Send,
    keep_rejected: impl FnOnce(&str) -> Option<PathBuf> + Send,
) -> Answered {
    let mut talk = Conversation {
        asker,
        messages: vec![
            Message::system(prompt.system.clone()),
            Message::user(prompt.user.clone()),
        ],
        on_retry,
        attempts: 0,
        usage: Usage::default(),
        rounds: 0,
    };
    let result = converse(&mut talk, prompt, expected, keep_rejected).await;
    Answered {
        result,
        repair_rounds: talk.rounds,
        attempts: talk.attempts,
        usage: talk.usage,
    }
}

/// A conversation whose latest answer came from elsewhere (batch mode's), to go on with.
#[derive(Debug, Clone)]
pub struct SoFar {
    /// System, user, and any earlier answers each followed by its repair request.
    pub messages: Vec<Message>,
    /// Repair requests among `messages`.
    pub rounds_used: u32,
    /// The answer to judge.
    pub answer: String,
}

/// Goes on with the conversation `so_far`: from there it is [`ask_and_check`] — check, verify, and
/// repair while rounds are left. `attempts` and `usage` count only what is asked here.
pub async fn check_and_repair_from(
    asker: &Asker,
    prompt: &Prompt,
    expected: &Expected,
    so_far: SoFar,
    on_retry: impl FnMut(&Retrying<'_>) + Send,
    keep_rejected: impl FnOnce(&str) -> Option<PathBuf> + Send,
) -> Answered {
    let mut talk = Conversation {
        asker,
        messages: so_far.messages,
        on_retry,
        attempts: 0,
        usage: Usage::default(),
        rounds: so_far.rounds_used,
    };
    let result = converse_from(&mut talk, prompt, expected, so_far.answer, keep_rejected).await;
    Answered {
        result,
        repair_rounds: talk.rounds,
        attempts: talk.attempts,
        usage: talk.usage,
    }
}

async fn converse<R: FnMut(&Retrying<'_>) + Send>(
    talk: &mut Conversation<'_, R>,
    prompt: &Prompt,
    expected: &Expected,
    keep_rejected: impl FnOnce(&str) -> Option<PathBuf> + Send,
) -> Result<(Vec<CheckedFile>, Verdict), JobError> {
    let answer = talk.ask().await?;
    converse_from(talk, prompt, expected, answer, keep_rejected).await
}

/// The conversation from an answer in hand: judge it, and repair while that fails and rounds are left.
async fn converse_from<R: FnMut(&Retrying<'_>) + Send>(
    talk: &mut Conversation<'_, R>,
    prompt: &Prompt,
    expected: &Expected,
    mut answer: String,
    keep_rejected: impl FnOnce(&str) -> Option<PathBuf> + Send,
) -> Result<(Vec<CheckedFile>, Verdict), JobError> {
    loop {
        let problems = match check::check(&answer, expected) {
            Ok(checked) => match talk.asker.verifier.verify(expected, &checked).await {
                Verdict::Failed { problems } => Problems(problems),
                verdict => return Ok((checked, verdict)),
            },
            Err(problems) => problems,
        };
        if talk.rounds >= talk.asker.repair_rounds {
            let kept = keep_rejected(&with_problems(&answer, &problems));
            return Err(JobError::Rejected {
                problems,
                rounds: talk.rounds,
                kept,
            });
        }
        talk.rounds += 1;
        // A repair template that fails to render must not cost the next chance: send the bare list.
        let repair = talk
            .asker
            .templates
            .repair(prompt.lang, &problems.repair_prompt())
            .unwrap_or_else(|_| problems.repair_prompt());
        talk.messages.push(Message::assistant(answer));
        talk.messages.push(Message::user(repair));
        answer = talk.ask().await?;
    }
}

/// A rejected answer as it is kept: the answer, then why it was rejected.
pub fn with_problems(answer: &str, problems: &Problems) -> String {
    format!(
        "{}\n\n----- assistant: why this answer was rejected -----\n{}",
        answer.trim_end(),
        problems.repair_prompt()
    )
}

/// The messages so far, and what asking has cost.
struct Conversation<'a, R> {
    asker: &'a Asker,
    messages: Vec<Message>,
    on_retry: R,
    attempts: u32,
    usage: Usage,
    /// Repair requests sent so far.
    rounds: u32,
}

impl<R: FnMut(&Retrying<'_>) + Send> Conversation<'_, R> {
    /// Sends the messages (with retries); returns the answer's text.
    async fn ask(&mut self) -> Result<String, Failed> {
        let asked = ask_with_retries_observed(
            self.asker.provider.as_ref(),
            &self.messages,
            &self.asker.policy,
            &self.asker.gate,
            &mut self.on_retry,
        )
        .await;
        match asked {
            Ok(asked) => {
                self.attempts += asked.attempts;
                self.usage += asked.answer.usage;
                Ok(asked.answer.text)
            }
            Err(failed) => {
                self.attempts += failed.attempts;
                self.usage += failed.usage;
                Err(failed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::time::Duration;

    use futures_util::future::BoxFuture;

    use super::*;
    use crate::lang::Lang;
    use crate::prompt::PromptLang;
    use crate::provider::{Answer, ProviderError, Reason};

    const SOURCE: &str =
        "package p\n\n// F returns 1.\nfunc F() int {\n\tpanic(\"implement me\")\n}\n";

    /// Answers from a script, one per request; remembers how many messages each request carried.
    struct Scripted {
        answers: Mutex<VecDeque<Result<String, ProviderError>>>,
        sent: Mutex<Vec<usize>>,
    }

    impl Provider for Scripted {
        fn name(&self) -> &'static str {
            "scripted"
        }
        fn model(&self) -> &str {
            "m"
        }
        fn chat<'a>(
            &'a self,
            messages: &'a [Message],
        ) -> BoxFuture<'a, Result<Answer, ProviderError>> {
            self.sent.lock().unwrap().push(messages.len());
            let next = self.answers.lock().unwrap().pop_front();
            Box::pin(async move {
                let text =
                    next.unwrap_or_else(|| Err(ProviderError::new(Reason::Config, "done")))?;
                Ok(Answer {
                    text,
                    reasoning: String::new(),
                    usage: Usage {
                        prompt_tokens: 10,
                        completion_tokens: 5,
                        ..Usage::default()
                    },
                })
            })
        }
        fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
            Box::pin(async { Ok(Vec::new()) })
        }
    }

    struct Run {
        answered: Answered,
        sent: Vec<usize>,
        kept: Option<String>,
    }

    async fn run(answers: Vec<Result<&str, ProviderError>>, repair_rounds: u32) -> Run {
        let provider = Arc::new(Scripted {
            answers: Mutex::new(answers.into_iter().map(|a| a.map(String::from)).collect()),
            sent: Mutex::new(Vec::new()),
        });
        let (templates, _) = Templates::load(None).unwrap();
        let asker = Asker {
            provider: provider.clone(),
            policy: RetryPolicy {
                retries: 1,
                base: Duration::from_millis(1),
                ..RetryPolicy::default()
            },
            gate: Gate::new(),
            templates: Arc::new(templates),
            verifier: Arc::new(Verifier::new(
                crate::verify::Mode::Off,
                Duration::from_secs(1),
                1,
            )),
            repair_rounds,
        };
        let prompt = Prompt {
            lang: PromptLang::En,
            system: "system".into(),
            user: "user".into(),
            tokens: 2,
            included: Vec::new(),
            dropped: Vec::new(),
        };
        let expected = Expected {
            target: TargetFile {
                name: "p.go".into(),
                path: PathBuf::from("p.go"),
                source: SOURCE.into(),
                stubs: Lang::of(std::path::Path::new("x.go"))
                    .unwrap()
                    .stubs_in(SOURCE, &Markers::default()),
            },
            dependent: None,
            markers: Markers::default(),
        };
        let kept = Mutex::new(None);
        let answered = ask_and_check(
            &asker,
            &prompt,
            &expected,
            |_| {},
            |answer| {
                *kept.lock().unwrap() = Some(answer.to_string());
                Some(PathBuf::from("p.go.assistant.rejected"))
            },
        )
        .await;
        let sent = provider.sent.lock().unwrap().clone();
        Run {
            answered,
            sent,
            kept: kept.into_inner().unwrap(),
        }
    }

    const GOOD: &str = "```go\npackage p\n\n// F returns 1.\nfunc F() int {\n\treturn 1\n}\n```\n";

    #[tokio::test]
    async fn a_failed_check_is_repaired_in_the_same_conversation() {
        let run = run(vec![Ok("no code here"), Ok(GOOD)], 2).await;
        let (checked, verdict) = run.answered.result.unwrap();
        assert_eq!(
            verdict,
            Verdict::Skipped {
                reason: "--verify off".into()
            }
        );
        assert_eq!(run.answered.repair_rounds, 1);
        assert_eq!(checked[0].functions, ["F"]);
        assert_eq!(run.answered.attempts, 2);
        assert_eq!(run.answered.usage.prompt_tokens, 20);
        // system + user, then system + user + answer + repair request.
        assert_eq!(run.sent, [2, 4]);
        assert_eq!(run.kept, None);
    }

    #[tokio::test]
    async fn an_answer_failing_twice_is_kept_and_named() {
        let run = run(vec![Ok("no code here"), Ok("still none")], 1).await;
        let error = run.answered.result.unwrap_err();
        assert!(matches!(error, JobError::Rejected { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "the answer failed the check twice: the answer holds no Go code block; \
             the answer is kept in p.go.assistant.rejected"
        );
        assert_eq!(
            run.kept.as_deref(),
            Some(
                "still none\n\n----- assistant: why this answer was rejected -----\n\
                 - the answer holds no Go code block\n"
            )
        );
        assert_eq!(run.answered.attempts, 2);
    }

    #[tokio::test]
    async fn repair_rounds_bound_the_conversation() {
        let run = run(vec![Ok("a"), Ok("b"), Ok("c"), Ok(GOOD)], 2).await;
        let error = run.answered.result.unwrap_err();
        assert!(error
            .to_string()
            .starts_with("the answer failed the check 3 times: "));
        assert_eq!(run.answered.repair_rounds, 2);
        assert_eq!(run.sent, [2, 4, 6]);
        let run = run_none().await;
        assert_eq!(run.answered.repair_rounds, 0);
        assert_eq!(run.sent, [2]);
    }

    async fn run_none() -> Run {
        run(vec![Ok("a"), Ok(GOOD)], 0).await
    }

    #[tokio::test]
    async fn provider_failures_keep_their_text_and_count_every_attempt() {
        let busy = || ProviderError::new(Reason::ServerBusy, "busy");
        let run = run(vec![Ok("no code here"), Err(busy()), Err(busy())], 2).await;
        let error = run.answered.result.unwrap_err();
        assert!(matches!(error, JobError::Provider(_)), "{error:?}");
        assert_eq!(error.to_string(), "busy (after 2 attempts)");
        assert_eq!(run.answered.attempts, 3);
        assert_eq!(run.answered.usage.prompt_tokens, 10);
    }
}
