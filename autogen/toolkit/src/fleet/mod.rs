//! Fleets: one command over many tenant databases or PostgreSQL schemas.
//! `targets` reads the list (a file, a query on a control database, or
//! `[fleet]` in autogen.toml) and filters it; `runner` runs one piece of
//! work per target with bounded parallelism, a canary stage and a stop at
//! the first failure; `report` turns the outcomes into a table or JSON.
//! `upgrade` is what `upgrade --fleet` runs on one target; the other
//! commands' per-target work is the CLI's.

pub mod report;
pub mod runner;
pub mod targets;
pub mod upgrade;

pub use report::{Report, State, TargetReport};
pub use runner::{Progress, RunOptions, Stop, run};
pub use targets::{FleetError, FleetSettings, Target, filter, from_query, parse_list};
pub use upgrade::upgrade_target;
