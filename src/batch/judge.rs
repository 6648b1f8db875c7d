//! Judging one collected answer, on its own task: what the check expects is rebuilt from the state (a
//! changed source ends the job here, the answer kept beside it), then the answer is checked and
//! verified as a streamed job's would be — or, under `--repair-now`, goes on with streamed repair
//! rounds. Landing and reporting are `collect`'s.

use std::path::PathBuf;
use std::sync::Arc;

use super::rebuild;
use super::state::{self, JobState, Prompted};
use crate::ask::{self, Asker, JobError};
use crate::check::{self, CheckedFile, Problems};
use crate::fsx::shown;
use crate::lang::Markers;
use crate::prompt::{Prompt, PromptLang, Templates};
use crate::provider::{Message, Usage};
use crate::report::Reporter;
use crate::sidecar;
use crate::verify::{Verdict, Verifier};

/// An answer to judge: which job, from which batch.
pub(super) struct Work {
    pub(super) key: String,
    pub(super) batch: String,
    pub(super) job: JobState,
    pub(super) text: String,
    /// Set under `--repair-now`: the job's first-round messages.
    pub(super) prompted: Option<Prompted>,
}

/// What judging an answer came to.
pub(super) enum Judged {
    /// It passed (checked code and verdict), or with `--repair-now` it ended either way.
    Ended {
        key: String,
        batch: String,
        result: Result<(Vec<CheckedFile>, Verdict), String>,
        repair_rounds: u32,
        attempts: u32,
        usage: Usage,
    },
    /// It failed the check with repair rounds left: to send back in a repair batch.
    Repair {
        key: String,
        answer: String,
        repair: String,
    },
}

/// What every judging task shares.
pub(super) struct Shared {
    pub(super) root: PathBuf,
    pub(super) markers: Markers,
    pub(super) verifier: Arc<Verifier>,
    pub(super) templates: Arc<Templates>,
    pub(super) asker: Option<Asker>,
    pub(super) repair_rounds: u32,
    pub(super) reporter: Arc<Reporter>,
}

/// Judges one answer on its own task: rebuilds what the check expects (a changed source ends here,
/// the answer kept beside it), then checks and verifies — or under `--repair-now` goes on with the
/// streamed repair rounds.
pub(super) async fn judge(work: Work, shared: Arc<Shared>) -> Judged {
    let Work {
        key,
        batch,
        job,
        text,
        prompted,
    } = work;
    let ended = |result, rounds, attempts, usage| Judged::Ended {
        key: key.clone(),
        batch: batch.clone(),
        result,
        repair_rounds: rounds,
        attempts,
        usage,
    };
    let rounds_used = job.turns.len() as u32;
    let expected = match rebuild::expected(&shared.root, &job, &shared.markers) {
        Ok(expected) => expected,
        Err(error) => {
            let mut error = error.to_string();
            let target = state::resolve(&shared.root, &job.path);
            if let Ok(kept) = sidecar::save_rejected(&text, &target) {
                error.push_str(&format!(
                    "; no sidecar, the answer is kept in {}",
                    shown(&kept).display()
                ));
            }
            return ended(Err(error), rounds_used, 0, Usage::default());
        }
    };
    if let (Some(asker), Some(prompted)) = (&shared.asker, &prompted) {
        let prompt = prompt_of(prompted, &job);
        let mut messages = vec![
            Message::system(prompted.system.clone()),
            Message::user(prompted.user.clone()),
        ];
        for turn in &job.turns {
            messages.push(Message::assistant(turn.answer.clone()));
            messages.push(Message::user(turn.repair.clone()));
        }
        let label = job.path.clone();
        let reporter = &shared.reporter;
        let target = expected.target.path.clone();
        let answered = ask::check_and_repair_from(
            asker,
            &prompt,
            &expected,
            ask::SoFar {
                messages,
                rounds_used,
                answer: text,
            },
            |r| reporter.retrying(&label, r.attempt, r.wait, &r.error.to_string()),
            |answer| sidecar::save_rejected(answer, &target).ok(),
        )
        .await;
        let result = answered.result.map_err(|e| e.to_string());
        return ended(
            result,
            answered.repair_rounds,
            answered.attempts,
            answered.usage,
        );
    }
    let problems = match check::check(&text, &expected) {
        Ok(checked) => match shared.verifier.verify(&expected, &checked).await {
            Verdict::Failed { problems } => Problems(problems),
            verdict => return ended(Ok((checked, verdict)), rounds_used, 0, Usage::default()),
        },
        Err(problems) => problems,
    };
    if rounds_used < shared.repair_rounds {
        let lang = prompt_lang(&job);
        // As in a streamed job: a repair template that fails to render still sends the bare list.
        let repair = shared
            .templates
            .repair(lang, &problems.repair_prompt())
            .unwrap_or_else(|_| problems.repair_prompt());
        return Judged::Repair {
            key,
            answer: text,
            repair,
        };
    }
    let kept = sidecar::save_rejected(&ask::with_problems(&text, &problems), &expected.target.path)
        .ok()
        .map(|p| shown(&p));
    let error = JobError::Rejected {
        problems,
        rounds: rounds_used,
        kept,
    };
    ended(Err(error.to_string()), rounds_used, 0, Usage::default())
}

fn prompt_lang(job: &JobState) -> PromptLang {
    if job.prompt_lang == "zh" {
        PromptLang::Zh
    } else {
        PromptLang::En
    }
}

fn prompt_of(prompted: &Prompted, job: &JobState) -> Prompt {
    Prompt {
        lang: prompt_lang(job),
        system: prompted.system.clone(),
        user: prompted.user.clone(),
        tokens: 0,
        included: Vec::new(),
        dropped: Vec::new(),
    }
}
