//! A MariaDB Galera cluster node (`@@wsrep_on` = 1): MariaDB's SQL, but
//! `GET_LOCK` is local to one node, so the migration lock is a lease row
//! certified cluster-wide (see `crate::lease`). DDL runs under TOI and
//! commits statement by statement, as on a single MariaDB server.

use super::{Capabilities, Flavour, LockKind, Probe, Registration, mysql};
use crate::config::Backend;

pub static REGISTRATION: Registration = Registration {
    flavour: Flavour {
        name: "galera",
        dialect: Backend::MySql,
        caps: Capabilities {
            lock: LockKind::LeaseRow,
            ..mysql::CAPS
        },
        describe: "a MariaDB Galera cluster node",
    },
    matches: |p: &Probe| p.wsrep_on,
};

#[cfg(test)]
mod tests {
    use super::super::Flavour;
    use super::*;

    #[test]
    fn a_wsrep_node_is_galera_and_locks_with_a_lease() {
        let mut p = Probe {
            dialect: Backend::MySql,
            version: "10.11.19-MariaDB-0+deb12u1".into(),
            ..Probe::default()
        };
        assert_eq!(Flavour::recognise(&p).name, "mariadb");
        p.wsrep_on = true;
        let f = Flavour::recognise(&p);
        assert_eq!(f.name, "galera");
        assert_eq!(f.caps.lock, LockKind::LeaseRow);
        assert!(!f.caps.transactional_ddl);
    }
}
