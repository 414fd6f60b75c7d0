//! How an import's phases show on stderr: a bar per phase on a terminal,
//! plain lines otherwise (one as each phase ends, and at most one every few
//! seconds while it runs), so that a log stays readable. The core
//! says what the phases are ([`partnercrm::progress`]); this only draws them.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use partnercrm::progress::{Phase, Step};

/// How often a plain line may repeat within a phase.
const EVERY: Duration = Duration::from_secs(5);

/// What one job's progress shows under.
pub struct Progress {
    label: String,
    terminal: bool,
    bar: Option<ProgressBar>,
    phase: Option<Phase>,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// Progress shown as `label: ...`.
    pub fn new(label: &str) -> Self {
        let now = Instant::now();
        Self {
            label: label.to_owned(),
            terminal: std::io::stderr().is_terminal(),
            bar: None,
            phase: None,
            started: now,
            last: now,
        }
    }

    /// Shows one step; never stops the job (Ctrl-C does that).
    pub fn step(&mut self, step: Step) -> ControlFlow<()> {
        let now = Instant::now();
        if self.phase != Some(step.phase) {
            self.finish();
            self.phase = Some(step.phase);
            self.started = now;
            self.last = now;
            if self.terminal {
                self.bar = Some(self.bar_for(step));
            }
        }
        if let Some(bar) = &self.bar {
            if let Some(total) = step.total {
                bar.set_length(total);
            }
            bar.set_position(step.done);
        }
        if step.is_end() {
            let seconds = now.duration_since(self.started).as_secs_f64();
            self.finish();
            self.line(&format!(
                "{} {} in {seconds:.2} s",
                step.phase,
                count(step.done, step.unit)
            ));
        } else if self.bar.is_none() && step.done > 0 && now.duration_since(self.last) >= EVERY {
            self.last = now;
            let of = step.total.map(|t| format!(" of {t}")).unwrap_or_default();
            self.line(&format!("{} {}{of} {}", step.phase, step.done, step.unit));
        }
        ControlFlow::Continue(())
    }

    fn bar_for(&self, step: Step) -> ProgressBar {
        let bar = match step.total {
            Some(total) => ProgressBar::new(total),
            None => ProgressBar::no_length(),
        }
        .with_message(format!("{}: {}", self.label, step.phase));
        let template = match step.total {
            Some(_) => format!(
                "{{msg}} [{{bar:40}}] {{human_pos}}/{{human_len}} {}",
                step.unit
            ),
            None => format!("{{msg}} {{human_pos}} {}", step.unit),
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }

    fn line(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{}: {text}", self.label);
    }

    /// Clears the bar of the phase under way, if any.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `n` `unit`s, singular for one.
fn count(n: u64, unit: &str) -> String {
    match n {
        1 => format!("1 {}", unit.trim_end_matches('s')),
        n => format!("{n} {unit}"),
    }
}
