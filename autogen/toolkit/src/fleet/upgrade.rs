//! What `upgrade --fleet` runs on one target, and the report lines every
//! fleet command starts from.

use std::time::Duration;

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{State, Target, TargetReport};
use crate::cli::CONNECT_TIMEOUT;
use crate::runtime::{self, Direction, Squashed};

/// A report for `t` before anything is known.
pub(crate) fn blank(t: &Target) -> TargetReport {
    TargetReport {
        name: t.name.clone(),
        url: t.url.redacted(),
        backend: t.url.backend(),
        status: State::Failed,
        before: None,
        after: None,
        applied: Vec::new(),
        atomic: None,
        at_head: None,
        millis: None,
        error: None,
        details: Vec::new(),
    }
}

/// Say how a target's run went in when it was not one transaction: a
/// failure kept the migrations before it (`kept` of them), a success
/// applied several one at a time.
pub(crate) fn note_split(r: &mut TargetReport, split: Option<&str>, kept: usize) {
    let Some(why) = split else {
        return;
    };
    r.atomic = Some(false);
    if let Some(e) = &mut r.error {
        if kept > 0 {
            e.push_str(&format!(
                "; kept {kept} applied migration(s) of this run: {why}"
            ));
        }
    } else if r.applied.len() > 1 {
        r.details
            .push(format!("applied one migration at a time: {why}"));
    }
}

/// An error on one line, without the target's password wherever a driver put it.
pub(crate) fn one_line(t: &Target, e: impl std::fmt::Display) -> String {
    let mut text = e
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    text = text.replace(t.url.expose(), &t.url.redacted());
    if let Ok(u) = url::Url::parse(t.url.expose())
        && let Some(pw) = u.password().filter(|p| !p.is_empty())
    {
        text = text.replace(pw, "***");
        if let Some(decoded) = percent_decoded(pw) {
            text = text.replace(&decoded, "***");
        }
    }
    text
}

fn percent_decoded(s: &str) -> Option<String> {
    let decoded = url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    (decoded != s && !decoded.is_empty()).then_some(decoded)
}

async fn connect(t: &Target) -> anyhow::Result<DatabaseConnection> {
    Ok(runtime::connect_within(&t.url, CONNECT_TIMEOUT).await?)
}

/// `upgrade --fleet` on one target: connect (creating a schema target's
/// schema), read where it is, bring it to head under its own migration
/// lock, all or nothing where the backend allows
/// ([`runtime::upgrade_to_head_whole`]), close. The report says where it
/// started and ended, and, when the run could not be one transaction and
/// failed, how many migrations it kept and why.
pub async fn upgrade_target<M: MigratorTrait + Squashed>(
    t: &Target,
    lock_timeout: Duration,
    on_edited: runtime::checksum::OnEdited,
) -> TargetReport {
    let mut r = blank(t);
    let (mut pending, mut split, mut kept) = (Vec::<String>::new(), None, 0);
    let result: anyhow::Result<()> = async {
        let db = connect(t).await?;
        let result = async {
            if let Some(schema) = &t.schema {
                // A new tenant's schema: its tables have nowhere to go without it.
                let quoted = schema.replace('"', "\"\"");
                db.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS \"{quoted}\""))
                    .await?;
            }
            let before = runtime::read_status::<M>(&db).await?;
            r.before = before.current().map(str::to_owned);
            r.after = r.before.clone();
            pending = before.pending().into_iter().map(str::to_owned).collect();
            // All or nothing where the backend allows; the runtime decides
            // again under the lock, this is what the report says when not.
            split = runtime::why_not_whole::<M>(&db, &pending, Direction::Up).await?;
            let done =
                runtime::upgrade_to_head_whole::<M>(&db, &t.url, lock_timeout, on_edited).await?;
            r.atomic = (!done.applied.is_empty()).then_some(done.split.is_none());
            split = done.split;
            r.applied = done.applied.into_iter().map(|a| a.name).collect();
            r.after = done.head;
            anyhow::Ok(())
        }
        .await;
        if result.is_err() {
            // Where the failure left it: where it started when the run was
            // one transaction, after the kept migrations when not.
            if let Ok(now) = runtime::read_status::<M>(&db).await {
                r.after = now.current().map(str::to_owned);
                kept = pending.iter().filter(|p| now.is_applied(p)).count();
            }
        }
        let _ = db.close().await;
        result
    }
    .await;
    match result {
        Ok(()) => {
            r.status = State::Ok;
            r.at_head = Some(true);
        }
        Err(e) => {
            r.at_head = Some(false);
            r.error = Some(one_line(t, e));
        }
    }
    if pending.len() > 1 && split.is_none() && r.error.is_some() {
        r.atomic = Some(true);
    }
    note_split(&mut r, split.as_deref(), kept);
    r
}
