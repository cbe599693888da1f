//! Profile, user search, friends, applications and blacklist calls.

use tern_proto::{cmd, reply, Friend, FriendApplication, Profile, UserId};

use super::{Client, ProfileUpdate};
use crate::error::Result;
use crate::store::relations as rel;

impl Client {
    // ---- profile and users ----

    /// My profile from the cache.
    pub async fn my_profile(&self) -> Result<Profile> {
        self.read(|c, me| {
            Ok(rel::my_profile(c)?.unwrap_or_else(|| Profile {
                user: me.clone(),
                nickname: String::new(),
                avatar: None,
                signature: String::new(),
            }))
        })
        .await
    }

    /// Changes my profile on the server; returns it as stored.
    pub async fn set_profile(&self, update: ProfileUpdate) -> Result<Profile> {
        let res = self
            .change(cmd::SetProfile {
                nickname: update.nickname,
                avatar: update.avatar,
                signature: update.signature,
            })
            .await?;
        let reply::Profile { profile } = res;
        let p = profile.clone();
        self.read(move |c, _| rel::set_my_profile(c, &p)).await?;
        Ok(profile)
    }

    /// Profiles of the given users, from the server (unknown ids are left out).
    pub async fn get_profiles(&self, users: &[UserId]) -> Result<Vec<Profile>> {
        let sh = self.shared()?;
        let reply::Profiles { profiles } = sh
            .call(cmd::GetProfiles {
                users: users.to_vec(),
            })
            .await?;
        let p = profiles.clone();
        sh.db
            .call(move |c| p.iter().try_for_each(|p| rel::upsert_user(c, p)))
            .await?;
        Ok(profiles)
    }

    /// Users whose id or nickname contains `query` (server-side search).
    pub async fn search_users(&self, query: &str) -> Result<Vec<Profile>> {
        let sh = self.shared()?;
        Ok(sh
            .call(cmd::SearchUsers {
                query: query.to_string(),
            })
            .await?
            .profiles)
    }

    // ---- friends ----

    /// Sends a friend application with a greeting. Refused with `Blocked` if `to` blocked me.
    pub async fn apply_friend(&self, to: &UserId, greeting: &str) -> Result<()> {
        self.change(cmd::ApplyFriend {
            to: to.clone(),
            greeting: greeting.to_string(),
        })
        .await
        .map(drop)
    }

    /// Accepts the pending application from `from`.
    pub async fn accept_friend(&self, from: &UserId) -> Result<()> {
        self.change(cmd::AcceptFriend { from: from.clone() })
            .await
            .map(drop)
    }

    /// Refuses the pending application from `from`.
    pub async fn refuse_friend(&self, from: &UserId) -> Result<()> {
        self.change(cmd::RefuseFriend { from: from.clone() })
            .await
            .map(drop)
    }

    /// Applications others sent me, newest first (cache).
    pub async fn received_applications(&self) -> Result<Vec<FriendApplication>> {
        self.read(|c, me| rel::applications(c, me, true)).await
    }

    /// Applications I sent, newest first (cache).
    pub async fn sent_applications(&self) -> Result<Vec<FriendApplication>> {
        self.read(|c, me| rel::applications(c, me, false)).await
    }

    /// Removes `user` from my friend list (one-way).
    pub async fn delete_friend(&self, user: &UserId) -> Result<()> {
        self.change(cmd::DeleteFriend { user: user.clone() })
            .await
            .map(drop)
    }

    /// Sets my private remark for a friend ("" clears it).
    pub async fn set_remark(&self, user: &UserId, remark: &str) -> Result<()> {
        self.change(cmd::SetRemark {
            user: user.clone(),
            remark: remark.to_string(),
        })
        .await
        .map(drop)
    }

    /// My friends, ordered by user id (cache).
    pub async fn friends(&self) -> Result<Vec<Friend>> {
        self.read(|c, _| rel::friends(c)).await
    }

    /// Those of `users` that are my friends, with their info (cache).
    pub async fn friends_info(&self, users: &[UserId]) -> Result<Vec<Friend>> {
        let users = users.to_vec();
        self.read(move |c, _| rel::friends_in(c, &users)).await
    }

    /// Which of `users` are my friends (asks the server).
    pub async fn check_friends(&self, users: &[UserId]) -> Result<Vec<UserId>> {
        let sh = self.shared()?;
        Ok(sh
            .call(cmd::CheckFriends {
                users: users.to_vec(),
            })
            .await?
            .friends)
    }

    /// My friends whose id, nickname or remark contains `query` (cache).
    pub async fn search_friends(&self, query: &str) -> Result<Vec<Friend>> {
        let q = query.to_string();
        self.read(move |c, _| rel::search_friends(c, &q)).await
    }

    // ---- blacklist ----

    /// Blocks `user`: they can no longer message me or ask to be friends.
    pub async fn block(&self, user: &UserId) -> Result<()> {
        self.change(cmd::Block { user: user.clone() })
            .await
            .map(drop)
    }

    /// Unblocks `user`.
    pub async fn unblock(&self, user: &UserId) -> Result<()> {
        self.change(cmd::Unblock { user: user.clone() })
            .await
            .map(drop)
    }

    /// Everyone I blocked (cache).
    pub async fn blocked(&self) -> Result<Vec<UserId>> {
        self.read(|c, _| rel::blacklist(c)).await
    }
}
