//! Poll timelines: one table row per poll of a polling loop, then how the loop ended.

use std::fmt::Write as _;

use super::escape::e;
use super::format::secs;
use crate::report::model::PollTimeline;

/// Answers that mean "not yet" rather than a failure.
const WAITING: &[&str] = &["authorization_pending", "slow_down"];

/// A polling loop, open: one row per poll, then how it ended.
pub(super) fn timeline(o: &mut String, t: &PollTimeline) {
    let _ = write!(
        o,
        "<details open><summary>Polls: {} · {} polls · {}</summary>\
         <div class=\"t\">interval {} s, limit {} s</div>\
         <table><tr><th>#</th><th>at</th><th>waited</th><th>status</th><th>answer</th></tr>",
        e(&t.label),
        t.polls.len(),
        e(&t.outcome),
        secs(t.interval_s),
        secs(t.limit_s)
    );
    for (i, p) in t.polls.iter().enumerate() {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{} s</td><td>{} s</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            i + 1,
            secs(p.at_s),
            secs(p.waited_s),
            if p.status >= 400 && !WAITING.contains(&p.answer.as_str()) {
                "f"
            } else {
                "d"
            },
            p.status,
            e(&p.answer)
        );
    }
    let _ = write!(
        o,
        "</table><div>outcome: <b>{}</b></div></details>",
        e(&t.outcome)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::PollRecord;

    fn poll(status: u16, answer: &str) -> PollRecord {
        PollRecord {
            at_s: 1.0,
            waited_s: 1.0,
            status,
            answer: answer.into(),
        }
    }

    #[test]
    fn pending_is_not_a_failure_but_an_error_answer_is() {
        let mut o = String::new();
        timeline(
            &mut o,
            &PollTimeline {
                label: "CIBA token polling".into(),
                interval_s: 1.0,
                limit_s: 10.0,
                polls: vec![
                    poll(400, "authorization_pending"),
                    poll(400, "slow_down"),
                    poll(400, "access_denied"),
                ],
                outcome: "access_denied".into(),
            },
        );
        assert_eq!(o.matches("<td class=\"d\">400</td>").count(), 2, "{o}");
        assert_eq!(
            o.matches("<td class=\"f\">400</td><td>access_denied</td>")
                .count(),
            1
        );
        assert!(o.ends_with("outcome: <b>access_denied</b></div></details>"));
    }
}
