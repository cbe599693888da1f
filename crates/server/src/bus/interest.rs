//! Which group subjects a node needs: those of the groups that have a member
//! connected to it. Pure bookkeeping (no NATS): [`super::nats`] subscribes to
//! a group's subject when [`Interest`] says it became needed and unsubscribes
//! when it says it no longer is.
//!
//! A user's groups are read from the database when their first connection
//! logs in here (after their own subject is subscribed, so a membership change
//! committed from then on reaches this node as a change-log push); from then on
//! the membership entries of their change log (`group_joined`,
//! `group_member_left` about them, `group_dismissed`) keep the set current.
//! Those entries may reach this node out of order (several publishers), so
//! each (user, group) keeps the version of the last entry applied and an older
//! one is ignored; so is one older than the read at login.

use std::collections::{HashMap, HashSet};

use tern_proto::{Change, GroupId, UserId};

/// What a change-log entry does to its recipient's group memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// The recipient is now a member of this group.
    Joined(GroupId),
    /// The recipient is no longer a member of this group.
    Left(GroupId),
}

/// `change`'s effect on the memberships of `to`, its recipient.
pub fn membership(to: &UserId, change: &Change) -> Option<Membership> {
    match change {
        Change::GroupJoined { group, .. } => Some(Membership::Joined(group.group.clone())),
        Change::GroupMemberLeft { group, user, .. } if user == to => {
            Some(Membership::Left(group.clone()))
        }
        Change::GroupDismissed { group, .. } => Some(Membership::Left(group.clone())),
        _ => None,
    }
}

/// The group a change-log entry is about when every recipient of it is (or,
/// for the one who just left, was until this entry) a member: such an entry
/// can go to the group's subject once instead of to each member's.
pub fn members_only_group(change: &Change) -> Option<&GroupId> {
    match change {
        Change::GroupMemberJoined { group, .. }
        | Change::GroupMemberLeft { group, .. }
        | Change::GroupRoleChanged { group, .. }
        | Change::GroupMemberMuted { group, .. }
        | Change::GroupDismissed { group, .. } => Some(group),
        Change::GroupInfoChanged { group, .. } => Some(&group.group),
        _ => None,
    }
}

#[derive(Default)]
struct Watched {
    /// The user's change-log version when their groups were read.
    floor: u64,
    /// Per group: the version of the last membership entry applied, and
    /// whether they are a member.
    groups: HashMap<GroupId, (u64, bool)>,
}

/// The local members of each group, and the groups of each local user.
#[derive(Default)]
pub struct Interest {
    members: HashMap<GroupId, HashSet<UserId>>,
    users: HashMap<UserId, Watched>,
}

impl Interest {
    /// `user` connected here with these groups (read at change-log version
    /// `floor`); returns the groups that became needed.
    pub fn watch(&mut self, user: &UserId, groups: Vec<GroupId>, floor: u64) -> Vec<GroupId> {
        let w = self.users.entry(user.clone()).or_default();
        w.floor = w.floor.max(floor);
        let mut needed = Vec::new();
        for g in groups {
            let entry = w.groups.entry(g.clone()).or_insert((0, false));
            if entry.0 > floor || entry.1 {
                continue; // a newer entry already decided, or already a member
            }
            *entry = (floor, true);
            let set = self.members.entry(g.clone()).or_default();
            if set.is_empty() {
                needed.push(g.clone());
            }
            set.insert(user.clone());
        }
        needed
    }

    /// `user` has no connection here any more; returns the groups no longer needed.
    pub fn unwatch(&mut self, user: &UserId) -> Vec<GroupId> {
        let Some(w) = self.users.remove(user) else {
            return Vec::new();
        };
        let mut gone = Vec::new();
        for (g, (_, member)) in w.groups {
            if member && self.remove(&g, user) {
                gone.push(g);
            }
        }
        gone
    }

    /// Applies a membership entry (version `version` of `user`'s log);
    /// returns the group whose subscription must start (`Ok`) or stop (`Err`).
    pub fn apply(
        &mut self,
        user: &UserId,
        m: Membership,
        version: u64,
    ) -> Option<Result<GroupId, GroupId>> {
        let w = self.users.get_mut(user)?;
        if version <= w.floor {
            return None;
        }
        let (g, member) = match m {
            Membership::Joined(g) => (g, true),
            Membership::Left(g) => (g, false),
        };
        let entry = w.groups.entry(g.clone()).or_insert((0, false));
        if version <= entry.0 {
            return None;
        }
        let was = entry.1;
        *entry = (version, member);
        match (was, member) {
            (false, true) => {
                let set = self.members.entry(g.clone()).or_default();
                let first = set.is_empty();
                set.insert(user.clone());
                first.then_some(Ok(g))
            }
            (true, false) => self.remove(&g, user).then_some(Err(g)),
            _ => None,
        }
    }

    /// Whether some local user is a member of `g`.
    pub fn needs(&self, g: &GroupId) -> bool {
        self.members.get(g).is_some_and(|s| !s.is_empty())
    }

    /// Removes `user` from `g`'s local members; true when none is left.
    fn remove(&mut self, g: &GroupId, user: &UserId) -> bool {
        let Some(set) = self.members.get_mut(g) else {
            return false;
        };
        set.remove(user);
        if set.is_empty() {
            self.members.remove(g);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }
    fn g(s: &str) -> GroupId {
        GroupId::new(s).unwrap()
    }

    #[test]
    fn a_group_is_needed_while_a_local_member_is_connected() {
        let mut i = Interest::default();
        assert_eq!(
            i.watch(&u("a"), vec![g("g1"), g("g2")], 5),
            [g("g1"), g("g2")]
        );
        assert_eq!(i.watch(&u("b"), vec![g("g1")], 3), Vec::<GroupId>::new());
        // b joins g3 (version 4), then an older entry (leaving g3, version 2) arrives late.
        assert_eq!(
            i.apply(&u("b"), Membership::Joined(g("g3")), 4),
            Some(Ok(g("g3")))
        );
        assert_eq!(i.apply(&u("b"), Membership::Left(g("g3")), 2), None);
        assert!(i.needs(&g("g3")));
        // a leaves g1: b is still there. An entry older than a's login read is ignored.
        assert_eq!(i.apply(&u("a"), Membership::Left(g("g1")), 6), None);
        assert_eq!(i.apply(&u("a"), Membership::Left(g("g2")), 5), None);
        assert!(i.needs(&g("g1")) && i.needs(&g("g2")));
        // b goes offline: g1 and g3 are no longer needed; a still holds g2.
        let mut gone = i.unwatch(&u("b"));
        gone.sort_by(|x, y| x.as_str().cmp(y.as_str()));
        assert_eq!(gone, [g("g1"), g("g3")]);
        assert_eq!(
            i.apply(&u("a"), Membership::Left(g("g2")), 7),
            Some(Err(g("g2")))
        );
        assert!(!i.needs(&g("g2")));
        // Entries for a user not connected here change nothing.
        assert_eq!(i.apply(&u("z"), Membership::Joined(g("g1")), 9), None);
    }
}
